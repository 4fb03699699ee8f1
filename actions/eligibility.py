"""The eligibility pre-check's words to the candidate: the diploma question, and an outcome that
explains each criterion (met, not met, to check), the next step and its sources.

The form itself is actions/eligibility_form.py; the decision knowledge/eligibility.py.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.eligibility_form import UNKNOWN, situation
from actions.pipeline import utter_with_facts
from actions.rendering import Variables, render_text, template_variables
from knowledge import eligibility
from knowledge.queries import FactView

# Slots the outcome reads.
SLOTS = ("diploma", "diploma_unfinished", "experience_years", "experience_pro_years", "experience_kind",
         "experience_field")


def format_years(years: float) -> str:
    """3.0 -> "3", 1.5 -> "1,5"."""
    return f"{round(years, 2):g}".replace(".", ",")


class ActionAskDiploma(Action):
    """Ask the highest diploma obtained; name the unfinished one or the job, when said."""

    def name(self) -> Text:
        return "action_ask_diploma"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        """One question, no slot set."""
        unfinished = eligibility.diploma_by_id(tracker.get_slot("diploma_unfinished") or "")
        if unfinished is not None:
            dispatcher.utter_message(response="utter_ask_diploma_obtained", unfinished_label=unfinished.label)
        else:
            dispatcher.utter_message(response="utter_ask_diploma")
        return []


def criteria(result: eligibility.Assessment, values: Dict[str, str], domain: Dict[Text, Any]) -> str:
    """One line per criterion, each a response of the domain (utter_criterion_<name>_<state>);
    on the dérogation's path (no qualifying diploma) the years and kind lines are its own."""
    path = "derogation_" if result.diploma == eligibility.NOT_MET else ""
    names = [f"utter_criterion_diploma_{result.diploma}", f"utter_criterion_{path}years_{result.years}"]
    if values.get("kind") or (path and result.years == eligibility.MET):
        names.append(f"utter_criterion_{path}kind_{result.kind}")
    names.append(f"utter_criterion_field_{result.field}")
    return "\n".join(render_text(name, domain, values) for name in names)


def outcome_values(tracker: Tracker, result: eligibility.Assessment) -> Dict[str, str]:
    """The variables of the criteria lines and the outcome."""
    slots = {name: tracker.get_slot(name) for name in SLOTS}
    diploma = eligibility.diploma_by_id(slots["diploma"] or "")
    unfinished = eligibility.diploma_by_id(slots["diploma_unfinished"] or "")
    kind = slots["experience_kind"]
    return {
        "diploma_label": diploma.label if diploma else "",
        "unfinished_label": unfinished.label if unfinished else "",
        "years": format_years(float(slots["experience_years"])),
        "required": str(result.required_years),
        "missing": format_years(result.missing_years),
        "kind": kind if kind and kind != UNKNOWN else "",
    }


def plan_outcome(tracker: Tracker, facts: List[FactView], domain: Dict[Text, Any],
                 result: eligibility.Assessment) -> List[Tuple[str, Variables]]:
    """The outcome's response, with its criteria lines filled from the slots and the facts."""
    if result.outcome == eligibility.UNCLEAR:
        return [("utter_eligibility_unclear", {})]
    values = outcome_values(tracker, result)
    values["unfinished"] = render_text("utter_diploma_unfinished", domain, values) if values["unfinished_label"] else ""
    from_facts = {name: text for name, (text, _) in template_variables(facts).items()}
    lines = criteria(result, {**from_facts, **values}, domain)
    return [(f"utter_eligibility_{result.outcome}",
             {name: (value, None) for name, value in {**values, "criteria": lines}.items()})]


class ActionEligibilityOutcome(Action):
    """Say the likely outcome, criterion by criterion, and the next step."""

    def name(self) -> Text:
        return "action_eligibility_outcome"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        """One response for the outcome; the outcome kept for the handoff e-mail."""
        outcome: Optional[str] = None

        def plan(facts: List[FactView]) -> List[Tuple[str, Variables]]:
            nonlocal outcome
            rules = eligibility.EligibilityRules.from_facts(facts)
            result = eligibility.assess(situation({n: tracker.get_slot(n) for n in SLOTS}), rules)
            outcome = result.outcome
            return plan_outcome(tracker, facts, domain, result)

        if not await utter_with_facts(dispatcher, domain, plan):
            return []
        return [SlotSet("last_topic", self.name()), SlotSet("eligibility_outcome", outcome)]
