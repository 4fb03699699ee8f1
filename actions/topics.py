"""The topic answers of the action server: one row per action, each running actions/pipeline.py.

Adding a topic: a row here, its response in bot/domain/, its facts in knowledge/data/, its
intent and rule (docs/architecture.md, "Adding a topic").
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple, Type

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.cost import plan_cost
from actions.pipeline import Topic, answer
from actions.rendering import Variables
from actions.review_log import fallback_reason
from bot.nlu.keys import TRUNCATED
from knowledge.queries import FactView


def plan_fallback(tracker: Tracker, facts: List[FactView]) -> List[Tuple[str, Variables]]:
    """An over-long message (cut by LengthGuard) is told so."""
    if tracker.latest_message.get(TRUNCATED):
        return [("utter_message_too_long", {})]
    return [("utter_fallback", {})]


def review_fallback(tracker: Tracker) -> Optional[str]:
    """Every fallback goes to the review log, with why it happened."""
    return fallback_reason(tracker.latest_message)


def offer_a_person(tracker: Tracker) -> List[EventType]:
    """After two messages in a row not understood, offer a person (utter_offer_handoff)."""
    intents = [(e.get("parse_data") or {}).get("intent", {}).get("name")
               for e in tracker.events if e.get("event") == "user"]
    return [FollowupAction("utter_offer_handoff")] if intents[-2:] == ["nlu_fallback", "nlu_fallback"] else []


def _topic(name: str, doc: str, topics: Tuple[str, ...] = (), **shape: Any) -> Topic:
    return Topic(action=f"action_answer_{name}", response=f"utter_answer_{name}", doc=doc,
                 topics=topics, **shape)


TOPICS: Dict[str, Topic] = {topic.action: topic for topic in (
    _topic("overview", "What the diploma is and whom it is for."),
    _topic("cost", "Cost of the diploma; for a named funding route, that route's price first.",
           ("cost",), plan=plan_cost),
    _topic("cpf", "CPF eligibility and the CPF price.", ("cost",)),
    _topic("prerequisites", "Diploma and experience required, and the dérogation.", ("prerequisites",)),
    _topic("derogation", "Entering without the level-6 diploma.", ("derogation",)),
    _topic("apply", "How to apply.", ("application",)),
    _topic("contact", "How to reach the CESTES.", ("contact",)),
    _topic("duration", "Length and hours.", ("duration",)),
    _topic("schedule", "Rhythm, weeks in presence, distance days, defences, promotion.", ("schedule",)),
    _topic("location", "Where it takes place: not stated by the current documents.", ("location",)),
    _topic("vae", "Validation des acquis de l'expérience."),
    _topic("coop_module", "The optional cooperative module: content, hours, prices.", ("coop_module",)),
    _topic("certification", "RNCP registration, level and certifier.", ("certification",)),
    _topic("blocks", "Blocks of competences and teaching modules."),
    _topic("access_routes", "Routes to the certification, open and closed."),
    _topic("internship", "The internship required of job seekers."),
    _topic("evaluation", "How the certification is assessed."),
    _topic("memoire", "The mémoire: purpose, kinds, subjects, workload."),
    _topic("pedagogy", "Recherche-action and the teaching approach."),
    _topic("outcomes", "Jobs and ROME codes."),
    _topic("statistics", "Insertion figures of the last renewal survey."),
    _topic("sectors", "Sectors and employers."),
    Topic(action="action_fallback", response="utter_fallback",
          doc="Off-topic or not understood: say what the assistant covers and give the contact.",
          plan=plan_fallback, review=review_fallback, followup=offer_a_person),
)}


def _action_class(topic: Topic) -> Type[Action]:
    """A rasa-sdk action (found by the action server like any other) that runs the pipeline."""

    def name(self: Action) -> Text:
        return topic.action

    async def run(self: Action, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        return await answer(topic, TOPICS, dispatcher, tracker, domain)

    class_name = "".join(part.title() for part in topic.action.split("_"))
    return type(class_name, (Action,), {"name": name, "run": run, "__doc__": topic.doc,
                                        "__module__": __name__, "topic": topic})


ACTIONS: Dict[str, Type[Action]] = {name: _action_class(topic) for name, topic in TOPICS.items()}
