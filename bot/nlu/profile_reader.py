"""Read a candidate's French self-description: diplomas obtained or not, periods of experience,
their kind and field.

Plain functions over the spaCy parse the pipeline already made (fr_core_news_md: lemmas, parts
of speech, tense): the message is cut into clauses (at punctuation and "et", "mais", "puis"),
spaCy's Matcher finds diploma forms (knowledge/diplomas.yml) and the words that say a diploma
is in progress, failed, abandoned or negated, and durations are read with text2num. A
duration counts as experience only in a clause about work or engagement, never beside a
diploma ("ma licence depuis 2015"), unemployment, residence, studies or an age.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Optional

import spacy
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span, Token
from spacy.vocab import Vocab

from bot.nlu import profile_words as words
from bot.nlu.profile_durations import bare_duration, clauses, durations, plain
from knowledge import eligibility

OBTAINED, IN_PROGRESS, FAILED, ABANDONED, PARTIAL = "obtained", "in_progress", "failed", "abandoned", "partial"


@dataclass(frozen=True)
class DiplomaMention:
    """A diploma named in the message, what became of it, and where."""

    diploma: eligibility.Diploma
    status: str
    start: int
    end: int
    job_only: bool = False  # a job title ("je suis assistante sociale"), not proof of a diploma
    token_start: int = 0
    token_end: int = 0


@dataclass(frozen=True)
class Period:
    """A period of experience: years, kind and field when the clause says them."""

    years: float
    kind: Optional[str]
    field: Optional[str]
    start: int
    end: int


@dataclass
class Profile:
    """Everything a message says about the candidate."""

    diplomas: list[DiplomaMention] = field(default_factory=list)
    periods: list[Period] = field(default_factory=list)
    no_experience: bool = False
    kind: Optional[str] = None
    field: Optional[str] = None
    bare_years: Optional[float] = None  # "5", "deux ans": an answer only when the years were asked
    bare_none: bool = False  # "aucun", "rien": an answer only to the question just asked
    correction: bool = False

    def obtained(self) -> Optional[DiplomaMention]:
        """The highest diploma obtained (a job title does not count)."""
        held = [m for m in self.diplomas if m.status == OBTAINED and not m.job_only]
        return max(held, key=lambda m: m.diploma.rank, default=None)

    def unfinished(self) -> Optional[DiplomaMention]:
        """The highest diploma named but not obtained (in progress, failed, abandoned, partial)."""
        named = [m for m in self.diplomas if m.status != OBTAINED]
        return max(named, key=lambda m: m.diploma.rank, default=None)

    def job(self) -> Optional[DiplomaMention]:
        """A job title that is also the name of a diploma ("je suis éducatrice spécialisée")."""
        return next((m for m in self.diplomas if m.job_only), None)

    def years(self) -> Optional[float]:
        """Years of experience in all: the periods added, or 0 for "aucune expérience"."""
        if self.periods:
            return round(sum(p.years for p in self.periods), 2)
        return 0.0 if self.no_experience else None

    def professional_years(self) -> Optional[float]:
        """Years of professional experience, when every period's kind is known."""
        kinds = [p.kind or self.kind for p in self.periods]
        if not self.periods or None in kinds or words.MIXED in kinds:
            return None
        return round(sum(p.years for p, kind in zip(self.periods, kinds) if kind == words.PROFESSIONAL), 2)

    def experience_kind(self) -> Optional[str]:
        """One kind for the whole experience: the periods' own, or "mixte" when they differ."""
        kinds = {p.kind for p in self.periods if p.kind} | ({self.kind} if self.kind else set())
        if not kinds:
            return None
        return kinds.pop() if len(kinds) == 1 else words.MIXED

    def experience_field(self) -> Optional[str]:
        """"inside" or "outside" the programme's fields, when the message says which."""
        fields = {p.field for p in self.periods if p.field} | ({self.field} if self.field else set())
        return fields.pop() if len(fields) == 1 else None


