"""Hand a candidate's request over to the CESTES: consent, details, confirmation, e-mail."""
from __future__ import annotations

import asyncio
import re
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions.eligibility import UNKNOWN, format_years
from actions.pipeline import utter_with_facts
from actions.rendering import Variables
from bot.db import pseudonym
from bot.handoff import mailer, service, store
from bot.handoff.models import SENT
from bot.settings import Settings
from knowledge import eligibility
from knowledge.queries import FactView

HANDOFF_SLOTS = ("handoff_consent", "handoff_name", "handoff_email", "handoff_phone",
                 "handoff_question", "handoff_confirmed")
NO_PHONE = "none"
MAX_NAME, MAX_QUESTION, TRANSCRIPT_LINES, TRANSCRIPT_LINE = 100, 1000, 20, 300
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^\+?[\d .()-]{8,20}$")
_MARKUP = re.compile(r"[<>{}\[\]\x00-\x1f\x7f]")


def clean_text(value: Any, limit: int) -> Optional[str]:
    """Text without markup or control characters, cut to a limit; None if nothing is left."""
    if not isinstance(value, str):
        return None
    text = re.sub(r"\s+", " ", _MARKUP.sub(" ", value)).strip()
    return text[:limit] or None


def valid_email(value: Any) -> Optional[str]:
    """The address if it looks deliverable, else None."""
    text = value.strip() if isinstance(value, str) else ""
    return text if len(text) <= 254 and _EMAIL.match(text) else None


def valid_phone(value: Any) -> Optional[str]:
    """A phone number (8 to 15 digits), or None."""
    text = value.strip() if isinstance(value, str) else ""
    digits = re.sub(r"\D", "", text)
    return text if _PHONE.match(text) and 8 <= len(digits) <= 15 else None


def transcript(events: List[Dict[str, Any]]) -> str:
    """The last messages before the handoff started, one line each."""
    start = max((i for i, e in enumerate(events)
                 if e.get("event") == "active_loop" and e.get("name") == "handoff_form"),
                default=len(events))
    lines = []
    for event in events[:start]:
        if event.get("event") in ("user", "bot") and event.get("text"):
            who = "Visiteur" if event["event"] == "user" else "Assistant"
            text = re.sub(r"\s+", " ", event["text"]).strip()[:TRANSCRIPT_LINE]
            lines.append(f"{who} : {text}")
    return "\n".join(lines[-TRANSCRIPT_LINES:])


def eligibility_answers(tracker: Tracker) -> Dict[str, Any]:
    """The pre-check answers, if the candidate gave them."""
    diploma = eligibility.diploma_by_id(tracker.get_slot("diploma") or "")
    years = tracker.get_slot("experience_years")
    if diploma is None or years in (None, UNKNOWN):
        return {}
    return {"diploma": diploma.id, "diploma_label": diploma.label,
            "years": format_years(float(years)),
            "kind": tracker.get_slot("experience_kind") or "",
            "outcome": tracker.get_slot("eligibility_outcome") or ""}


class ValidateHandoffForm(FormValidationAction):
    """Check each detail the candidate gives, and stop at once without consent."""

    def name(self) -> Text:
        return "validate_handoff_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: Dict[Text, Any]) -> List[Text]:
        """Nothing more is asked once consent is refused."""
        if tracker.get_slot("handoff_consent") is False:
            return ["handoff_consent"]
        return domain_slots

    async def extract_handoff_email(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: Dict[Text, Any]) -> Dict[Text, Any]:
        """When the address is asked: a single word or anything with "@" is an attempt at an
        address (checked below); a sentence classified as a question interrupts instead."""
        if tracker.get_slot("requested_slot") != "handoff_email":
            return {}
        text = (tracker.latest_message.get("text") or "").strip()
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if "@" in text or " " not in text or intent in ("inform", "nlu_fallback", "out_of_scope"):
            return {"handoff_email": text}
        return {}

    def validate_handoff_name(self, value: Any, dispatcher: CollectingDispatcher,
                              tracker: Tracker, domain: Dict[Text, Any]) -> Dict[Text, Any]:
        """A name without markup, at most 100 characters."""
        name = clean_text(value, MAX_NAME)
        if name is None:
            dispatcher.utter_message(response="utter_invalid_name")
        return {"handoff_name": name}

    def validate_handoff_email(self, value: Any, dispatcher: CollectingDispatcher,
                               tracker: Tracker, domain: Dict[Text, Any]) -> Dict[Text, Any]:
        """A well-formed address, or ask again politely."""
        email = valid_email(value)
        if email is None:
            dispatcher.utter_message(response="utter_invalid_email")
        return {"handoff_email": email}

    def validate_handoff_phone(self, value: Any, dispatcher: CollectingDispatcher,
                               tracker: Tracker, domain: Dict[Text, Any]) -> Dict[Text, Any]:
        """Optional: "non" is fine; otherwise 8 to 15 digits."""
        if value == NO_PHONE:
            return {"handoff_phone": NO_PHONE}
        phone = valid_phone(value)
        if phone is None:
            dispatcher.utter_message(response="utter_invalid_phone")
        return {"handoff_phone": phone}

    def validate_handoff_question(self, value: Any, dispatcher: CollectingDispatcher,
                                  tracker: Tracker, domain: Dict[Text, Any]) -> Dict[Text, Any]:
        """The question, without markup, at most 1000 characters."""
        return {"handoff_question": clean_text(value, MAX_QUESTION)}


