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


# Follow-up prices (subject x funding route): tests/test_followups.py.


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
