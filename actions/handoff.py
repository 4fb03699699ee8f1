"""Hand a candidate's request over to the CESTES: consent, details, confirmation, e-mail."""
from __future__ import annotations

import asyncio
import re
from typing import Any, Dict, List, Optional, Text

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

HANDOFF_SLOTS = ("handoff_consent", "handoff_name", "handoff_email", "handoff_phone",
                 "handoff_question", "handoff_confirmed")
# Emptied whenever the handoff ends (sent, declined, cancelled, given up): nothing typed is kept.
RESET_SLOTS = HANDOFF_SLOTS + ("handoff_attempts", "handoff_offer_accepted")
NO_PHONE = "none"
MAX_NAME, MAX_QUESTION, TRANSCRIPT_LINES, TRANSCRIPT_LINE = 100, 1000, 20, 300
# Unreadable e-mail addresses before the form gives up and gives the CESTES address instead.
MAX_ATTEMPTS = 2
# Answers to the address question that are attempts at an address (a question interrupts).
ATTEMPT_INTENTS = ("inform", "nlu_fallback", "out_of_scope", "deny")
BUTTON_SLOTS = ("handoff_consent", "handoff_confirmed")
_ADDRESS = r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
_EMAIL = re.compile(f"^{_ADDRESS}$")
_EMAIL_IN_TEXT = re.compile(_ADDRESS)
_PHONE = re.compile(r"^\+?[\d .()-]{8,20}$")
_PHONE_IN_TEXT = re.compile(r"(?<![\w@.+-])\+?\d[\d .()-]{6,18}\d(?![\w@])")
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


def email_in(text: str) -> Optional[str]:
    """The first well-formed address in a message ("mon mail c'est marie@exemple.fr"), or None."""
    return next(filter(None, (valid_email(m.group(0)) for m in _EMAIL_IN_TEXT.finditer(text))), None)


def phone_in(text: str) -> Optional[str]:
    """The first phone number in a message ("appelez-moi au 06 12 34 56 78"), or None."""
    return next(filter(None, (valid_phone(m.group(0)) for m in _PHONE_IN_TEXT.finditer(text))), None)


def instead_of_a_button(tracker: Tracker) -> bool:
    """The reply to the offer that started the form, or to its consent or confirmation question:
    an address or a number typed there is kept (corrected, at the confirmation), and the
    question asked again; consent itself is only ever a yes (the affirm intent)."""
    return tracker.active_loop_name is None or tracker.get_slot("requested_slot") in BUTTON_SLOTS


def gave_up(tracker: Tracker) -> bool:
    """True once the address was unreadable twice."""
    return (tracker.get_slot("handoff_attempts") or 0) >= MAX_ATTEMPTS and not tracker.get_slot("handoff_email")


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
    """Check each detail the candidate gives; stop at once without consent, and after two
    unreadable addresses (the CESTES address is then given instead)."""

    def name(self) -> Text:
        return "validate_handoff_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: Dict[Text, Any]) -> List[Text]:
        """Nothing more is asked once consent is refused, or the address given up."""
        if tracker.get_slot("handoff_consent") is False or gave_up(tracker):
            return ["handoff_consent"]
        return domain_slots

    async def extract_handoff_email(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: Dict[Text, Any]) -> Dict[Text, Any]:
        """Typed instead of a button, an address the message holds (then it is not asked).
        When the address is asked: the address in a sentence, or a single word or anything
        with "@" as an attempt (checked below); "stop" stops, a question interrupts."""
        text = (tracker.latest_message.get("text") or "").strip()
        if instead_of_a_button(tracker):
            found = email_in(text)
            return {"handoff_email": found} if found else {}
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if tracker.get_slot("requested_slot") != "handoff_email" or intent == "stop":
            return {}
        if "@" in text or " " not in text or intent in ATTEMPT_INTENTS:
            return {"handoff_email": email_in(text) or text}
        return {}

    async def extract_handoff_phone(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: Dict[Text, Any]) -> Dict[Text, Any]:
        """Typed instead of a button, a phone number the message holds (then it is not asked);
        when the number is asked, the slot's own mappings read the answer."""
        phone = phone_in(tracker.latest_message.get("text") or "")
        return {"handoff_phone": phone} if phone and instead_of_a_button(tracker) else {}

    def validate_handoff_name(self, value: Any, dispatcher: CollectingDispatcher,
                              tracker: Tracker, domain: Dict[Text, Any]) -> Dict[Text, Any]:
        """A name without markup, at most 100 characters."""
        name = clean_text(value, MAX_NAME)
        if name is None:
            dispatcher.utter_message(response="utter_invalid_name")
        return {"handoff_name": name}

    def validate_handoff_email(self, value: Any, dispatcher: CollectingDispatcher,
                               tracker: Tracker, domain: Dict[Text, Any]) -> Dict[Text, Any]:
        """A well-formed address; else ask again politely, once (then required_slots gives up)."""
        email = valid_email(value)
        if email is not None:
            return {"handoff_email": email}
        attempts = (tracker.get_slot("handoff_attempts") or 0) + 1
        if attempts < MAX_ATTEMPTS:
            dispatcher.utter_message(response="utter_invalid_email")
        return {"handoff_email": None, "handoff_attempts": attempts}

    def validate_handoff_phone(self, value: Any, dispatcher: CollectingDispatcher,
                               tracker: Tracker, domain: Dict[Text, Any]) -> Dict[Text, Any]:
        """Optional: "non" is fine; otherwise 8 to 15 digits, alone or in a sentence."""
        if value == NO_PHONE:
            return {"handoff_phone": NO_PHONE}
        phone = valid_phone(value) or (phone_in(value) if isinstance(value, str) else None)
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
        """Nothing is lost: the request is stored before any attempt to send it. Without consent,
        or without a readable address, nothing is stored, sent or kept."""
        reset = [SlotSet(slot, None) for slot in RESET_SLOTS]
        if tracker.get_slot("handoff_consent") is not True:
            dispatcher.utter_message(response="utter_handoff_declined")
            return reset
        if tracker.get_slot("handoff_confirmed") is not True and not gave_up(tracker):
            dispatcher.utter_message(response="utter_handoff_cancelled")
            return reset
        settings = Settings.from_env()
        new = new_request(tracker)
        cestes = await asyncio.to_thread(service.cestes_address, settings)
        if gave_up(tracker):
            said = "utter_handoff_email_unreadable"
        else:
            outcome = await asyncio.to_thread(service.submit, new, settings, settings.handoff_to or cestes)
            said = outcome_response(outcome)
        mailto = mailer.mailto_link(cestes or settings.handoff_to or "", new.name or "", new.question or "")
        await utter_with_facts(dispatcher, domain, lambda facts: [(said, {"mailto": (mailto, None)})])
        return reset


class ActionCancelHandoff(Action):
    """The candidate stops the handoff: nothing is sent, and nothing they typed is kept."""

    def name(self) -> Text:
        return "action_cancel_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(response="utter_handoff_cancelled")
        return [SlotSet(slot, None) for slot in RESET_SLOTS]
