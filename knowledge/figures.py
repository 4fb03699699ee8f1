"""Numbers quoted by a visitor, matched against superseded facts ("j'ai lu 500 €")."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable

from knowledge.provenance import leaf_values
from knowledge.queries import FactView

# "10 005", "5 000,50", "1500", "490h": thousands may be split by a space or a dot.
_NUMBER = re.compile(r"(?<![\d,])(\d{1,3}(?:[ \u00a0\u202f.]\d{3})+|\d+)(?:,(\d+))?(?![\d])")
# Small numbers ("2 ans", "5 jours") are too common to point at an old edition.
MIN_FIGURE = Decimal(10)


def numbers_in(text: str) -> set[Decimal]:
    """Every number written in a text, as Decimal."""
    found = set()
    for whole, fraction in _NUMBER.findall(text or ""):
        digits = re.sub(r"[ \u00a0\u202f.]", "", whole)
        found.add(Decimal(f"{digits}.{fraction}" if fraction else digits))
    return found


def _fact_numbers(fact: FactView) -> dict[Decimal, str]:
    """Each number a fact states, with the value text that states it."""
    numbers: dict[Decimal, str] = {}
    for _path, leaf in leaf_values(fact.values):
        text = str(leaf)
        for number in numbers_in(text):
            numbers.setdefault(number, text)
    return numbers


@dataclass(frozen=True)
class QuotedFigure:
    """A figure the visitor quoted that belongs to an earlier edition or another programme."""

    figure: str
    fact: FactView


def quoted_superseded_figures(
    text: str, current: Iterable[FactView], superseded: Iterable[FactView]
) -> list[QuotedFigure]:
    """Superseded facts whose figures the visitor quoted, unless a current fact states them too."""
    quoted = {n for n in numbers_in(text) if n >= MIN_FIGURE}
    if not quoted:
        return []
    for fact in current:
        quoted -= set(_fact_numbers(fact))
    matches = []
    for fact in superseded:
        for number, value_text in _fact_numbers(fact).items():
            if number in quoted:
                matches.append(QuotedFigure(figure=value_text, fact=fact))
    return matches
