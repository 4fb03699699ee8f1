"""Clauses and durations of a candidate's message (for bot/nlu/profile_reader.py).

A duration is a number (digits, or French words read by text2num) and a unit, or "depuis"
and a year; "presque 3 ans" is below 3, "plus de 3 ans" at least 3, "une dizaine d'années" 10.
It is experience when the nearest context word in its clause says work or engagement.
"""
from __future__ import annotations

import datetime
import re
import unicodedata
from typing import Iterable, Optional

from spacy.tokens import Doc, Span, Token
from text_to_num import text2num

from bot.nlu import profile_words as words


def plain(text: str) -> str:
    """Lower case without accents: how forms and words are compared."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def clauses(doc: Doc) -> list[Span]:
    """The message cut at punctuation and at "et", "mais", "puis" (not "et demi", "vingt et un")."""
    cuts, start = [], 0
    for token in doc:
        plus = token.text == "+" and token.i > 0 and token.nbor(-1)._.plain != "bac"
        if (token.is_punct and token.text not in ("+", "-", "'", "(", ")")) or plus or (
                token._.plain in words.CLAUSE_WORDS and not _joins_a_number(token)):
            if token.i > start:
                cuts.append(doc[start:token.i])
            start = token.i + 1
    if start < len(doc):
        cuts.append(doc[start:])
    return cuts


def _joins_a_number(token: Token) -> bool:
    following = token.nbor(1) if token.i + 1 < len(token.doc) else None
    if following is None:
        return False
    return following._.plain in ("demi", "demie") or (
        _number_word(following) and token.i > 0 and _number_word(token.nbor(-1)))


def _number_word(token: Token) -> bool:
    """A number written in letters ("vingt" in "vingt et un"), not in digits."""
    return _numeric(token) and not any(c.isdigit() for c in token.text)


def _numeric(token: Token) -> bool:
    return token.like_num or token.pos_ == "NUM" or number([token]) is not None


def number(tokens: Iterable[Token]) -> Optional[float]:
    """The number some tokens write: digits ("2,5") or French words ("dix-sept", "vingt et un")."""
    text = " ".join(t.text for t in tokens).strip()
    if not text:
        return None
    if re.fullmatch(r"\d{1,6}([.,]\d{1,3})?", text):
        return float(text.replace(",", "."))  # digits only: float() would also read "nan", "1e9"
    try:
        return float(text2num(plain(text), "fr"))
    except ValueError:
        return None


def durations(clause: Span, today: datetime.date, beside_diploma: bool, job: bool = False,
              previous_about_work: bool = False) -> Iterable[tuple[float, int, int]]:
    """The periods of experience of a clause: (years, start, end). A duration counts when the
    nearest context word says work or engagement, never beside a diploma without one; a
    duration with no context at all ("…, ça fait 6 ans") belongs to the clause before."""
    tokens = list(clause)
    for index, token in enumerate(tokens):
        found = _duration_at(tokens, index, today)
        if found is None:
            continue
        years, first, last = found
        decided = True if job and not beside_diploma else _is_experience(tokens, first, last, beside_diploma)
        if decided or decided is None and previous_about_work and not beside_diploma:
            yield years, tokens[first].idx, tokens[last].idx + len(tokens[last])


def _duration_at(tokens: list[Token], index: int, today: datetime.date) -> Optional[tuple[float, int, int]]:
    """A duration whose unit (or year after "depuis") is tokens[index]: (years, first, last)."""
    token = tokens[index]
    if token._.plain == "depuis" and index + 1 < len(tokens):
        year = number([tokens[index + 1]])
        if year is not None and 1950 <= year <= today.year and tokens[index + 1].text.isdigit():
            return float(today.year - year), index, index + 1
        return None
    unit = words.UNITS.get(token._.plain)
    if unit is None or index == 0:
        return None
    if tokens[index - 1]._.plain in ("d'", "de") and index >= 2 and tokens[index - 2]._.plain in words.ABOUT:
        return float(words.ABOUT[tokens[index - 2]._.plain]), index - 2, index  # "une dizaine d'années"
    first = index
    while first > 0 and (_numeric(tokens[first - 1]) and (first == index or not tokens[first - 1].text.isdigit())
                         or tokens[first - 1]._.plain == "et" and first > 1 and _number_word(tokens[first - 2])
                         and _number_word(tokens[first])):
        first -= 1
    value = number(tokens[first:index])
    if value is None or first == index:
        return None
    last = index
    if index + 2 < len(tokens) and tokens[index + 1]._.plain == "et" and tokens[index + 2]._.plain in ("demi", "demie"):
        value, last = value + 0.5, index + 2
    years = value * unit
    before = {t._.plain for t in tokens[max(0, first - 4):first]}
    if before & words.BELOW and not before & words.AT_LEAST:
        years -= 0.5 if unit == 1.0 else unit
    return round(max(years, 0.0), 2), first, last


_EXPERIENCE = {plain(w) for w in words.EXPERIENCE} | words.FIELDS_INSIDE | words.FIELDS_OUTSIDE
_NOT_EXPERIENCE = {plain(w) for w in words.NOT_EXPERIENCE}


def _is_experience(tokens: list[Token], first: int, last: int, beside_diploma: bool) -> Optional[bool]:
    """The nearest context word decides: work or engagement, or what is not experience (None:
    no context word at all). Right after the duration, "en", "dans", "comme", "chez", "de" say
    where or on what it was spent ("5 ans en foyer"), unless what follows is not experience
    ("5 ans d'études")."""
    best: Optional[tuple[int, bool]] = None
    if last + 1 < len(tokens) and tokens[last + 1]._.plain in words.AFTER_DURATION:
        following = tokens[last + 2] if last + 2 < len(tokens) else None
        best = (1, following is None or not {plain(following.lemma_), following._.plain} & _NOT_EXPERIENCE)
    for position, token in enumerate(tokens):
        if first <= position <= last:
            continue
        names = {plain(token.lemma_), token._.plain}
        experience = bool(names & _EXPERIENCE)
        excluded = bool(names & _NOT_EXPERIENCE)
        if experience or excluded:
            distance = first - position if position < first else position - last
            if best is None or distance < best[0] or distance == best[0] and excluded:
                best = (distance, experience and not excluded)
    if best is None:
        return None
    return best[1] and not (beside_diploma and tokens[first]._.plain == "depuis")


def bare_duration(clause: Span, today: datetime.date) -> Optional[float]:
    """A short answer that is only a duration or a number ("5", "deux ans et demi"), in a clause
    that says nothing of what is not experience (a diploma's date, unemployment, residence)."""
    tokens = [t for t in clause if not t.is_punct]
    if any({plain(t.lemma_), t._.plain} & _NOT_EXPERIENCE for t in tokens):
        return None
    if any(t._.plain == "ai" and t.i > 0 and t.nbor(-1)._.plain == "j'" for t in tokens):
        return None  # "j'ai 30 ans": an age ("j'en ai 5" is an answer)
    for index in range(len(tokens)):
        found = _duration_at(tokens, index, today)
        if found is not None:
            return found[0]
    # A number alone ("5", "dix"): the whole answer, at most one word besides ("environ 5").
    numbers = [t for t in tokens if _numeric(t)]
    if len(numbers) == 1 and len(tokens) <= 2:
        return number(numbers)
    return None
