"""The eligibility form, its outcome, and follow-up questions, through the real actions."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker

from actions.eligibility import ActionEligibilityOutcome, ValidateEligibilityForm
from actions.topics import ACTIONS
from bot.nlu.profile_entities import profile_entities

ActionAnswerCost = ACTIONS["action_answer_cost"]
ActionFallback = ACTIONS["action_fallback"]


def tracker(text: str, intent: str, slots: Optional[Dict[str, Any]] = None,
            form: Optional[str] = "eligibility_form", entities: Optional[List[dict]] = None) -> Tracker:
    """A tracker whose latest message carries the entities the NLU pipeline would extract."""
    return Tracker(
        sender_id="candidate", slots=dict(slots or {}),
        latest_message={"text": text, "intent": {"name": intent, "confidence": 1.0},
                        "entities": profile_entities(text) if entities is None else entities},
        events=[], paused=False, followup_action=None,
        active_loop={"name": form} if form else {}, latest_action_name="action_listen",
    )


def slots_set(events) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_everything_in_one_message_fills_the_form(domain, run_action):
    messages, events = run_action(ValidateEligibilityForm(), tracker(
        "J'ai une licence et 5 ans en association, je peux candidater ?", "check_eligibility",
        form=None))
    assert slots_set(events) == {"diploma": "licence", "experience_years": 5.0,
                                 "experience_kind": "associative"}
    assert messages == []


def test_a_correction_replaces_the_diploma(domain, run_action):
    _, events = run_action(ValidateEligibilityForm(), tracker(
        "en fait j'ai un master", "inform",
        {"diploma": "bac_plus_2", "experience_years": 4.0, "experience_kind": "professionnelle"}))
    assert slots_set(events)["diploma"] == "master"


def test_an_unclear_answer_is_asked_again_then_the_form_gives_up(domain, run_action):
    slots = {"requested_slot": "diploma", "eligibility_attempts": 0}
    messages, events = run_action(ValidateEligibilityForm(), tracker("euh je sais pas", "inform", slots))
    assert [m["response"] for m in messages] == ["utter_not_understood_diploma"]
    assert slots_set(events) == {"eligibility_attempts": 1}

    slots["eligibility_attempts"] = 1
    messages, events = run_action(ValidateEligibilityForm(), tracker("bof", "nlu_fallback", slots))
    assert messages == []
    assert slots_set(events) == {"diploma": "unknown", "experience_years": "unknown",
                                 "experience_kind": "unknown", "eligibility_attempts": 0}


def test_a_question_mid_form_is_left_to_the_interruption_rules(domain, run_action):
    slots = {"requested_slot": "experience_years", "diploma": "licence"}
    messages, events = run_action(ValidateEligibilityForm(),
                           tracker("combien coûte la formation ?", "ask_cost", slots))
    assert messages == [] and "experience_years" not in slots_set(events)


OUTCOMES = [
    ({"diploma": "licence", "experience_years": 5.0, "experience_kind": "associative"},
     "utter_eligibility_likely", ["une licence ou un bac+3", "5 an(s) d'expérience associative",
                                  "3 ans minimum", "démarche simplifiée", "CESTES qui décide"]),
    ({"diploma": "bac_plus_2", "experience_years": 7.0, "experience_kind": "professionnelle"},
     "utter_eligibility_derogation_possible", ["Vous avez un bac+2 et 7 ans d'expérience professionnelle",
                                               "à partir de 6 ans d'expérience", "c'est votre cas"]),
    ({"diploma": "bac", "experience_years": 8.0, "experience_kind": "bénévole"},
     "utter_eligibility_derogation_to_discuss", ["expérience bénévole", "par_cestes@lecnam.net"]),
    ({"diploma": "master", "experience_years": 1.5, "experience_kind": "professionnelle"},
     "utter_eligibility_missing_experience", ["vous en indiquez 1,5", "il manque environ 1,5 an(s)"]),
    ({"diploma": "bac_plus_2", "experience_years": 2.0, "experience_kind": "associative"},
     "utter_eligibility_missing_diploma", ["Pas encore", "BAC+3 ou +4", "à partir de 6 ans",
                                           "il vous en manque environ 4", "VAE"]),
    ({"diploma": "unknown", "experience_years": "unknown", "experience_kind": "unknown"},
     "utter_eligibility_unclear", ["par_cestes@lecnam.net"]),
]


@pytest.mark.parametrize("slots, response, fragments", OUTCOMES, ids=[o[1] for o in OUTCOMES])
def test_outcome(use_kb, domain, slots, response, fragments, run_action, render):
    messages, events = run_action(ActionEligibilityOutcome(), tracker("", "inform", slots, form=None))
    assert [m["response"] for m in messages] == [response]
    text = render(messages[0])
    for fragment in fragments:
        assert fragment in text
    assert "{" not in text
    outcome = response.removeprefix("utter_eligibility_")
    assert slots_set(events)["eligibility_outcome"] == outcome


def test_individual_price_follows_a_cost_question(use_kb, domain, run_action):
    entities = [{"entity": "funding_route", "value": "individuel"}]
    messages, _ = run_action(ActionAnswerCost(), tracker("et en financement individuel ?", "ask_cost",
                                                  {"last_topic": "action_answer_cost"}, None, entities))
    assert [m["response"] for m in messages] == ["utter_answer_cost_route"]
    assert messages[0]["amount"] == "5 000,50 €"


def test_it_costs_refers_to_the_module_just_discussed(use_kb, domain, run_action, render):
    messages, _ = run_action(ActionAnswerCost(), tracker("il coûte combien ?", "ask_cost",
                                                  {"last_topic": "action_answer_coop_module"}, None))
    assert [m["response"] for m in messages] == ["utter_answer_coop_module_price"]
    text = render(messages[0])
    assert "400 € en tarif normal" in text and "10 005" not in text


def test_the_programme_price_is_still_given_after_the_module_when_asked(use_kb, domain, run_action):
    messages, _ = run_action(ActionAnswerCost(), tracker("et la formation, elle coûte combien ?", "ask_cost",
                                                  {"last_topic": "action_answer_coop_module"}, None))
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
