"""Eligibility pre-check: read a candidate's profile from French text, and decide.

The thresholds come from the knowledge base (facts prerequisites.diploma and
derogation.rule); which diplomas qualify comes from knowledge/diplomas.yml. The outcome is
always "likely": the CESTES decides.
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

import yaml

from knowledge.provenance import normalise
from knowledge.queries import FactView

DIPLOMAS_FILE = Path(__file__).resolve().parent / "diplomas.yml"

# Outcomes; each has a response utter_eligibility_<outcome> in the domain.
LIKELY_ELIGIBLE = "likely"
DEROGATION_POSSIBLE = "derogation_possible"
DEROGATION_TO_DISCUSS = "derogation_to_discuss"
MISSING_EXPERIENCE = "missing_experience"
MISSING_DIPLOMA = "missing_diploma"

# Kinds of experience named by the prerequisites ("expérience sociale (associative ou
# syndicale) ou professionnelle"), plus volunteering, which candidates often mention.
KINDS = {
    "professionnelle": ("salarie", "salariee", "professionnel", "professionnelle", "pro", "travaille",
                        "travail", "emploi", "poste", "metier", "job", "boulot", "cdi", "cdd",
                        "directeur", "directrice", "chef de service", "coordinateur", "coordinatrice",
                        "educateur", "educatrice", "animateur", "animatrice", "responsable"),
    "associative": ("association", "associatif", "associative", "asso", "associations"),
    "syndicale": ("syndicat", "syndical", "syndicale", "syndicaliste"),
    "bénévole": ("benevole", "benevolat", "volontaire", "militant", "militante"),
    "sociale": ("social", "sociale", "sociales", "sociaux", "medico-social"),
}

_DIPLOMA_PRO = re.compile(r"\b(licence|bac|master|lp|bts|dut)\s+pro\b")

_NUMBER_WORDS = {
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
    "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14,
    "quinze": 15, "seize": 16, "vingt": 20, "trente": 30,
}
_ABOUT = {"dizaine": 10, "douzaine": 12, "quinzaine": 15, "vingtaine": 20, "trentaine": 30}
_NUMBER = r"(\d+(?:[.,]\d+)?|" + "|".join(_NUMBER_WORDS) + r")"
_YEARS = re.compile(r"(?<![\w,.])" + _NUMBER + r"\s*(ans?|annees?|mois)\b( et demie?)?")
_ABOUT_YEARS = re.compile(r"\b(?:une )?(" + "|".join(_ABOUT) + r") d'annees\b")
_SINCE = re.compile(r"\bdepuis (?:l'annee |l'an )?((?:19|20)\d\d)\b")
_BARE_NUMBER = re.compile(r"^\W*" + _NUMBER + r"\W*$")
# Words after a duration that make it a duration of experience, not an age.
_EXPERIENCE_CONTEXT = re.compile(
    r"^\s*(d'experience|d'exp|d'xp|de pratique|de metier|en |dans |comme |au sein|a la |au |chez |de benevolat|"
    r"de travail|d'anciennete|de direction|d'encadrement|de militantisme)"
)
_NEGATION = re.compile(r"(pas (de |d'|le |la |l'|un |une )|sans |ni |aucun |aucune |plus de |non )$")


@dataclass(frozen=True)
class Diploma:
    """A kind of diploma the pre-check understands."""

    id: str
    label: str
    qualifies: bool
    forms: tuple[str, ...]


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


@lru_cache(maxsize=1)
def diplomas() -> tuple[Diploma, ...]:
    """The diploma table of knowledge/diplomas.yml, highest first."""
    document = yaml.safe_load(DIPLOMAS_FILE.read_text("utf-8"))
    return tuple(
        Diploma(item["id"], item["label"], bool(item["qualifies"]), tuple(str(f) for f in item["forms"]))
        for item in document["diplomas"]
    )


def diploma_by_id(diploma_id: str) -> Optional[Diploma]:
    """A diploma of the table, or None."""
    return next((d for d in diplomas() if d.id == diploma_id), None)


@dataclass(frozen=True)
class Mention:
    """A value read in a message, and where (offsets in the accent-free lower-case text)."""

    value: object
    start: int
    end: int


@lru_cache(maxsize=1)
def _diploma_patterns() -> tuple[re.Pattern[str], tuple[tuple[int, Diploma, re.Pattern[str]], ...]]:
    """Each form of the table as a whole-word pattern, and all of them in one (a message naming
    no diploma, most of them, is answered by one search)."""
    forms = [(rank, diploma, rf"(?<![\w+]){re.escape(normalise(form))}(?![\w+])")
             for rank, diploma in enumerate(diplomas()) for form in diploma.forms]
    return (re.compile("|".join(pattern for _, _, pattern in forms)),
            tuple((rank, diploma, re.compile(pattern)) for rank, diploma, pattern in forms))


def find_diploma(text: str) -> Optional[Mention]:
    """The highest diploma a message names (ignoring "pas de licence"), with its span."""
    clean = normalise(text or "")
    any_form, forms = _diploma_patterns()
    if not any_form.search(clean):
        return None
    found = []
    for rank, diploma, pattern in forms:
        for match in pattern.finditer(clean):
            if not _NEGATION.search(clean[: match.start()]):
                found.append((match.start(), match.end(), rank, diploma))
    # Overlapping forms ("licence" in "licence 2"): the longest one is what was meant.
    kept = [f for f in found
            if not any(o is not f and o[0] <= f[0] and f[1] <= o[1] and (o[1] - o[0]) > (f[1] - f[0])
                       for o in found)]
    if not kept:
        return None
    start, end, _, diploma = min(kept, key=lambda f: f[2])
    return Mention(diploma, start, end)


def parse_diploma(text: str) -> Optional[Diploma]:
    """The highest diploma a message names (ignoring "pas de licence"), or None."""
    mention = find_diploma(text)
    return mention.value if mention else None  # type: ignore[return-value]


def _number(token: str) -> float:
    return float(_NUMBER_WORDS.get(token, token.replace(",", ".") if token[0].isdigit() else 0))


def find_years(text: str, requested: bool = False, today: Optional[datetime.date] = None) -> Optional[Mention]:
    """Years of experience in a message ("5 ans en association", "18 mois", "une dizaine
    d'années", "depuis 2015"), with the span they were read from. When the question was just
    asked, a bare number or duration counts; otherwise a duration needs an experience context,
    so that an age does not."""
    clean = normalise(text or "")
    in_context: list[Mention] = []
    durations: list[Mention] = []
    for match in _YEARS.finditer(clean):
        value = _number(match.group(1)) + (0.5 if match.group(3) else 0)
        if match.group(2) == "mois":
            value = round(value / 12, 2)
        found = Mention(value, match.start(), match.end())
        (in_context if _EXPERIENCE_CONTEXT.match(clean[match.end():]) else durations).append(found)
    for match in _ABOUT_YEARS.finditer(clean):
        in_context.append(Mention(float(_ABOUT[match.group(1)]), match.start(), match.end()))
    year = (today or datetime.date.today()).year
    for match in _SINCE.finditer(clean):
        if int(match.group(1)) <= year:
            in_context.append(Mention(float(year - int(match.group(1))), match.start(), match.end()))
    if in_context:
        return max(in_context, key=lambda m: m.value)  # type: ignore[arg-type, return-value]
    if requested:
        if durations:
            return max(durations, key=lambda m: m.value)  # type: ignore[arg-type, return-value]
        bare = _BARE_NUMBER.match(clean)
        if bare:
            return Mention(_number(bare.group(1)), bare.start(1), bare.end(1))
    return None


def parse_years(text: str, requested: bool = False, today: Optional[datetime.date] = None) -> Optional[float]:
    """Years of experience in a message (see find_years), or None."""
    mention = find_years(text, requested, today)
    return float(mention.value) if mention else None  # type: ignore[arg-type]


def find_kind(text: str) -> Optional[Mention]:
    """The kind of experience a message names, with the span of the word that names it."""
    # "licence pro", "bac pro" name a diploma, not professional experience (same length kept).
    clean = _DIPLOMA_PRO.sub(lambda m: m.group(1) + " " * (len(m.group(0)) - len(m.group(1))),
                             normalise(text or ""))
    for kind, markers in KINDS.items():
        for marker in markers:
            match = re.search(rf"(?<![\w-]){re.escape(marker)}(?![\w-])", clean)
            if match:
                return Mention(kind, match.start(), match.end())
    return None


def parse_kind(text: str) -> Optional[str]:
    """The kind of experience a message names, or None."""
    mention = find_kind(text)
    return str(mention.value) if mention else None


@dataclass(frozen=True)
class Assessment:
    """The outcome of the pre-check and what is missing."""

    outcome: str
    missing_years: float = 0.0


def assess(diploma: Diploma, years: float, kind: Optional[str], rules: EligibilityRules) -> Assessment:
    """Decide, following the current prerequisites and dérogation."""
    if diploma.qualifies:
        if years >= rules.min_years:
            return Assessment(LIKELY_ELIGIBLE)
        return Assessment(MISSING_EXPERIENCE, missing_years=round(rules.min_years - years, 1))
    if years >= rules.derogation_years:
        # The dérogation speaks of "expérience dans les domaines professionnels concernés".
        return Assessment(DEROGATION_POSSIBLE if kind in ("professionnelle", "sociale")
                          else DEROGATION_TO_DISCUSS)
    return Assessment(MISSING_DIPLOMA, missing_years=round(rules.derogation_years - years, 1))
