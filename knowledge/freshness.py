"""How old the facts are, against a given day (plain functions; the caller passes today).

A fact is *to re-check* after its `review_by` date (prices of one promotion, CPF eligibility,
the announced promotion...). A document is *expired* after its `valid_until` (an RNCP
registration that ended, a past edition). Answers say so (actions/freshness.py).
"""
from __future__ import annotations

from datetime import date
from typing import Iterable, List, Optional

from knowledge.queries import FactView

_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre")


def month_year(day: date) -> str:
    """"novembre 2025"."""
    return f"{_MONTHS[day.month - 1]} {day.year}"


def to_recheck(fact: FactView, today: date) -> bool:
    """True when the fact's review_by date has passed."""
    return fact.review_by is not None and today > fact.review_by


def source_expired(fact: FactView, today: date) -> bool:
    """True when the document behind the fact no longer describes the programme."""
    return fact.source_valid_until is not None and today > fact.source_valid_until


def facts_to_recheck(facts: Iterable[FactView], today: date) -> List[FactView]:
    """The current facts past their review_by date, each once, in order."""
    seen, out = set(), []
    for fact in facts:
        if fact.status == "current" and to_recheck(fact, today) and fact.key not in seen:
            seen.add(fact.key)
            out.append(fact)
    return out


def only_expired(facts: Iterable[FactView], today: date) -> Optional[FactView]:
    """When every current fact given comes from an expired document: one of them (to name the
    document), else None."""
    current = [fact for fact in facts if fact.status == "current"]
    if current and all(source_expired(fact, today) for fact in current):
        return current[0]
    return None
