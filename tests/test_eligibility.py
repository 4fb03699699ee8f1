"""The eligibility decision criterion by criterion, and the reader of a candidate's words
(bot/nlu/profile_reader.py), as tables and as properties (hypothesis)."""
from __future__ import annotations

import datetime

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from bot.nlu.profile_reader import OBTAINED, reader
from knowledge import eligibility
from knowledge.eligibility import (
    DEROGATION_POSSIBLE, DEROGATION_TO_DISCUSS, LIKELY_ELIGIBLE, MET, MISSING_DIPLOMA, MISSING_EXPERIENCE,
    NOT_MET, OUTSIDE_FIELD, TO_CHECK, UNCLEAR, EligibilityRules, Situation, assess, diploma_by_id,
)
from knowledge.loader import read_dataset

RULES = EligibilityRules(min_years=3, derogation_years=6)
TODAY = datetime.date(2026, 12, 1)


def test_rules_come_from_the_knowledge_base():
    class View:  # the two fields from_facts reads
        def __init__(self, fact):
            self.key, self.values = fact.key, fact.values

    assert EligibilityRules.from_facts([View(f) for f in read_dataset().facts]) == RULES


def test_every_diploma_has_a_level_and_a_note():
    import yaml

    table = yaml.safe_load(eligibility.DIPLOMAS_FILE.read_text("utf-8"))["diplomas"]
    assert all(0 <= item["level"] <= 8 and item["note"] for item in table)
    qualifying = {d.id for d in eligibility.diplomas() if d.qualifies}
    assert {"licence", "maitrise", "master", "educateur_specialise", "assistant_service_social", "cesf"} <= qualifying
    assert not {"bts", "deme", "bpjeps", "aes", "bac", "below_level6", "none"} & qualifying


@pytest.mark.parametrize("diploma, years, kind, field, pro, outcome, states", [
    ("licence", 3, "associative", None, None, LIKELY_ELIGIBLE, (MET, MET, MET, TO_CHECK)),
    ("master", 6, None, "inside", None, LIKELY_ELIGIBLE, (MET, MET, TO_CHECK, MET)),
    ("cesf", 3.5, "bénévole", "inside", None, LIKELY_ELIGIBLE, (MET, MET, MET, MET)),
    ("licence", 2, "associative", None, None, MISSING_EXPERIENCE, (MET, NOT_MET, MET, TO_CHECK)),
    ("licence", 5, "professionnelle", "outside", None, OUTSIDE_FIELD, (MET, MET, MET, NOT_MET)),
    ("bts", 6, "professionnelle", None, None, DEROGATION_POSSIBLE, (NOT_MET, MET, MET, TO_CHECK)),
    ("bts", 9, "mixte", None, 6, DEROGATION_POSSIBLE, (NOT_MET, MET, MET, TO_CHECK)),
    ("bts", 9, "mixte", None, 5, DEROGATION_TO_DISCUSS, (NOT_MET, MET, NOT_MET, TO_CHECK)),
    ("bac", 8, "bénévole", "inside", None, DEROGATION_TO_DISCUSS, (NOT_MET, MET, NOT_MET, MET)),
    ("cap_bep", 7, None, None, None, DEROGATION_TO_DISCUSS, (NOT_MET, MET, TO_CHECK, TO_CHECK)),
    ("bts", 5.5, "professionnelle", None, None, MISSING_DIPLOMA, (NOT_MET, NOT_MET, NOT_MET, TO_CHECK)),
    ("none", 0, None, None, None, MISSING_DIPLOMA, (NOT_MET, NOT_MET, TO_CHECK, TO_CHECK)),
    ("bts", 10, "professionnelle", "outside", None, OUTSIDE_FIELD, (NOT_MET, MET, MET, NOT_MET)),
    (None, 10, None, "outside", None, OUTSIDE_FIELD, (TO_CHECK, MET, TO_CHECK, NOT_MET)),
    (None, 4, None, None, None, UNCLEAR, (TO_CHECK,) * 4),
    ("licence", None, None, None, None, UNCLEAR, (TO_CHECK,) * 4),
])
def test_decision_table(diploma, years, kind, field, pro, outcome, states):
    result = assess(Situation(diploma_by_id(diploma or ""), years, kind, field, pro), RULES)
    assert (result.outcome, (result.diploma, result.years, result.kind, result.field)) == (outcome, states)


def test_missing_years_are_counted_against_the_path():
    assert assess(Situation(diploma_by_id("licence"), 1.5), RULES).missing_years == 1.5
    assert assess(Situation(diploma_by_id("bts"), 4), RULES).missing_years == 2


@pytest.fixture(scope="module")
def read(nlp):
    def profile(text):
        return reader(nlp.vocab).read(nlp(text), TODAY)
    return profile


