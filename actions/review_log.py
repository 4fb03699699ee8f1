"""Write what the assistant could not answer well to the review log, never failing the answer."""
from __future__ import annotations

import logging
from typing import Any, Dict, Optional

from rasa_sdk import Tracker
from sqlalchemy.exc import SQLAlchemyError

from bot.review import store
from bot.settings import Settings

logger = logging.getLogger(__name__)

# An answered intent below this confidence is logged as "low_confidence" for review.
LOW_CONFIDENCE = 0.6
# A fallback whose two best intents are this close is logged as "ambiguity": staff then know
# that the message was understood as one of two topics, not as nothing.
AMBIGUOUS_GAP = 0.1


def ranking(message: Dict[str, Any]) -> list[dict[str, Any]]:
    """The top intents of a parsed message, the fallback pseudo-intent left out."""
    return [r for r in message.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"][:3]


def fallback_reason(message: Dict[str, Any]) -> str:
    """Why a message fell back: off-topic, two intents too close, or too little confidence."""
    if (message.get("intent") or {}).get("name") == "out_of_scope":
        return "out_of_scope"
    top = ranking(message)
    if len(top) >= 2 and top[0]["confidence"] - top[1]["confidence"] < AMBIGUOUS_GAP:
        return "ambiguity"
    return "fallback"


def original_text(tracker: Tracker, message: Dict[str, Any]) -> str:
    """What the visitor typed: the parse data holds the normalised text (bot/nlu/normalise.py)."""
    if message is tracker.latest_message:
        user = next((e for e in reversed(tracker.events) if e.get("event") == "user"), None)
        if user is not None and user.get("text"):
            return str(user["text"])
    return message.get("text") or ""


def log_message(tracker: Tracker, reason: str, reply: str = "", entry: Optional[str] = None,
                message: Optional[Dict[str, Any]] = None) -> None:
    """Add the latest (or given) user message to the review log; errors are only logged.
    Blocking: actions call it in a worker thread."""
    message = message or tracker.latest_message
    item = store.Entry(sender_id=tracker.sender_id, text=original_text(tracker, message), reason=reason,
                       intents=ranking(message), reply=reply, entry=entry)
    try:
        with store.session(Settings.from_env().review_db_url) as session, session.begin():
            store.record(session=session, item=item)
    except (SQLAlchemyError, ValueError, OSError) as error:
        logger.error("review log: could not record a %s message (%s)", reason, error.__class__.__name__)
