"""The eligibility pre-check form: fills the candidate's profile from what the NLU read, asks
only what can change the outcome, never overwrites an answer without a correction.

The entities come from bot/nlu/profile_entities.py. A value given earlier changes only when
the question is the one just asked or the message is a correction ("en fait j'ai un master",
"non, une licence"); incidental mentions in later answers ("5 ans, après mon BTS") never do.
"""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions.knowledge_base import load_facts
from knowledge import eligibility
from knowledge.db import KnowledgeUnavailable

UNKNOWN = "unknown"
# Unanswered attempts at one question before the form gives up and gives the contact.
MAX_ATTEMPTS = 2
# Intents whose message answers a question of the form, even when nothing was understood.
ANSWER_INTENTS = {"inform", "check_eligibility", "nlu_fallback", "affirm", "deny", "out_of_scope"}
ASKED = ("diploma", "experience_years", "experience_kind")
# What the profile holds besides the questions asked: filled when the candidate says them.
PROFILE = ("diploma_unfinished", "experience_pro_years", "experience_field")


def entity(tracker: Tracker, name: str) -> Any:
    """The value the NLU extracted for a profile entity, or None."""
    return next(tracker.get_latest_entity_values(name), None)


def profile_updates(tracker: Tracker) -> Dict[Text, Any]:
    """The slots this message sets: new values, the answer to the question asked, corrections."""
    requested = tracker.get_slot("requested_slot")
    correction = entity(tracker, "correction") is not None
    bare_none = entity(tracker, "bare_none") is not None
    found: Dict[Text, Any] = {
        "diploma": entity(tracker, "diploma"),
        "diploma_unfinished": entity(tracker, "diploma_unfinished"),
        "experience_years": entity(tracker, "experience_years"),
        "experience_kind": entity(tracker, "experience_kind"),
        "experience_field": entity(tracker, "experience_field"),
    }
    if requested == "diploma" and found["diploma"] is None and found["diploma_unfinished"] is None and bare_none:
        found["diploma"] = "none"
    if requested == "experience_years" and found["experience_years"] is None:
        bare = entity(tracker, "duration")
        found["experience_years"] = bare if bare is not None else (0.0 if bare_none else None)
    updates: Dict[Text, Any] = {}
    for slot, value in found.items():
        if value is not None and (tracker.get_slot(slot) is None or requested == slot or correction):
            updates[slot] = value
    if "experience_years" in updates:
        # Professional years go with the years they are part of (None: not said this time).
        updates["experience_pro_years"] = entity(tracker, "experience_pro_years")
    if updates.get("diploma") not in (None, UNKNOWN) and "diploma_unfinished" not in updates:
        diploma = eligibility.diploma_by_id(updates["diploma"])
        unfinished = eligibility.diploma_by_id(tracker.get_slot("diploma_unfinished") or "")
        if diploma and unfinished and unfinished.rank <= diploma.rank:
            updates["diploma_unfinished"] = None  # what was unfinished is below what is held
    return updates


def situation(slots: Dict[Text, Any]) -> eligibility.Situation:
    """The pre-check's situation from the slots (unknown answers are None)."""
    def number(name: str) -> Optional[float]:
        value = slots.get(name)
        return None if value in (None, UNKNOWN) else float(value)

    kind = slots.get("experience_kind")
    return eligibility.Situation(
        diploma=eligibility.diploma_by_id(slots.get("diploma") or ""),
        years=number("experience_years"), kind=None if kind == UNKNOWN else kind,
        field=slots.get("experience_field"), professional_years=number("experience_pro_years"))


async def rules() -> Optional[eligibility.EligibilityRules]:
    """The current thresholds, or None when the knowledge base cannot be read."""
    try:
        current, _ = await asyncio.to_thread(load_facts, ())
    except KnowledgeUnavailable:
        return None
    return eligibility.EligibilityRules.from_facts(current)


class ValidateEligibilityForm(FormValidationAction):
    """Fill the profile from whatever the candidate writes; ask the kind only when it matters."""

    def name(self) -> Text:
        return "validate_eligibility_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: Dict[Text, Any]) -> List[Text]:
        """Diploma and years; the diploma and the kind only when they can change the outcome."""
        current = await rules()
        now = situation({name: tracker.get_slot(name) for name in ASKED + PROFILE})
        needed = ["experience_years"]
        if tracker.get_slot("diploma") is not None or current is None or eligibility.needs_diploma(now, current):
            needed.insert(0, "diploma")
        if tracker.get_slot("experience_kind") is not None or (
                current is not None and eligibility.needs_kind(now, current)):
            needed.append("experience_kind")
        return needed

    async def next_requested_slot(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: Dict[Text, Any]) -> Optional[EventType]:
        """Always the form's own choice (rasa-sdk leaves it to Rasa when the list is the
        domain's), so that a question that cannot change the outcome is never asked."""
        needed = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        return SlotSet("requested_slot", next((s for s in needed if tracker.slots.get(s) is None), None))

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        """Extract and validate; count answers that fill nothing, and give up after a few."""
        # Every profile slot this message sets, at once; rasa-sdk validates and returns only
        # the slots asked, so the profile's other slots are added back.
        extracted = [SlotSet(slot, value) for slot, value in profile_updates(tracker).items()]
        tracker.add_slots(extracted)
        events = await self._extract_validation_events(dispatcher, tracker, domain)
        validated = {e["name"] for e in events if e.get("event") == "slot"}
        events = [e for e in extracted if e["name"] not in validated] + events
        requested = tracker.get_slot("requested_slot")
        filled = {e["name"] for e in events if e.get("event") == "slot" and e.get("value") is not None
                  and e["name"] in ASKED + PROFILE}
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if not requested or filled or intent not in ANSWER_INTENTS:
            # Answered (this or another question), or a question of another kind: let the form
            # go on, or be interrupted.
            return events + ([SlotSet("eligibility_attempts", 0)] if filled else [])
        attempts = (tracker.get_slot("eligibility_attempts") or 0) + 1
        if attempts >= MAX_ATTEMPTS:
            # No loop: mark what is missing as unknown, so the outcome gives the contact.
            return events + [SlotSet(slot, UNKNOWN) for slot in ASKED if tracker.get_slot(slot) is None
                             and (slot != "experience_kind" or requested == slot)] + [
                SlotSet("eligibility_attempts", 0), SlotSet("requested_slot", None)]
        dispatcher.utter_message(response=f"utter_not_understood_{requested}")
        return events + [SlotSet("eligibility_attempts", attempts)]

    async def validate_diploma(self, value: Any, dispatcher: CollectingDispatcher,
                               tracker: Tracker, domain: Dict[Text, Any]) -> Dict[Text, Any]:
        """A diploma of the table (knowledge/diplomas.yml)."""
        known = value == UNKNOWN or eligibility.diploma_by_id(str(value)) is not None
        return {"diploma": value if known else None}

    async def validate_experience_kind(self, value: Any, dispatcher: CollectingDispatcher,
                                       tracker: Tracker, domain: Dict[Text, Any]) -> Dict[Text, Any]:
        """One of the kinds the pre-check knows."""
        return {"experience_kind": value if value == UNKNOWN or value in eligibility.KINDS else None}

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
