"""Every value of the knowledge base is stated in the seed document it cites."""
from __future__ import annotations

import pytest

from knowledge.loader import document_path, read_dataset
from knowledge.provenance import normalise, provenance_problems, value_in_text
from tests.conftest import SEEDS

FACTS = read_dataset().facts
SOURCES = {source.file: source for source in read_dataset().sources}


@pytest.mark.parametrize("fact", FACTS, ids=[f.key for f in FACTS])
def test_fact_is_in_its_seed(fact):
    seed = document_path(SOURCES[fact.source], SEEDS)
    assert seed.is_file(), f"{fact.key} cites {fact.source}, which is not in {SEEDS}"
    assert provenance_problems(fact.quote, fact.values, seed.read_text("utf-8")) == []


@pytest.mark.parametrize(
    "quote, values, expected",
    [
        ("10 005 € ... (pour les deux années)", {"amount": "10 006 €"},
         ["value amount='10 006 €' not found in the quote"]),
        ("3 ans minimum", {"years": 4}, ["value years=4 not found in the quote"]),
        ("3 ans minimum", {"years": 3}, []),
        ("six ans d'expérience", {"years": 6}, []),
        ("13 semaines", {"weeks": 3}, ["value weeks=3 not found in the quote"]),
    ],
)
def test_values_must_be_in_the_quote(quote, values, expected):
    assert provenance_problems(quote, values, quote) == expected


def test_a_quote_missing_from_its_seed_is_reported():
    problems = provenance_problems("coût : 9 999 €", {"amount": "9 999 €"}, "coût : 10 005 €")
    assert problems == ["quote not found in the seed: 'coût : 9 999 €'"]


@pytest.mark.parametrize(
    "raw, normalised",
    [
        ("l’expérience", "l'experience"),
        ("Il ouvre sa 33ème promotion en **novembre 2024**.", "il ouvre sa 33eme promotion en novembre 2024."),
        ("10\u00a0005 €", "10 005 €"),
        ("[éligible au CPF](#)", "eligible au cpf"),
        ("(ESS\\)", "(ess)"),
        ("OPCO…", "opco..."),
    ],
)
def test_normalisation(raw, normalised):
    assert normalise(raw) == normalised


def test_integer_needs_a_whole_number():
    assert value_in_text(5, "5 000,50 €") is True
    assert value_in_text(500, "5 000,50 €") is False
    assert value_in_text(50, "5 000,50 €") is False
