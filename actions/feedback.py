"""A 👎 on an answer: log the question and the answer shown, for staff to review."""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.review_log import log_message


def previous_exchange(events: List[Dict[str, Any]]) -> tuple[Optional[Dict[str, Any]], str]:
    """The user message before the feedback, and the assistant's replies to it."""
    users = [i for i, e in enumerate(events) if e.get("event") == "user"]
    if len(users) < 2:
        return None, ""
    start, end = users[-2], users[-1]
    replies = [e.get("text") or "" for e in events[start:end] if e.get("event") == "bot"]
    return events[start].get("parse_data") or {"text": events[start].get("text")}, "\n".join(replies)


class ActionFeedbackNegative(Action):
    """Record a 👎 with the answer it was about."""

    def name(self) -> Text:
        return "action_feedback_negative"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        """Log the question that got the answer, then thank the visitor."""
        message, reply = previous_exchange(tracker.events)
        if message is not None:
            await asyncio.to_thread(log_message, tracker, "negative_feedback", reply,
                                    tracker.get_slot("last_topic"),
                                    {**message, "text": message.get("text") or ""})
        dispatcher.utter_message(response="utter_feedback_negative")
        return []
