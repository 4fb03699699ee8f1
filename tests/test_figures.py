"""A figure quoted by a visitor is matched against earlier editions and the other programme."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from knowledge import queries
from knowledge.db import make_engine
from knowledge.figures import numbers_in, quoted_superseded_figures


@pytest.mark.parametrize(
    "text, numbers",
    [
        ("10 005 €", {Decimal("10005")}),
        ("5 000,50 €", {Decimal("5000.50")}),
        ("j'ai lu 500€ et 1.500 euros", {Decimal("500"), Decimal("1500")}),
        ("490h sur 2 ans", {Decimal("490"), Decimal("2")}),
        ("", set()),
        ("aucun chiffre", set()),
    ],
)
def test_numbers_in(text, numbers):
    assert numbers_in(text) == numbers


@pytest.fixture(scope="module")
def facts(kb_url):
    with Session(make_engine(kb_url), future=True) as session:
        current = queries.facts(session)
        superseded = queries.facts(session, statuses=queries.SUPERSEDED,
                                   topics=["cost", "duration", "certification"])
    return current, superseded


@pytest.mark.parametrize(
    "text, expected",
    [
        ("j'ai lu que ça coûtait 500 €", [("history.cost_individual", "500 euros")]),
        ("on m'a dit 3000 €", [("other.cost_employer", "3 000€")]),
        ("c'est 455 heures ?", [("history.hours", "455 heures")]),
        ("le code RNCP c'est 35080 ?", [("history.rncp_code_2020", "35080")]),
        ("ça coûte 10 005 € ?", []),
        ("490 heures ?", []),
        ("combien pour 2 ans", []),
    ],
)
def test_quoted_superseded_figures(facts, text, expected):
    current, superseded = facts
    found = quoted_superseded_figures(text, current, superseded)
    assert [(q.fact.key, q.figure) for q in found] == expected
