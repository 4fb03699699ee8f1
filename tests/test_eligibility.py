"""The eligibility decision and the reading of a candidate's words, as tables."""
from __future__ import annotations

import datetime

import pytest

from knowledge.eligibility import (
    DEROGATION_POSSIBLE, DEROGATION_TO_DISCUSS, LIKELY_ELIGIBLE, MISSING_DIPLOMA,
    MISSING_EXPERIENCE, Assessment, EligibilityRules, assess, diploma_by_id, parse_diploma,
    parse_kind, parse_years,
)
from knowledge.loader import read_dataset

RULES = EligibilityRules(min_years=3, derogation_years=6)


def test_rules_come_from_the_knowledge_base():
    facts = [f for f in read_dataset().facts]

    class View:  # the two fields from_facts reads
        def __init__(self, fact):
            self.key, self.values = fact.key, fact.values

    assert EligibilityRules.from_facts([View(f) for f in facts]) == RULES


@pytest.mark.parametrize(
    "diploma, years, kind, expected",
    [
        ("licence", 3, "associative", Assessment(LIKELY_ELIGIBLE)),
        ("licence", 5, "professionnelle", Assessment(LIKELY_ELIGIBLE)),
        ("master", 6, "syndicale", Assessment(LIKELY_ELIGIBLE)),
        ("educateur_specialise", 3, "professionnelle", Assessment(LIKELY_ELIGIBLE)),
        ("assistant_service_social", 4, "sociale", Assessment(LIKELY_ELIGIBLE)),
        ("cesf", 3.5, "bénévole", Assessment(LIKELY_ELIGIBLE)),
        ("licence", 2, "associative", Assessment(MISSING_EXPERIENCE, missing_years=1)),
        ("master", 1.5, "professionnelle", Assessment(MISSING_EXPERIENCE, missing_years=1.5)),
        ("licence", 2.99, None, Assessment(MISSING_EXPERIENCE, missing_years=0)),
        ("bac_plus_2", 6, "professionnelle", Assessment(DEROGATION_POSSIBLE)),
        ("bac", 10, "sociale", Assessment(DEROGATION_POSSIBLE)),
        ("none", 12, "professionnelle", Assessment(DEROGATION_POSSIBLE)),
        ("cap_bep", 6, "associative", Assessment(DEROGATION_TO_DISCUSS)),
        ("bac_plus_2", 8, "bénévole", Assessment(DEROGATION_TO_DISCUSS)),
        ("bac_plus_2", 5, "professionnelle", Assessment(MISSING_DIPLOMA, missing_years=1)),
        ("bac", 3, "professionnelle", Assessment(MISSING_DIPLOMA, missing_years=3)),
        ("none", 2, "associative", Assessment(MISSING_DIPLOMA, missing_years=4)),
        ("none", 0, None, Assessment(MISSING_DIPLOMA, missing_years=6)),
    ],
)
def test_decision_table(diploma, years, kind, expected):
    assert assess(diploma_by_id(diploma), years, kind, RULES) == expected


@pytest.mark.parametrize(
    "text, diploma",
    [
        ("J'ai une licence et 5 ans en association", "licence"),
        ("j'ai un master 2 en sociologie", "master"),
        ("bac+5", "master"),
        ("BAC +3", "licence"),
        ("je suis éduc spé", "educateur_specialise"),
        ("diplômée DEASS", "assistant_service_social"),
        ("CESF", "cesf"),
        ("je n'ai pas de licence mais un BTS", "bac_plus_2"),
        ("licence 2 validée", "bac_plus_2"),
        ("un BTS puis une licence pro", "licence"),
        ("juste le bac", "bac"),
        ("aucun diplôme", "none"),
        ("en fait j'ai un master", "master"),
        ("tu as une idée ?", None),
        ("", None),
    ],
)
def test_parse_diploma(text, diploma):
    found = parse_diploma(text)
    assert (found.id if found else None) == diploma


TODAY = datetime.date(2026, 11, 23)


@pytest.mark.parametrize(
    "text, requested, years",
    [
        ("5 ans en association", False, 5),
        ("trois ans", True, 3),
        ("trois ans", False, None),
        ("2 ans", True, 2),
        ("6 ans d'expérience", False, 6),
        ("18 mois", True, 1.5),
        ("une dizaine d'années", False, 10),
        ("un an et demi", True, 1.5),
        ("depuis 2015", False, 11),
        ("5", True, 5),
        ("cinq", True, 5),
        ("5", False, None),
        ("j'ai 35 ans et 4 ans d'expérience", True, 4),
        ("j'ai 35 ans", False, None),
        ("aucune idée", True, None),
        ("", True, None),
    ],
)
def test_parse_years(text, requested, years):
    assert parse_years(text, requested=requested, today=TODAY) == years


@pytest.mark.parametrize(
    "text, kind",
    [
        ("en association", "associative"),
        ("salariée dans un centre social", "professionnelle"),
        ("bénévole", "bénévole"),
        ("au syndicat", "syndicale"),
        ("dans le médico-social", "sociale"),
        ("euh", None),
    ],
)
def test_parse_kind(text, kind):
    assert parse_kind(text) == kind
