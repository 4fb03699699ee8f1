"""Follow-up questions and the offer of a person, through the real actions (the eligibility
pre-check has its own tests: test_eligibility_dialogue.py, test_eligibility_cases.py)."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker

from actions.topics import ACTIONS

ActionAnswerCost = ACTIONS["action_answer_cost"]
ActionFallback = ACTIONS["action_fallback"]


def tracker(text: str, intent: str, slots: Optional[Dict[str, Any]] = None,
            entities: Optional[List[dict]] = None) -> Tracker:
    """A tracker whose latest message is `text`, with the given entities."""
    return Tracker(
        sender_id="candidate", slots=dict(slots or {}),
        latest_message={"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": entities or []},
        events=[], paused=False, followup_action=None, active_loop={}, latest_action_name="action_listen",
    )


def test_individual_price_follows_a_cost_question(use_kb, domain, run_action):
    entities = [{"entity": "funding_route", "value": "individuel"}]
    messages, _ = run_action(ActionAnswerCost(), tracker("et en financement individuel ?", "ask_cost",
                                                  {"last_topic": "action_answer_cost"}, entities))
    assert [m["response"] for m in messages] == ["utter_answer_cost_route"]
    assert messages[0]["amount"] == "5 000,50 €"


def test_it_costs_refers_to_the_module_just_discussed(use_kb, domain, run_action, render):
    messages, _ = run_action(ActionAnswerCost(), tracker("il coûte combien ?", "ask_cost",
                                                  {"last_topic": "action_answer_coop_module"}))
    assert [m["response"] for m in messages] == ["utter_answer_coop_module_price"]
    text = render(messages[0])
    assert "400 € en tarif normal" in text and "10 005" not in text


def test_the_programme_price_is_still_given_after_the_module_when_asked(use_kb, domain, run_action):
    messages, _ = run_action(ActionAnswerCost(), tracker("et la formation, elle coûte combien ?", "ask_cost",
                                                  {"last_topic": "action_answer_coop_module"}))
    assert [m["response"] for m in messages] == ["utter_answer_cost"]


def _user(intent: str) -> dict:
    return {"event": "user", "text": "xx", "parse_data": {"intent": {"name": intent}}}


@pytest.mark.parametrize("intents, offered", [
    (["nlu_fallback", "nlu_fallback"], True),
    (["ask_cost", "nlu_fallback"], False),
    (["nlu_fallback", "out_of_scope"], False),
    (["nlu_fallback"], False),
])
def test_a_person_is_offered_after_two_misunderstandings(use_kb, domain, intents, offered, run_action):
    tracker_ = Tracker("x", {}, {"text": "xx", "intent": {"name": intents[-1]}},
                       [_user(i) for i in intents], False, None, {}, "action_listen")
    _, events = run_action(ActionFallback(), tracker_)
    followups = [e["name"] for e in events if e.get("event") == "followup"]
    assert followups == (["utter_offer_handoff"] if offered else [])
