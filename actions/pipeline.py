"""The pipeline every topic answer runs, as plain functions:
facts -> notices -> responses (and the other questions of the message) -> how old the facts
are -> review log -> slots.

A topic (actions/topics.py) says which response it utters, which knowledge topics it reads,
and optionally how it plans its responses, when it is logged for review and which events
follow. Database work (facts, review log) runs in a worker thread, off the action server's
event loop.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Dict, List, Optional, Text, Tuple, Union

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.freshness import notice
from actions.knowledge_base import load_facts
from actions.rendering import Variables, fill, render_text
from actions.review_log import LOW_CONFIDENCE, log_message
from bot.nlu.keys import LANGUAGE, MORE_INTENTS, QUESTION_PREFIX, SECOND_INTENT
from bot.settings import Settings
from knowledge.db import KnowledgeUnavailable
from knowledge.figures import quoted_superseded_figures
from knowledge.queries import FactView

logger = logging.getLogger(__name__)



@dataclass(frozen=True)
class Ask:
    """What a topic plans its answer from: the conversation, the facts, the domain, today."""

    tracker: Tracker
    facts: List[FactView]
    domain: Dict[Text, Any]
    today: date
    # Superseded facts of the topics read (history, the other programme).
    superseded: Tuple[FactView, ...] = ()


Plan = Callable[[Ask], List[Tuple[str, Variables]]]


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
    # What the answer is about, kept for follow-ups ("et en tarif individuel ?"): the diploma,
    # the cooperative module, an older edition..., or a function of the tracker for answers
    # that follow the subject (prices); None leaves the subject as it was.
    subject: Union[str, None, Callable[[Tracker], Optional[str]]] = "diploma"
    # Whether the answer is followed by the clause on facts to re-check (actions/freshness.py);
    # False where the response already gives its date and the way to check.
    recheck: bool = True
    # Whether the answer becomes the one follow-ups refer to (last_topic, answered_facts).
    remembers: bool = True
    # Whether an old figure the visitor quotes is pointed out first (not when the answer is
    # about the old edition or the other certificate itself).
    warns: Callable[[Tracker], bool] = lambda tracker: True

    def responses(self, ask: Ask) -> List[Tuple[str, Variables]]:
        """What this topic utters for this tracker."""
        return self.plan(ask) if self.plan else [(self.response, {})]

    @property
    def name(self) -> str:
        """The topic's short name: action_answer_cpf -> cpf."""
        return self.action.replace("action_answer_", "")


def feedback_buttons(response: str, domain: Dict[Text, Any]) -> Dict[str, Any]:
    """👍 / 👎 under factual answers (the buttons of utter_feedback_buttons), unless disabled."""
    if not response.startswith("utter_answer_") or not Settings.from_env().feedback_buttons:
        return {}
    variants = domain.get("responses", {}).get("utter_feedback_buttons") or [{}]
    buttons = variants[0].get("buttons")
    return {"buttons": buttons} if buttons else {}


def utter(dispatcher: CollectingDispatcher, domain: Dict[Text, Any], facts: List[FactView],
          planned: List[Tuple[str, Variables]]) -> Optional[Tuple[List[str], List[FactView]]]:
    """Utter planned responses filled with facts; the texts uttered and the facts they state,
    or None if a fact is missing (then nothing is uttered)."""
    filled, used = [], []
    for response, extra in planned:
        result = fill(response, domain, facts, extra)
        if result is None:
            return None
        values, stated = result
        filled.append((response, values))
        used.extend(fact for fact in stated if fact not in used)
    for response, values in filled:
        dispatcher.utter_message(response=response, **values, **feedback_buttons(response, domain))
    return [render_text(response, domain, values) for response, values in filled], used


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


def other_topics(tracker: Tracker, first: Topic, topics: Dict[str, Topic]) -> List[Topic]:
    """The topics of the message's other questions (ask_x -> action_answer_x), in order."""
    found: List[Topic] = []
    others = [tracker.latest_message.get(SECOND_INTENT) or {}, *(tracker.latest_message.get(MORE_INTENTS) or [])]
    for other in others:
        intent = str(other.get("name") or "")
        if not intent.startswith(QUESTION_PREFIX):
            continue
        topic = topics.get("action_answer_" + intent[len(QUESTION_PREFIX):])
        if topic is not None and topic is not first and topic not in found:
            found.append(topic)
    return found


async def answer(topic: Topic, topics: Dict[str, Topic], dispatcher: CollectingDispatcher,
                 tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
    """Answer a topic from the knowledge base, or say plainly that it cannot be read."""
    others = other_topics(tracker, topic, topics)
    wanted = topic.topics + tuple(name for other in others for name in other.topics)
    try:
        current, superseded = await asyncio.to_thread(load_facts, wanted)
    except KnowledgeUnavailable as error:
        logger.error("%s: %s", topic.action, error)
        dispatcher.utter_message(response="utter_knowledge_unavailable")
        await asyncio.to_thread(log_message, tracker, "action_failure",
                                render_text("utter_knowledge_unavailable", domain, {}), topic.action)
        return []
    notices(dispatcher, tracker, current, superseded if topic.warns(tracker) else [])
    facts = current + superseded
    ask = Ask(tracker, current, domain, Settings.from_env().today(), tuple(superseded))
    planned = topic.responses(ask)
    for other in others:
        # "prix et durée ?": each other question gets its own answer (bot/nlu/multi_question.py).
        planned += other.responses(ask)
    uttered = utter(dispatcher, domain, facts, planned)
    if uttered is None:
        dispatcher.utter_message(response="utter_knowledge_unavailable")
        await asyncio.to_thread(log_message, tracker, "action_failure", "", topic.action)
        return []
    replies, used = uttered
    clause = notice(topic.name, used, ask.today, domain) if topic.recheck else None
    if clause is not None:
        # The facts are past their date to re-check, or only an expired document states them.
        extra = utter(dispatcher, domain, current, [clause])
        replies += extra[0] if extra else []
    reason = topic.review(tracker)
    if reason is not None:
        await asyncio.to_thread(log_message, tracker, reason, "\n".join(replies), topic.action)
    # What was just answered, so that a follow-up ("il coûte combien ?", "c'est à jour ?") can
    # refer to it.
    events: List[EventType] = [SlotSet("last_topic", topic.action)] if topic.remembers else []
    if used and topic.remembers:
        events.append(SlotSet("answered_facts", [fact.key for fact in used]))
    subject = topic.subject(tracker) if callable(topic.subject) else topic.subject
    if subject is not None:
        events.append(SlotSet("subject", subject))
    return [*events, *topic.followup(tracker)]


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
