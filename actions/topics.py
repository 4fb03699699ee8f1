"""The topic answers of the action server: one row per action, each running actions/pipeline.py.

Adding a topic: a row here, its response in bot/domain/, its facts in knowledge/data/, its
intent and rule (docs/architecture.md, "Adding a topic").
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple, Type

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.cost import MODULE, OLD_EDITION, OTHER_CERTIFICATE, module_cost, plan_price, route_of, subject_of
from actions.freshness import plan_freshness
from actions.pipeline import Ask, Topic, answer
from actions.rendering import Variables
from actions.review_log import fallback_reason
from bot.nlu.keys import TRUNCATED
from knowledge.queries import FactView


Planned = List[Tuple[str, Variables]]


def plan_fallback(ask: Ask) -> Planned:
    """An over-long message (cut by LengthGuard) is told so."""
    if ask.tracker.latest_message.get(TRUNCATED):
        return [("utter_message_too_long", {})]
    return [("utter_fallback", {})]


def plan_cost(ask: Ask) -> Planned:
    """Price of the subject (diploma, module...) for the route named, or all its prices."""
    return plan_price(ask.tracker, ask.facts)


def plan_cpf(ask: Ask) -> Planned:
    """CPF for the diploma; right after the module or the other certificate, for those."""
    subject = subject_of(ask.tracker)
    if subject == MODULE:
        return module_cost("cpf")
    if subject == OTHER_CERTIFICATE:
        return [("utter_other_certificate_not_stated", {})]
    return [("utter_answer_cpf", {})]


def plan_coop_module(ask: Ask) -> Planned:
    """The module; with a funding route named, the module's price for that route."""
    route = route_of(ask.tracker)
    return module_cost(route) if route else [("utter_answer_coop_module", {})]


def plan_freshness_answer(ask: Ask) -> Planned:
    """The dates of the facts just given ("c'est à jour ?")."""
    facts = ask.facts + list(ask.superseded)
    return plan_freshness(ask.tracker.get_slot("answered_facts"), facts, ask.today, ask.domain)


def review_fallback(tracker: Tracker) -> Optional[str]:
    """Every fallback goes to the review log, with why it happened."""
    return fallback_reason(tracker.latest_message)


def offer_a_person(tracker: Tracker) -> List[EventType]:
    """After two messages in a row not understood, offer a person (utter_offer_handoff)."""
    intents = [(e.get("parse_data") or {}).get("intent", {}).get("name")
               for e in tracker.events if e.get("event") == "user"]
    return [FollowupAction("utter_offer_handoff")] if intents[-2:] == ["nlu_fallback", "nlu_fallback"] else []


# Knowledge topics whose history and other-programme facts an answer may need.
_ALL = ("cost", "duration", "schedule", "location", "contact", "application", "certification",
        "prerequisites", "other_programme", "access_routes")


def about_this_programme(tracker: Tracker) -> bool:
    """A price follow-up about the diploma or the module, not the old edition or the other
    certificate (whose own figures are then no old figures to point out)."""
    return subject_of(tracker) not in (OLD_EDITION, OTHER_CERTIFICATE)


def _topic(name: str, doc: str, topics: Tuple[str, ...] = (), **shape: Any) -> Topic:
    return Topic(action=f"action_answer_{name}", response=f"utter_answer_{name}", doc=doc,
                 topics=topics, **shape)


TOPICS: Dict[str, Topic] = {topic.action: topic for topic in (
    _topic("overview", "What the diploma is and whom it is for."),
    # Follow-ups may price the old edition or the other certificate: all their facts are read.
    _topic("cost", "Price of what was asked about (diploma, module...), for the route named or all.",
           _ALL, plan=plan_cost, subject=subject_of, warns=about_this_programme),
    _topic("cpf", "CPF eligibility and the CPF price.", _ALL, plan=plan_cpf, subject=subject_of,
           warns=about_this_programme),
    _topic("prerequisites", "Diploma and experience required, and the dérogation.", ("prerequisites",)),
    _topic("derogation", "Entering without the level-6 diploma.", ("derogation",)),
    _topic("apply", "How to apply.", ("application",)),
    _topic("contact", "How to reach the CESTES.", ("contact",)),
    _topic("duration", "Length and hours.", ("duration",)),
    _topic("schedule", "Rhythm, weeks in presence, distance days, defences, promotion.", ("schedule",),
           recheck=False),
    _topic("location", "Where it takes place: not stated by the current documents.", ("location",)),
    _topic("vae", "Validation des acquis de l'expérience."),
    _topic("coop_module", "The optional cooperative module: content, hours, prices.", ("coop_module",),
           plan=plan_coop_module, subject=MODULE),
    _topic("certification", "RNCP registration, level and certifier.", ("certification",)),
    _topic("blocks", "Blocks of competences and teaching modules."),
    _topic("access_routes", "How the programme can be followed, and the former registration's routes.",
           ("access_routes", "certification")),
    _topic("package", "Enrolling by 'package' (group of inseparable teaching units)."),
    _topic("ects", "ECTS credits: the Cnam sheet says 0."),
    _topic("job_seekers", "Job seekers: same entry conditions, 8-week internship, third-party rate."),
    _topic("internship", "The internship required of job seekers."),
    _topic("evaluation", "How the certification is assessed."),
    _topic("memoire", "The mémoire: purpose, kinds, subjects, workload."),
    _topic("pedagogy", "Recherche-action and the teaching approach."),
    _topic("outcomes", "Jobs and ROME codes."),
    _topic("statistics", "Insertion figures of the last renewal survey."),
    _topic("sectors", "Sectors and employers."),
    _topic("old_edition", "The 2009–2011 edition in Dijon, always introduced as such.", _ALL,
           subject=OLD_EDITION, recheck=False, warns=lambda tracker: False),
    _topic("other_certificate", "The other Cnam certificate (2020–2021), introduced as such.", _ALL,
           subject=OTHER_CERTIFICATE, recheck=False, warns=lambda tracker: False),
    _topic("freshness", "How old the facts just given are, and how to check them.", _ALL,
           plan=plan_freshness_answer, subject=None, recheck=False, remembers=False),
    Topic(action="action_answer_near_miss", response="utter_near_miss",
          doc="Another diploma, course, school or funding use: not answered with this programme's facts.",
          subject=None, recheck=False),
    Topic(action="action_fallback", response="utter_fallback",
          doc="Off-topic or not understood: say what the assistant covers and give the contact.",
          plan=plan_fallback, review=review_fallback, followup=offer_a_person, subject=None),
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