class Reader:
    """The matchers, built once per spaCy pipeline (its vocabulary), for every message."""

    def __init__(self, vocab: Vocab) -> None:
        # The forms are cut into tokens as messages are: French tokenizer rules, same vocabulary.
        nlp = spacy.blank("fr", vocab=vocab)
        if not Token.has_extension("plain"):
            Token.set_extension("plain", getter=lambda token: plain(token.text))
        self.by_id = {d.id: d for d in eligibility.diplomas()}
        self.forms = Matcher(nlp.vocab)
        for diploma in eligibility.diplomas():
            patterns = [self._pattern(nlp, f) for f in diploma.forms]
            patterns += [[{"ORTH": token.text} for token in nlp.make_doc(f)] for f in diploma.cased_forms]
            self.forms.add(diploma.id, patterns)
        for index, course in enumerate(eligibility.partial_courses()):
            self.forms.add(f"partial:{index}:{course.of}", [self._pattern(nlp, f) for f in course.forms])
        self.status = Matcher(nlp.vocab)
        for status, patterns in words.STATUS_PATTERNS.items():
            self.status.add(status, patterns)
        self.jobs = Matcher(nlp.vocab)
        any_field, in_fields = eligibility.job_words()
        self.jobs.add("job", [self._pattern(nlp, f) for f in any_field])
        self.jobs.add(words.INSIDE, [self._pattern(nlp, f) for f in in_fields])
        self.no_experience = Matcher(nlp.vocab)
        self.no_experience.add("none", words.NO_EXPERIENCE)
        self.correction = Matcher(nlp.vocab)
        self.correction.add("correction", words.CORRECTION)

    @staticmethod
    def _pattern(nlp: Language, form: str) -> list[dict]:
        return [{"_": {"plain": plain(token.text)}} for token in nlp.make_doc(form)]

    def read(self, doc: Doc, today: Optional[datetime.date] = None) -> Profile:
        """Everything the message says about the candidate."""
        today = today or datetime.date.today()
        profile = Profile(correction=bool(self.correction(doc)), no_experience=bool(self.no_experience(doc)))
        kinds, fields, negated, about_work = [], [], False, False
        without_diploma = []  # clauses naming no diploma: where a bare answer may stand
        for clause in clauses(doc):
            mentions, denied = self.diplomas(clause)
            if not mentions:
                without_diploma.append(clause)
            negated = negated or denied
            profile.diplomas += mentions
            taken = {i for m in mentions for i in range(m.token_start, m.token_end)}
            jobs = {clause.doc.vocab.strings[m] for m, start, end in self.jobs(clause)
                    if not taken & set(range(clause.start + start, clause.start + end))}
            job = bool(jobs) or any(m.job_only for m in mentions)
            kind = clause_kind(clause, taken, job)
            place = clause_field(clause, taken) or (words.INSIDE if words.INSIDE in jobs or any(
                m.job_only and m.diploma.job for m in mentions) else None)
            periods = list(durations(clause, today, bool(mentions) and not job, job, about_work))
            if periods and not (kind or place) and profile.periods == [] and kinds:
                kind, place = kinds[-1], fields[-1]  # "bénévole en asso, ça fait 6 ans"
            profile.periods += [Period(years, kind, place, start, end) for years, start, end in periods]
            if not periods:
                kinds.append(kind)
                fields.append(place)
            about_work = bool(kind or place or job) and not mentions
        # A correction inside the answer ("bénévole… enfin non, salariée"): the last one said.
        said = [k for k in kinds if k]
        profile.kind = said[-1] if said and profile.correction else _one(said)
        # Where the periods were spent, if they say; the other clauses only otherwise.
        profile.field = None if any(p.field for p in profile.periods) else _one(f for f in fields if f)
        if profile.no_experience and not profile.periods:
            profile.kind = None  # "jamais travaillé" says no kind of work
        if negated and not any(m.status == OBTAINED and not m.job_only for m in profile.diplomas):
            # "pas de bac+3": no level-6 diploma, whatever the level below.
            profile.diplomas.append(DiplomaMention(self.by_id["below_level6"], OBTAINED, 0, 0))
        if both_kinds(doc):
            profile.kind = words.MIXED
        if dont_know(doc):
            return profile  # "je ne sais pas": no answer
        if not profile.periods and profile.kind != words.MIXED:
            short = [c for c in without_diploma if len(c) <= 5]
            said_years = [y for y in (bare_duration(c, today) for c in short) if y is not None]
            # "6 ans, non pardon, 4 ans": the last one said.
            profile.bare_years = (said_years[-1] if profile.correction else said_years[0]) if said_years else None
        if len(doc) <= 4:
            profile.bare_none = not profile.diplomas and any(t._.plain in words.BARE_NONE for t in doc)
        return profile

    def diplomas(self, clause: Span) -> tuple[list[DiplomaMention], bool]:
        """Diplomas a clause names, the longest form winning where two overlap; and whether it
        says the candidate does not have a qualifying one ("pas de licence")."""
        found = [(clause.doc.vocab.strings[m], clause[s:e]) for m, s, e in self.forms(clause)]
        kept = [(name, span) for name, span in found
                if not any(o is not span and o.start <= span.start and span.end <= o.end and len(o) > len(span)
                           for _, o in found)]
        statuses = {clause.doc.vocab.strings[m] for m, _, _ in self.status(clause)}
        plains = {t._.plain for t in clause}
        question = clause.end < len(clause.doc) and clause.doc[clause.end].text == "?"
        if (question or plains & words.ASKING) and not plains & words.FIRST_PERSON and len(clause.doc) > 4:
            return [], False  # a question about a diploma, not about the candidate's
        mentions, denied = [], False
        for name, span in kept:
            if name.startswith("partial:"):
                diploma, status = self.by_id[name.rsplit(":", 1)[1]], PARTIAL
            elif name == "none":
                diploma, status = self.by_id[name], OBTAINED  # "pas de diplôme" holds its negation
            else:
                diploma, status = self.by_id[name], clause_status(statuses)
            own = span.start > 0 and clause.doc[span.start - 1]._.plain in ("mon", "ma", "mes")
            if words.WANTED in statuses and not own:
                continue  # "je cherche un master": wanted, not held
            if status is None:
                denied = True  # negated: "pas de licence", "sans bac+3", "j'ai pas le bac"
                continue
            # "DEME", "DEASS": an acronym names the diploma, unless the job is meant ("je
            # travaille comme EJE"); "assistante sociale" alone may be the job.
            as_job = span.start > 0 and clause.doc[span.start - 1]._.plain in words.AS_JOB
            job_only = (diploma.job and status == OBTAINED and words.DIPLOMA_CUE not in statuses
                        and (as_job or not span.text.isupper()))
            mentions.append(DiplomaMention(diploma, status, span.start_char, span.end_char, job_only,
                                           span.start, span.end))
        return mentions, denied


