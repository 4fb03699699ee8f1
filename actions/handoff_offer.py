"""The reply to the handoff offer when it is not a button: "Voulez-vous que je transmette votre
question au CESTES par e-mail ?" answered with an e-mail address, a phone number or "oui mais…".

action_read_offer_reply runs when the visitor's message is read (the custom mapping of the slot
handoff_offer_accepted, bot/domain/handoff.yml), before the next action is chosen, and sets only
that mark: the rules (bot/rules/handoff.yml) then start handoff_form, which reads the address or
number from the message and asks consent before anything else (actions/handoff.py); refused,
it keeps nothing.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import email_in, phone_in

OFFER = "utter_offer_handoff"
MARK = "handoff_offer_accepted"
# Entities of the pre-check: "oui mais en fait j'ai un master" corrects it, it is not a yes.
PROFILE_ENTITIES = {"diploma", "diploma_unfinished", "experience_years", "experience_pro_years",
                    "experience_kind", "experience_field", "duration", "bare_none"}
_YES = re.compile(r"^\W*(oui|ouais|ouai|ok|okay|d'accord|daccord|dac|volontiers|yes)\b", re.IGNORECASE)
_NO = re.compile(r"\bnon\b", re.IGNORECASE)


def previous_action(events: List[Dict[str, Any]]) -> Optional[str]:
    """The assistant's last action before the visitor's latest message."""
    user_seen = False
    for event in reversed(events):
        if event.get("event") == "user":
            if user_seen:
                return None
            user_seen = True
        elif user_seen and event.get("event") == "action" and event.get("name") != "action_listen":
            return event.get("name")
    return None


def offer_accepted(tracker: Tracker) -> bool:
    """Right after the offer, an e-mail address or a phone number means yes, and so does a "oui
    mais…" the classifier did not read as a yes (but not "oui mais non", nor a correction for
    the pre-check)."""
    if previous_action(tracker.events) != OFFER:
        return False
    text = tracker.latest_message.get("text") or ""
    if email_in(text) or phone_in(text):
        return True
    entities = {e.get("entity") for e in tracker.latest_message.get("entities") or []}
    return bool(_YES.match(text.replace("’", "'"))) and not _NO.search(text) and not entities & PROFILE_ENTITIES


class ActionReadOfferReply(Action):
    """Mark a reply to the offer that means yes; clear the mark otherwise. The mark only: the
    address or number is read by the form, which asks consent at once."""

    def name(self) -> Text:
        return "action_read_offer_reply"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        accepted = offer_accepted(tracker)
        if accepted or tracker.get_slot(MARK) is not None:
            return [SlotSet(MARK, True if accepted else None)]
        return []
