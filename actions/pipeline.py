"""The pipeline every topic answer runs, as plain functions:
facts -> notices -> response -> second question -> review log -> slots.

A topic (actions/topics.py) says which response it utters, which knowledge topics it reads,
and optionally how it plans its responses, when it is logged for review and which events
follow. Database work (facts, review log) runs in a worker thread, off the action server's
event loop.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge_base import load_facts
from actions.rendering import Variables, fill, render_text
from actions.review_log import LOW_CONFIDENCE, log_message
from bot.nlu.keys import LANGUAGE, QUESTION_PREFIX, SECOND_INTENT
from bot.settings import Settings
from knowledge.db import KnowledgeUnavailable
from knowledge.figures import quoted_superseded_figures
from knowledge.queries import FactView

logger = logging.getLogger(__name__)

Plan = Callable[[Tracker, List[FactView]], List[Tuple[str, Variables]]]


def low_confidence(tracker: Tracker) -> Optional[str]:
    """Answers given with little confidence go to the review log."""
    confidence = (tracker.latest_message.get("intent") or {}).get("confidence")
    return "low_confidence" if confidence is not None and float(confidence) < LOW_CONFIDENCE else None


def no_events(tracker: Tracker) -> List[EventType]:
    """No event besides last_topic."""
    return []


@dataclass(frozen=True)
class Topic:
    """One topic answer: its action, its response and what shapes it."""

    action: str
    response: str
    doc: str
    # Knowledge topics whose superseded figures are pointed out when the visitor quotes them.
    topics: Tuple[str, ...] = ()
    # The responses to utter, with variables computed from the tracker; default: `response`.
    plan: Optional[Plan] = None
    # Why the turn goes to the review log (a reason of bot/review/models.py), or None.
    review: Callable[[Tracker], Optional[str]] = low_confidence
    # Events after last_topic (a follow-up action, say).
    followup: Callable[[Tracker], List[EventType]] = no_events

    def responses(self, tracker: Tracker, facts: List[FactView]) -> List[Tuple[str, Variables]]:
        """What this topic utters for this tracker."""
        return self.plan(tracker, facts) if self.plan else [(self.response, {})]


def feedback_buttons(response: str, domain: Dict[Text, Any]) -> Dict[str, Any]:
    """👍 / 👎 under factual answers (the buttons of utter_feedback_buttons), unless disabled."""
    if not response.startswith("utter_answer_") or not Settings.from_env().feedback_buttons:
        return {}
    variants = domain.get("responses", {}).get("utter_feedback_buttons") or [{}]
    buttons = variants[0].get("buttons")
    return {"buttons": buttons} if buttons else {}


def utter(dispatcher: CollectingDispatcher, domain: Dict[Text, Any], facts: List[FactView],
          planned: List[Tuple[str, Variables]]) -> Optional[List[str]]:
    """Utter planned responses filled with facts; the texts uttered, or None if a fact is missing
    (then nothing is uttered)."""
    filled = []
    for response, extra in planned:
        values = fill(response, domain, facts, extra)
        if values is None:
            return None
        filled.append((response, values))
    for response, values in filled:
        dispatcher.utter_message(response=response, **values, **feedback_buttons(response, domain))
    return [render_text(response, domain, values) for response, values in filled]


def notices(dispatcher: CollectingDispatcher, tracker: Tracker, current: List[FactView],
            superseded: List[FactView]) -> None:
    """Before the answer: the assistant answers in French; a quoted old figure is old."""
    if tracker.latest_message.get(LANGUAGE) == "en":
        dispatcher.utter_message(response="utter_answers_in_french")
    seen = set()
    for quoted in quoted_superseded_figures(tracker.latest_message.get("text") or "", current, superseded):
        if quoted.fact.key not in seen:
            seen.add(quoted.fact.key)
            dispatcher.utter_message(response=f"utter_old_figure_{quoted.fact.status}",
                                     figure=quoted.figure, label=quoted.fact.label,
                                     document=quoted.fact.source_label)


def second_topic(tracker: Tracker, first: Topic, topics: Dict[str, Topic]) -> Optional[Topic]:
    """The topic of the message's second question (ask_x -> action_answer_x), if any."""
    intent = str((tracker.latest_message.get(SECOND_INTENT) or {}).get("name") or "")
    if not intent.startswith(QUESTION_PREFIX):
        return None
    name = "action_answer_" + intent[len(QUESTION_PREFIX):]
    return None if name == first.action else topics.get(name)


async def answer(topic: Topic, topics: Dict[str, Topic], dispatcher: CollectingDispatcher,
                 tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
    """Answer a topic from the knowledge base, or say plainly that it cannot be read."""
    second = second_topic(tracker, topic, topics)
    wanted = topic.topics + (second.topics if second else ())
    try:
        current, superseded = await asyncio.to_thread(load_facts, wanted)
    except KnowledgeUnavailable as error:
        logger.error("%s: %s", topic.action, error)
        dispatcher.utter_message(response="utter_knowledge_unavailable")
        await asyncio.to_thread(log_message, tracker, "action_failure",
                                render_text("utter_knowledge_unavailable", domain, {}), topic.action)
        return []
    notices(dispatcher, tracker, current, superseded)
    facts = current + superseded
    planned = topic.responses(tracker, current)
    if second is not None:
        # "prix et durée ?": the second question gets its own answer (bot/nlu/multi_question.py).
        planned += second.responses(tracker, current)
    replies = utter(dispatcher, domain, facts, planned)
    if replies is None:
        dispatcher.utter_message(response="utter_knowledge_unavailable")
        await asyncio.to_thread(log_message, tracker, "action_failure", "", topic.action)
        return []
    reason = topic.review(tracker)
    if reason is not None:
        await asyncio.to_thread(log_message, tracker, reason, "\n".join(replies), topic.action)
    # What was just answered, so that a follow-up ("il coûte combien ?") can refer to it.
    return [SlotSet("last_topic", topic.action), *topic.followup(tracker)]


async def utter_with_facts(dispatcher: CollectingDispatcher, domain: Dict[Text, Any],
                           plan: Callable[[List[FactView]], List[Tuple[str, Variables]]]) -> bool:
    """For actions other than topic answers (form prompts, outcomes, handoff steps): utter what
    `plan` makes of the current facts, and nothing else; or the knowledge-unavailable answer.
    True when the planned responses were said."""
    try:
        current, _ = await asyncio.to_thread(load_facts, ())
    except KnowledgeUnavailable as error:
        logger.error("knowledge unavailable: %s", error)
        current = None
    if current is None or utter(dispatcher, domain, current, plan(current)) is None:
        dispatcher.utter_message(response="utter_knowledge_unavailable")
        return False
    return True
