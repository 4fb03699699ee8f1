"""The eligibility pre-check: a form that reads the candidate's own words, and its outcome."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions.pipeline import utter_with_facts
from actions.rendering import Variables
from knowledge import eligibility
from knowledge.queries import FactView

UNKNOWN = "unknown"
# Unanswered attempts at one question before the form gives up and gives the contact.
MAX_ATTEMPTS = 2
# Intents whose message answers a question of the form, even when nothing was understood.
ANSWER_INTENTS = {"inform", "check_eligibility", "nlu_fallback", "affirm", "deny"}


def format_years(years: float) -> str:
    """3.0 -> "3", 1.5 -> "1,5"."""
    return f"{years:g}".replace(".", ",")


class ValidateEligibilityForm(FormValidationAction):
    """Fill diploma, years and kind of experience from whatever the candidate writes."""

    def name(self) -> Text:
        return "validate_eligibility_form"

    @staticmethod
    def _text(tracker: Tracker) -> str:
        return tracker.latest_message.get("text") or ""

    @staticmethod
    def _entity(tracker: Tracker, entity: str) -> Any:
        """The value the NLU extracted for a profile entity (bot/nlu/profile_entities.py)."""
        return next(tracker.get_latest_entity_values(entity), None)

    async def extract_diploma(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: Dict[Text, Any]) -> Dict[Text, Any]:
        """The highest diploma named in the message, if any."""
        diploma = self._entity(tracker, "diploma")
        return {"diploma": diploma} if diploma else {}

    async def extract_experience_years(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: Dict[Text, Any]) -> Dict[Text, Any]:
        """Years of experience; a bare number counts only as an answer to the question."""
        years = self._entity(tracker, "experience_years")
        if years is None and tracker.get_slot("requested_slot") == "experience_years":
            # A bare "5" or "deux ans" counts only as the answer to the question just asked.
            years = eligibility.parse_years(self._text(tracker), requested=True)
        return {"experience_years": years} if years is not None else {}

    async def extract_experience_kind(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: Dict[Text, Any]) -> Dict[Text, Any]:
        """Professional, associative, volunteer, union or social."""
        kind = self._entity(tracker, "experience_kind")
        return {"experience_kind": kind} if kind else {}

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        """Extract and validate; count answers that fill nothing, and give up after a few."""
        events = await super().run(dispatcher, tracker, domain)
        requested = tracker.get_slot("requested_slot")
        filled = {e["name"] for e in events if e.get("event") == "slot" and e.get("value") is not None}
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if not requested or requested in filled or intent not in ANSWER_INTENTS:
            # Answered, or a question of another kind: let the form go on, or be interrupted.
            return events + ([SlotSet("eligibility_attempts", 0)] if requested in filled else [])
        attempts = (tracker.get_slot("eligibility_attempts") or 0) + 1
        if attempts >= MAX_ATTEMPTS:
            # No loop: mark what is missing as unknown, so the outcome gives the contact.
            return events + [SlotSet(slot, tracker.get_slot(slot) or UNKNOWN)
                             for slot in ("diploma", "experience_years", "experience_kind")
                             if tracker.get_slot(slot) is None] + [SlotSet("eligibility_attempts", 0)]
        dispatcher.utter_message(response=f"utter_not_understood_{requested}")
        return events + [SlotSet("eligibility_attempts", attempts)]

    async def validate_experience_years(self, value: Any, dispatcher: CollectingDispatcher,
                                        tracker: Tracker, domain: Dict[Text, Any]) -> Dict[Text, Any]:
        """A plausible number of years (0 to 60)."""
        if value == UNKNOWN:
            return {"experience_years": UNKNOWN}
        try:
            years = float(value)
        except (TypeError, ValueError):
            return {"experience_years": None}
        return {"experience_years": years if 0 <= years <= 60 else None}


def assess(tracker: Tracker, facts: List[FactView]) -> Optional[eligibility.Assessment]:
    """The pre-check's assessment of the form's slots; None while diploma or years are unknown."""
    diploma = eligibility.diploma_by_id(tracker.get_slot("diploma") or "")
    years = tracker.get_slot("experience_years")
    kind = tracker.get_slot("experience_kind")
    if diploma is None or years in (None, UNKNOWN):
        return None
    rules = eligibility.EligibilityRules.from_facts(facts)
    return eligibility.assess(diploma, float(years), None if kind == UNKNOWN else kind, rules)


def plan_outcome(tracker: Tracker, result: Optional[eligibility.Assessment]) -> List[Tuple[str, Variables]]:
    """The outcome's response and its variables."""
    if result is None:
        return [("utter_eligibility_unclear", {})]
    diploma = eligibility.diploma_by_id(tracker.get_slot("diploma"))
    kind: Optional[str] = tracker.get_slot("experience_kind")
    variables: Variables = {
        "diploma_label": (diploma.label, None),
        "years": (format_years(float(tracker.get_slot("experience_years"))), None),
        "kind": (kind if kind and kind != UNKNOWN else "", None),
        "missing": (format_years(result.missing_years), None),
    }
    return [(f"utter_eligibility_{result.outcome}", variables)]


class ActionEligibilityOutcome(Action):
    """Say the likely outcome, what is missing, and the next step."""

    def name(self) -> Text:
        return "action_eligibility_outcome"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        """One response for the outcome; the outcome kept for the handoff e-mail."""
        outcome = "unclear"

        def plan(facts: List[FactView]) -> List[Tuple[str, Variables]]:
            nonlocal outcome
            result = assess(tracker, facts)
            outcome = result.outcome if result else "unclear"
            return plan_outcome(tracker, result)

        if not await utter_with_facts(dispatcher, domain, plan):
            return []
        return [SlotSet("last_topic", self.name()), SlotSet("eligibility_outcome", outcome)]
