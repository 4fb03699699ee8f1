"""Eligibility pre-check: the diploma table and the decision, criterion by criterion.

The thresholds come from the knowledge base (facts prerequisites.diploma and
derogation.rule); the diplomas and their levels from knowledge/diplomas.yml. The outcome is
always "a priori": the CESTES decides on the file. Reading the candidate's own words is the
NLU's business (bot/nlu/profile_reader.py); this module decides from what was read.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

import yaml

from knowledge.queries import FactView

DIPLOMAS_FILE = Path(__file__).resolve().parent / "diplomas.yml"

# Outcomes; each has a response utter_eligibility_<outcome> in the domain.
LIKELY_ELIGIBLE = "likely"
DEROGATION_POSSIBLE = "derogation_possible"
DEROGATION_TO_DISCUSS = "derogation_to_discuss"
MISSING_EXPERIENCE = "missing_experience"
MISSING_DIPLOMA = "missing_diploma"
OUTSIDE_FIELD = "outside_field"
UNCLEAR = "unclear"
OUTCOMES = (LIKELY_ELIGIBLE, DEROGATION_POSSIBLE, DEROGATION_TO_DISCUSS, MISSING_EXPERIENCE,
            MISSING_DIPLOMA, OUTSIDE_FIELD, UNCLEAR)

# The state of each criterion, shown to the candidate one line each.
MET, NOT_MET, TO_CHECK = "met", "not_met", "to_check"
# Kinds of experience; only professional experience counts for the dérogation (seed 002).
PROFESSIONAL = "professionnelle"
KINDS = (PROFESSIONAL, "associative", "syndicale", "bénévole", "mixte")
INSIDE, OUTSIDE = "inside", "outside"


@dataclass(frozen=True)
class Diploma:
    """A diploma of the table, at its level of the national framework."""

    id: str
    label: str
    level: int
    rank: int
    named: bool = False
    job: bool = False
    forms: tuple[str, ...] = ()
    cased_forms: tuple[str, ...] = ()

    @property
    def qualifies(self) -> bool:
        """Level 6 or more, or one of the three diplomas the prerequisites name."""
        return self.level >= 6 or self.named


@dataclass(frozen=True)
class PartialCourse:
    """Years of a course that are not a diploma (L1, L2…): the course was not completed."""

    forms: tuple[str, ...]
    of: str


@lru_cache(maxsize=1)
def _table() -> dict:
    return yaml.safe_load(DIPLOMAS_FILE.read_text("utf-8"))


@lru_cache(maxsize=1)
def diplomas() -> tuple[Diploma, ...]:
    """The diploma table of knowledge/diplomas.yml; rank orders them, highest last."""
    entries = _table()["diplomas"]
    return tuple(
        Diploma(item["id"], item["label"], int(item["level"]), rank=int(item["level"]) * 100 + len(entries) - i,
                named=bool(item.get("named")), job=bool(item.get("job")),
                forms=tuple(str(f) for f in item.get("forms") or ()),
                cased_forms=tuple(str(f) for f in item.get("cased_forms") or ()))
        for i, item in enumerate(entries)
    )


@lru_cache(maxsize=1)
def partial_courses() -> tuple[PartialCourse, ...]:
    """The course years of knowledge/diplomas.yml that are not diplomas."""
    return tuple(PartialCourse(tuple(str(f) for f in item["forms"]), item["partial_of"])
                 for item in _table()["partial"])


def job_words() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Job names that are not diplomas: (any field, the programme's fields)."""
    table = _table()
    return tuple(table["jobs"]), tuple(table["jobs_in_fields"])


def diploma_by_id(diploma_id: str) -> Optional[Diploma]:
    """A diploma of the table, or None."""
    return next((d for d in diplomas() if d.id == diploma_id), None)