class ActionAskHandoffConsent(Action):
    """Say what will be sent, to whom and why, and ask for consent."""

    def name(self) -> Text:
        return "action_ask_handoff_consent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        """One response, filled with the CESTES address; no slot, nothing logged."""
        await utter_with_facts(dispatcher, domain, lambda facts: [("utter_ask_handoff_consent", {})])
        return []


def confirmation(tracker: Tracker) -> Variables:
    """What the candidate is about to send, shown before they confirm."""
    phone = tracker.get_slot("handoff_phone")
    return {
        "name": (tracker.get_slot("handoff_name") or "", None),
        "email": (tracker.get_slot("handoff_email") or "", None),
        "phone": (phone if phone and phone != NO_PHONE else "—", None),
        "question": (tracker.get_slot("handoff_question") or "", None),
        "eligibility": (mailer.eligibility_summary(eligibility_answers(tracker)), None),
    }


class ActionAskHandoffConfirmed(Action):
    """Show exactly what will be sent, and ask to confirm."""

    def name(self) -> Text:
        return "action_ask_handoff_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        """One response with the details; no slot, nothing logged (they are personal data)."""
        await utter_with_facts(dispatcher, domain,
                               lambda facts: [("utter_ask_handoff_confirmed", confirmation(tracker))])
        return []


def new_request(tracker: Tracker) -> store.NewRequest:
    """The request as the form collected it, under the conversation's pseudonym."""
    phone = tracker.get_slot("handoff_phone")
    return store.NewRequest(
        conversation=pseudonym(tracker.sender_id),
        name=tracker.get_slot("handoff_name"), email=tracker.get_slot("handoff_email"),
        phone=None if phone in (None, NO_PHONE) else phone,
        question=tracker.get_slot("handoff_question"),
        eligibility=eligibility_answers(tracker), transcript=transcript(tracker.events),
    )


def outcome_response(outcome: service.Outcome) -> str:
    """What the candidate is told: sent, kept to send later, or not even kept."""
    if outcome.status == SENT:
        return "utter_handoff_sent"
    return "utter_handoff_not_stored" if outcome.status == service.NOT_STORED else "utter_handoff_not_sent"


class ActionSubmitHandoff(Action):
    """Record the request, send it if SMTP is configured, and tell the candidate plainly."""

    def name(self) -> Text:
        return "action_submit_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        """Nothing is lost: the request is stored before any attempt to send it."""
        reset = [SlotSet(slot, None) for slot in HANDOFF_SLOTS]
        if tracker.get_slot("handoff_consent") is not True:
            dispatcher.utter_message(response="utter_handoff_declined")
            return reset
        if tracker.get_slot("handoff_confirmed") is not True:
            dispatcher.utter_message(response="utter_handoff_cancelled")
            return reset
        settings = Settings.from_env()
        new = new_request(tracker)
        cestes = await asyncio.to_thread(service.cestes_address, settings)
        outcome = await asyncio.to_thread(service.submit, new, settings, settings.handoff_to or cestes)
        mailto = mailer.mailto_link(cestes or settings.handoff_to or "", new.name, new.question)

        def plan(facts: List[FactView]) -> List[Tuple[str, Variables]]:
            return [(outcome_response(outcome), {"mailto": (mailto, None)})]

        await utter_with_facts(dispatcher, domain, plan)
        return reset