def dont_know(doc: Doc) -> bool:
    """ "je ne sais pas", "jsp", "aucune idée", "je sais plus": no answer ("je voudrais savoir" is not)."""
    plains = [t._.plain for t in doc]
    for i, word in enumerate(plains):
        if word in ("jsp", "jsais", "chais") or word == "idee" and i and plains[i - 1] in ("aucune", "pas"):
            return True
        if word in ("sais", "sait") and (i + 1 < len(plains) and plains[i + 1] in ("pas", "plus", "rien")
                                         or i and plains[i - 1] in ("ne", "n'")):
            return True
    return False


def _one(values: Iterable[str]) -> Optional[str]:
    found = set(values)
    return found.pop() if len(found) == 1 else None


def clause_status(statuses: set[str]) -> Optional[str]:
    """What a clause says of its diploma; None when it says the candidate does not have it."""
    for status in (ABANDONED, FAILED, IN_PROGRESS):
        if status in statuses:
            return status
    return None if words.NEGATED in statuses else OBTAINED


def clause_kind(clause: Span, taken: set[int], job: bool) -> Optional[str]:
    """The kind of experience a clause states: status words, then kinds of engagement, then
    work itself; a place ("en association") only in a short answer."""
    plains = {t._.plain for t in clause if t.i not in taken}
    places = {**words.KIND_PLACE}
    if len(clause.doc) <= 4:
        places = {kind: markers | words.KIND_PLACE_ANSWER[kind] for kind, markers in places.items()}
    # "pas payé", "jamais salariée": a status denied is not that status.
    denied = {t._.plain for t in clause if t.i > clause.start and t.nbor(-1)._.plain in words.DENY}
    # "expérience associative" is a kind; "le milieu associatif" is a place.
    engaged = {t._.plain for t in clause if t.i > clause.start and t.nbor(-1)._.plain in words.ENGAGEMENT}
    for kind, markers in words.KIND_STATUS.items():
        if (plains - denied) & markers:
            return kind
    for kind, markers in places.items():
        if (engaged if len(clause.doc) > 4 else plains) & markers:
            return kind
    lemmas = {t.lemma_.lower() for t in clause if t.i not in taken} | plains
    return words.PROFESSIONAL if job or lemmas & words.KIND_IMPLIED else None


def clause_field(clause: Span, taken: set[int]) -> Optional[str]:
    """Inside or outside the programme's fields, when the clause says one and not the other."""
    plains = {t._.plain for t in clause if t.i not in taken}
    inside, outside = bool(plains & words.FIELDS_INSIDE), bool(plains & words.FIELDS_OUTSIDE)
    return words.INSIDE if inside and not outside else words.OUTSIDE if outside and not inside else None


def both_kinds(doc: Doc) -> bool:
    """ "les deux", "un peu des deux": an answer naming both kinds."""
    plains = [t._.plain for t in doc]
    return len(doc) <= 6 and any(p in words.BOTH_KINDS for p in plains) and not any(
        p in words.UNITS for p in plains)


@lru_cache(maxsize=4)
def reader(vocab: Vocab) -> Reader:
    """The reader for a spaCy vocabulary (the pipeline's), built once."""
    return Reader(vocab)