@dataclass(frozen=True)
class EligibilityRules:
    """Current thresholds, read from the knowledge base."""

    min_years: int
    derogation_years: int

    @classmethod
    def from_facts(cls, facts: Iterable[FactView]) -> "EligibilityRules":
        """Thresholds from facts prerequisites.diploma and derogation.rule."""
        by_key = {fact.key: fact for fact in facts}
        return cls(
            min_years=int(by_key["prerequisites.diploma"].values["min_years"]),
            derogation_years=int(by_key["derogation.rule"].values["min_years"]),
        )


@dataclass(frozen=True)
class Situation:
    """What the candidate said: the highest diploma obtained, years in all and professional,
    the kind and field of the experience; None where unknown."""

    diploma: Optional[Diploma]
    years: Optional[float]
    kind: Optional[str] = None
    field: Optional[str] = None
    professional_years: Optional[float] = None

    def professional(self) -> Optional[float]:
        """Years of professional experience, from the periods or from the kind."""
        if self.professional_years is not None:
            return self.professional_years
        if self.kind == PROFESSIONAL:
            return self.years
        if self.kind in KINDS and self.kind != "mixte":
            return 0.0
        return None


@dataclass(frozen=True)
class Assessment:
    """The outcome, each criterion's state, and the years required and missing."""

    outcome: str
    diploma: str = TO_CHECK
    years: str = TO_CHECK
    kind: str = TO_CHECK
    field: str = TO_CHECK
    required_years: int = 0
    missing_years: float = 0.0


def outside_whatever_the_diploma(situation: Situation, rules: EligibilityRules) -> bool:
    """Enough years for either path, but outside the programme's fields: no diploma can change
    the outcome."""
    return (situation.field == OUTSIDE and situation.years is not None
            and situation.years >= max(rules.min_years, rules.derogation_years))


def needs_diploma(situation: Situation, rules: EligibilityRules) -> bool:
    """The diploma is asked unless the outcome cannot depend on it."""
    return situation.diploma is None and not outside_whatever_the_diploma(situation, rules)


def needs_kind(situation: Situation, rules: EligibilityRules) -> bool:
    """The kind of experience can change the outcome only on the dérogation's path."""
    return (situation.diploma is not None and not situation.diploma.qualifies
            and situation.years is not None and situation.years >= rules.derogation_years
            and situation.field != OUTSIDE and situation.professional() is None)


def assess(situation: Situation, rules: EligibilityRules) -> Assessment:
    """Decide, criterion by criterion, following the current prerequisites and dérogation."""
    if situation.diploma is None and outside_whatever_the_diploma(situation, rules):
        return Assessment(OUTSIDE_FIELD, diploma=TO_CHECK, years=MET, field=NOT_MET,
                          required_years=max(rules.min_years, rules.derogation_years))
    if situation.diploma is None or situation.years is None:
        return Assessment(UNCLEAR)
    qualifies = situation.diploma.qualifies
    required = rules.min_years if qualifies else rules.derogation_years
    years_met = situation.years >= required
    field = {INSIDE: MET, OUTSIDE: NOT_MET}.get(situation.field or "", TO_CHECK)
    professional = situation.professional()
    if qualifies:
        # "une expérience sociale (associative ou syndicale) ou professionnelle": any kind.
        kind = MET if situation.kind else TO_CHECK
    else:
        # The dérogation asks for professional experience (seed 002).
        kind = TO_CHECK if professional is None else MET if professional >= required else NOT_MET
    states = dict(diploma=MET if qualifies else NOT_MET, years=MET if years_met else NOT_MET, kind=kind,
                  field=field, required_years=required,
                  missing_years=0.0 if years_met else round(required - situation.years, 1))
    if not years_met:
        return Assessment(MISSING_EXPERIENCE if qualifies else MISSING_DIPLOMA, **states)
    if field == NOT_MET:
        return Assessment(OUTSIDE_FIELD, **states)
    if qualifies:
        return Assessment(LIKELY_ELIGIBLE, **states)
    return Assessment(DEROGATION_POSSIBLE if kind == MET else DEROGATION_TO_DISCUSS, **states)