@pytest.mark.parametrize("text, obtained, unfinished", [
    ("J'ai une licence en cours", None, ("licence", "in_progress")),
    ("je n'ai pas fini ma licence", None, ("licence", "abandoned")),
    ("licence non validée", None, ("licence", "failed")),
    ("j'ai arrêté en L2", None, ("licence", "partial")),
    ("j'ai une licence et je prépare un master", "licence", ("master", "in_progress")),
    ("j'ai validé mon M1", "maitrise", None),
    ("diplôme d'éducateur sportif", "bpjeps", None),
    ("j'ai le DEME (moniteur éducateur)", "deme", None),
    ("je suis assistante sociale", None, None),
    ("j'ai le DE d'assistante sociale", "assistant_service_social", None),
    ("pas de bac+3", "below_level6", None),
    ("aucun diplôme", "none", None),
    ("mon but est de diriger une structure", None, None),
])
def test_diplomas_obtained_or_not(read, text, obtained, unfinished):
    profile = read(text)
    held, named = profile.obtained(), profile.unfinished()
    assert (held.diploma.id if held else None) == obtained
    assert ((named.diploma.id, named.status) if named else None) == unfinished


@pytest.mark.parametrize("text, years, professional, kind", [
    ("BTS, au chômage depuis 2016", None, None, None),
    ("j'ai ma licence depuis 2015", None, None, None),
    ("j'ai étudié 5 ans à la fac", None, None, None),
    ("j'ai vécu 4 ans au Canada", None, None, None),
    ("j'ai 35 ans", None, None, None),
    ("dix-huit mois d'expérience en foyer", 1.5, None, None),
    ("dix-sept ans dans l'animation", 17, None, None),
    ("vingt-cinq ans de CDI dans le médico-social", 25, 25, "professionnelle"),
    ("licence, 2 ans en CDD et 2 ans de bénévolat", 4, 2, "mixte"),
    ("7 ans comme animatrice bénévole", 7, 0, "bénévole"),
    ("presque 3 ans en association", 2.5, None, None),
    ("plus de 3 ans dans le social", 3, None, None),
    ("une dizaine d'années en CDI", 10, 10, "professionnelle"),
    ("je travaille comme éducateur spécialisé depuis 8 ans", 8, 8, "professionnelle"),
    ("je suis bénévole aux restos depuis 2018", 8, 0, "bénévole"),
    ("aucune expérience", 0, None, None),
    ("jamais travaillé", 0, None, None),
])
def test_experience(read, text, years, professional, kind):
    profile = read(text)
    assert (profile.years(), profile.professional_years(), profile.experience_kind()) == (years, professional, kind)


@pytest.mark.parametrize("text, bare_years, bare_none", [
    ("5", 5, False), ("cinq", 5, False), ("deux ans et demi", 2.5, False), ("18 mois", 1.5, False),
    ("aucune", None, True), ("zéro", None, True), ("je sais pas", None, False),
    ("aucune idée", None, False), ("les deux", None, False),
])
def test_short_answers(read, text, bare_years, bare_none):
    profile = read(text)
    assert (profile.bare_years, profile.bare_none) == (bare_years, bare_none)


@pytest.mark.parametrize("text, field", [
    ("10 ans dans la banque", "outside"), ("5 ans en EHPAD", "inside"), ("4 ans de CDI", None),
])
def test_fields(read, text, field):
    assert read(text).experience_field() == field


@pytest.mark.parametrize("text, correction", [
    ("en fait j'ai un master", True), ("non, une licence", True), ("j'ai une licence", False),
])
def test_corrections(read, text, correction):
    assert read(text).correction is correction


# Properties over generated messages: words of the domain, numbers and noise.
WORDS = ["licence", "master", "BTS", "bac", "DEES", "pas", "de", "ai", "j'", "une", "en", "cours", "ans",
         "mois", "depuis", "2015", "3", "dix-huit", "et", "demi", "bénévole", "salariée", "CDD", "association",
         "banque", "non", "fini", "validé", "presque", "plus", ",", ".", "je", "suis", "aucune", "expérience"]
MESSAGES = st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=8)), max_size=25).map(" ".join)
FAST = settings(max_examples=100, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(MESSAGES)
def test_the_reader_never_raises_and_durations_are_never_negative(read, text):
    profile = read(text)
    assert all(p.years >= 0 for p in profile.periods)
    assert (profile.years() or 0) >= 0 and (profile.bare_years or 0) >= 0


@FAST
@given(st.integers(1, 30), st.integers(1, 30), st.sampled_from(["CDD", "bénévolat", "association", "foyer"]))
def test_adding_a_period_never_lowers_the_total(read, first, second, where):
    one = read(f"{first} ans en {where}").years()
    two = read(f"{first} ans en {where} et {second} ans de bénévolat").years()
    assert two is not None and one is not None and two >= one


@FAST
@given(st.sampled_from(["licence", "master", "DEES", "licence pro", "bac+3", "maîtrise", "DEASS", "CESF"]),
       st.sampled_from(["je n'ai pas de {}", "sans {}", "pas de {}", "je n'ai pas fini ma {}", "{} en cours",
                        "{} non validée", "j'ai raté mon {}", "je prépare un {}"]))
def test_a_negated_or_unfinished_diploma_never_counts(read, diploma, template):
    held = read(template.format(diploma)).obtained()
    assert held is None or not held.diploma.qualifies
    assert held is None or held.status == OBTAINED


@pytest.mark.parametrize("text", [
    "combien coûte le master de droit du Cnam ?", "je cherche un master en informatique au Cnam",
    "vous proposez un BTS gestion de la PME ?", "le master droit social du Cnam est-il en alternance ?",
])
def test_a_diploma_asked_about_or_wanted_is_not_held(read, text):
    assert read(text).obtained() is None
