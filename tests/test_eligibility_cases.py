"""The eligibility pre-check on French self-descriptions: the reader (bot/nlu/profile_reader.py)
on each message, the form that asks what is missing (actions/eligibility_form.py), then the
outcome (actions/eligibility.py).

tests/eligibility/cases.yml is the table the reader was written against; heldout.yml was
written apart, by the rules alone, and measures phrasings nobody tuned for (docs/eligibility.md).
"""
from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml

from actions.eligibility import ActionEligibilityOutcome
from actions.eligibility_form import ValidateEligibilityForm
from bot.nlu.profile_entities import profile_entities

TABLES = Path(__file__).parent / "eligibility"
CASES = [case for name in ("cases.yml", "heldout.yml")
         for case in yaml.safe_load((TABLES / name).read_text("utf-8"))["cases"]]
TODAY = datetime.date(2026, 12, 1)
# One question asked this many times at most before the form gives up (actions/eligibility_form.py).
TURNS = 8


def converse(case: Dict[str, Any], nlp, run_action, make_tracker) -> tuple[str, List[str], Dict[str, Any]]:
    """Play a case: its first message, then its answers to each question asked; the outcome,
    the questions asked (each once, in order) and the slots."""
    slots: Dict[str, Any] = {}
    asked: List[str] = []
    message, intent = case["say"][0] if isinstance(case["say"], list) else case["say"], "check_eligibility"
    for _ in range(TURNS):
        entities = profile_entities(nlp(message), TODAY)
        _, events = run_action(ValidateEligibilityForm, make_tracker(message, intent, entities, slots,
                                                                     form="eligibility_form"))
        for event in events:
            if event.get("event") == "slot":
                slots[event["name"]] = event["value"]
        requested = next((e["value"] for e in reversed(events) if e.get("name") == "requested_slot"), None)
        slots["requested_slot"] = requested
        if requested is None:
            break
        if not asked or asked[-1] != requested:
            asked.append(requested)
        answers = case.get("answers") or {}
        if requested not in answers:
            return "", asked + ["(no answer in the case)"], slots
        message, intent = str(answers[requested]), "inform"
    _, events = run_action(ActionEligibilityOutcome, make_tracker("", "inform", [], slots))
    outcome = next((e["value"] for e in events if e.get("name") == "eligibility_outcome"), "")
    return outcome, asked, slots


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case, nlp, use_kb, run_action, make_tracker):
    outcome, asked, slots = converse(case, nlp, run_action, make_tracker)
    assert (outcome, asked) == (case["outcome"], list(case.get("asked") or [])), (case["why"], slots)


def test_the_tables_are_large_and_cover_every_outcome():
    from knowledge.eligibility import OUTCOMES

    assert len(CASES) >= 300 and len({c["id"] for c in CASES}) == len(CASES)
    assert {c["outcome"] for c in CASES} == set(OUTCOMES)
