"""Answers read from the knowledge base and phrased by the domain's responses."""
from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any, ClassVar, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge_base import load_facts
from actions.rendering import placeholders, render_text, source_line, template_variables
from actions.review_log import LOW_CONFIDENCE, fallback_reason, log_message
from bot.nlu.keys import LANGUAGE, QUESTION_PREFIX, SECOND_INTENT, TRUNCATED
from bot.settings import Settings
from knowledge.db import KnowledgeUnavailable
from knowledge.figures import quoted_superseded_figures
from knowledge.queries import FactView

logger = logging.getLogger(__name__)

# Extra variables an action computes itself: name -> (text, fact it comes from).
Variables = Dict[str, "tuple[str, Optional[FactView]]"]


def fill(response: str, domain: Dict[Text, Any], facts: List[FactView],
         extra: Optional[Variables] = None) -> Optional[Dict[str, str]]:
    """Values for every placeholder of a response, plus its source line; None if one is missing."""
    available: Variables = {**template_variables(facts), **(extra or {})}
    values: Dict[str, str] = {}
    used: List[FactView] = []
    for name in sorted(placeholders(response, domain) - {"source"}):
        if name not in available:
            logger.error("response %s needs %s, which no current fact provides", response, name)
            return None
        text, fact = available[name]
        values[name] = text
        if fact is not None:
            used.append(fact)
    values["source"] = source_line(used)
    return values


class KnowledgeAnswerAction(Action, ABC):
    """Utter a response of the domain filled with current facts of the knowledge base."""

    response: ClassVar[str]
    # Topics whose superseded figures are pointed out when the visitor quotes them.
    topics: ClassVar[tuple[str, ...]] = ()

    @abstractmethod
    def name(self) -> Text:
        """The action's name in the domain."""

    def plan(self, tracker: Tracker, facts: List[FactView]) -> List["tuple[str, Variables]"]:
        """The responses to utter, with any variables computed here."""
        return [(self.response, {})]

    def slot_events(self, tracker: Tracker, facts: List[FactView]) -> List[EventType]:
        """Slots to set besides last_topic."""
        return []

    def review(self, tracker: Tracker, reply: str) -> None:
        """Log an answer given with little confidence, for staff to check."""
        confidence = (tracker.latest_message.get("intent") or {}).get("confidence")
        if confidence is not None and float(confidence) < LOW_CONFIDENCE:
            log_message(tracker, "low_confidence", reply, entry=self.name())

    @staticmethod
    def feedback_buttons(response: str, domain: Dict[Text, Any]) -> Dict[str, Any]:
        """👍 / 👎 under factual answers (the buttons of utter_feedback_buttons), unless disabled."""
        if not response.startswith("utter_answer_") or not Settings.from_env().feedback_buttons:
            return {}
        variants = domain.get("responses", {}).get("utter_feedback_buttons") or [{}]
        buttons = variants[0].get("buttons")
        return {"buttons": buttons} if buttons else {}

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any],
               current: List[FactView], superseded: List[FactView]) -> Optional[List[str]]:
        """Utter this action's responses; the texts uttered, or None if a fact is missing."""
        replies = []
        for response, extra in self.plan(tracker, current):
            values = fill(response, domain, current + superseded, extra)
            if values is None:
                return None
            dispatcher.utter_message(response=response, **values, **self.feedback_buttons(response, domain))
            replies.append(render_text(response, domain, values))
        return replies

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        """Answer from the knowledge base, or say plainly that it cannot be read."""
        try:
            current, superseded = load_facts(self.topics + second_answer_topics(tracker, self.name()))
        except KnowledgeUnavailable as error:
            logger.error("%s: %s", self.name(), error)
            dispatcher.utter_message(response="utter_knowledge_unavailable")
            log_message(tracker, "action_failure", render_text("utter_knowledge_unavailable", domain, {}),
                        entry=self.name())
            return []
        if tracker.latest_message.get(LANGUAGE) == "en":
            dispatcher.utter_message(response="utter_answers_in_french")
        text = tracker.latest_message.get("text") or ""
        seen = set()
        for quoted in quoted_superseded_figures(text, current, superseded):
            if quoted.fact.key not in seen:
                seen.add(quoted.fact.key)
                dispatcher.utter_message(
                    response=f"utter_old_figure_{quoted.fact.status}",
                    figure=quoted.figure, label=quoted.fact.label,
                    document=quoted.fact.source_label,
                )
        replies = self.answer(dispatcher, tracker, domain, current, superseded)
        second = second_answer(tracker, self.name())
        if replies is not None and second is not None:
            # "prix et durée ?": the second question gets its own answer (bot/nlu/multi_question.py).
            more = second.answer(dispatcher, tracker, domain, current, superseded)
            replies = None if more is None else replies + more
        if replies is None:
            dispatcher.utter_message(response="utter_knowledge_unavailable")
            log_message(tracker, "action_failure", entry=self.name())
            return []
        self.review(tracker, "\n".join(replies))
        # What was just answered, so that a follow-up ("il coûte combien ?") can refer to it.
        return [SlotSet("last_topic", self.name()), *self.slot_events(tracker, current)]


def answer_actions() -> Dict[str, KnowledgeAnswerAction]:
    """Every answer action of the action server, by name."""
    found: Dict[str, KnowledgeAnswerAction] = {}
    pending = list(KnowledgeAnswerAction.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if not getattr(cls, "__abstractmethods__", None):
            action = cls()
            found[action.name()] = action
    return found


def second_answer(tracker: Tracker, first: str) -> Optional[KnowledgeAnswerAction]:
    """The answer to the message's second question (ask_x -> action_answer_x), if any."""
    intent = str((tracker.latest_message.get(SECOND_INTENT) or {}).get("name") or "")
    if not intent.startswith(QUESTION_PREFIX):
        return None
    name = "action_answer_" + intent[len(QUESTION_PREFIX):]
    return None if name == first else answer_actions().get(name)


def second_answer_topics(tracker: Tracker, first: str) -> tuple[str, ...]:
    """The knowledge topics the second answer reads."""
    second = second_answer(tracker, first)
    return second.topics if second else ()


class ActionAnswerOverview(KnowledgeAnswerAction):
    """What the diploma is and whom it is for."""
    response = "utter_answer_overview"
    def name(self) -> Text: return "action_answer_overview"


class ActionAnswerCpf(KnowledgeAnswerAction):
    """CPF eligibility and the CPF price."""
    response, topics = "utter_answer_cpf", ("cost",)
    def name(self) -> Text: return "action_answer_cpf"


class ActionAnswerPrerequisites(KnowledgeAnswerAction):
    """Diploma and experience required, and the dérogation."""
    response, topics = "utter_answer_prerequisites", ("prerequisites",)
    def name(self) -> Text: return "action_answer_prerequisites"


class ActionAnswerDerogation(KnowledgeAnswerAction):
    """Entering without the level-6 diploma."""
    response, topics = "utter_answer_derogation", ("derogation",)
    def name(self) -> Text: return "action_answer_derogation"


class ActionAnswerApply(KnowledgeAnswerAction):
    """How to apply."""
    response, topics = "utter_answer_apply", ("application",)
    def name(self) -> Text: return "action_answer_apply"


class ActionAnswerContact(KnowledgeAnswerAction):
    """How to reach the CESTES."""
    response, topics = "utter_answer_contact", ("contact",)
    def name(self) -> Text: return "action_answer_contact"


class ActionAnswerDuration(KnowledgeAnswerAction):
    """Length and hours."""
    response, topics = "utter_answer_duration", ("duration",)
    def name(self) -> Text: return "action_answer_duration"


class ActionAnswerSchedule(KnowledgeAnswerAction):
    """Rhythm, weeks in presence, distance days, defences, promotion."""
    response, topics = "utter_answer_schedule", ("schedule",)
    def name(self) -> Text: return "action_answer_schedule"


class ActionAnswerLocation(KnowledgeAnswerAction):
    """Where it takes place: not stated by the current documents."""
    response, topics = "utter_answer_location", ("location",)
    def name(self) -> Text: return "action_answer_location"


class ActionAnswerVae(KnowledgeAnswerAction):
    """Validation des acquis de l'expérience."""
    response = "utter_answer_vae"
    def name(self) -> Text: return "action_answer_vae"


class ActionAnswerCoopModule(KnowledgeAnswerAction):
    """The optional cooperative module: content, hours, prices."""
    response, topics = "utter_answer_coop_module", ("coop_module",)
    def name(self) -> Text: return "action_answer_coop_module"


class ActionAnswerCertification(KnowledgeAnswerAction):
    """RNCP registration, level and certifier."""
    response, topics = "utter_answer_certification", ("certification",)
    def name(self) -> Text: return "action_answer_certification"


class ActionAnswerBlocks(KnowledgeAnswerAction):
    """Blocks of competences and teaching modules."""
    response = "utter_answer_blocks"
    def name(self) -> Text: return "action_answer_blocks"


class ActionAnswerAccessRoutes(KnowledgeAnswerAction):
    """Routes to the certification, open and closed."""
    response = "utter_answer_access_routes"
    def name(self) -> Text: return "action_answer_access_routes"


class ActionAnswerInternship(KnowledgeAnswerAction):
    """The internship required of job seekers."""
    response = "utter_answer_internship"
    def name(self) -> Text: return "action_answer_internship"


class ActionAnswerEvaluation(KnowledgeAnswerAction):
    """How the certification is assessed."""
    response = "utter_answer_evaluation"
    def name(self) -> Text: return "action_answer_evaluation"


class ActionAnswerMemoire(KnowledgeAnswerAction):
    """The mémoire: purpose, kinds, subjects, workload."""
    response = "utter_answer_memoire"
    def name(self) -> Text: return "action_answer_memoire"


class ActionAnswerPedagogy(KnowledgeAnswerAction):
    """Recherche-action and the teaching approach."""
    response = "utter_answer_pedagogy"
    def name(self) -> Text: return "action_answer_pedagogy"


class ActionAnswerOutcomes(KnowledgeAnswerAction):
    """Jobs and ROME codes."""
    response = "utter_answer_outcomes"
    def name(self) -> Text: return "action_answer_outcomes"


class ActionAnswerStatistics(KnowledgeAnswerAction):
    """Insertion figures of the last renewal survey."""
    response = "utter_answer_statistics"
    def name(self) -> Text: return "action_answer_statistics"


class ActionAnswerSectors(KnowledgeAnswerAction):
    """Sectors and employers."""
    response = "utter_answer_sectors"
    def name(self) -> Text: return "action_answer_sectors"


class ActionFallback(KnowledgeAnswerAction):
    """Off-topic or not understood: say what the assistant covers and give the contact."""
    response = "utter_fallback"
    def name(self) -> Text: return "action_fallback"

    def plan(self, tracker: Tracker, facts: List[FactView]) -> List["tuple[str, Variables]"]:
        """An over-long message (cut by LengthGuard) is told so."""
        if tracker.latest_message.get(TRUNCATED):
            return [("utter_message_too_long", {})]
        return [(self.response, {})]

    def review(self, tracker: Tracker, reply: str) -> None:
        """Every fallback goes to the review log, with why it happened."""
        log_message(tracker, fallback_reason(tracker.latest_message), reply)

    def slot_events(self, tracker: Tracker, facts: List[FactView]) -> List[EventType]:
        """After two messages in a row not understood, offer a person (utter_offer_handoff)."""
        intents = [(e.get("parse_data") or {}).get("intent", {}).get("name")
                   for e in tracker.events if e.get("event") == "user"]
        if intents[-2:] == ["nlu_fallback", "nlu_fallback"]:
            return [FollowupAction("utter_offer_handoff")]
        return []
