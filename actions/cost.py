"""How the cost answer is planned: for every funding route, or for the one the visitor named."""
from __future__ import annotations

import re
from typing import List, Optional, Tuple

from rasa_sdk import Tracker

from actions.rendering import Variables
from knowledge.provenance import normalise
from knowledge.queries import FactView

# Words that name the diploma itself, so that "combien coûte la formation ?" is never read
# as a question about the module just discussed.
_PROGRAMME = re.compile(r"\b(formation|diplome|cursus|master|titre|programme|deux ans|2 ans)\b")


def asks_about_programme(text: str) -> bool:
    """True when a cost question names the diploma rather than "it"."""
    return bool(_PROGRAMME.search(normalise(text or "")))


def cost_for_route(route: Optional[str], facts: List[FactView]) -> Optional[FactView]:
    """The current cost fact that applies to a funding route, if the documents give one."""
    if not route:
        return None
    return next((f for f in facts if f.topic == "cost" and route in f.applies_to), None)


def plan_cost(tracker: Tracker, facts: List[FactView]) -> List[Tuple[str, Variables]]:
    """Cost of the diploma; for a named funding route, that route's price first."""
    route = next(tracker.get_latest_entity_values("funding_route"), None)
    if (route is None and tracker.get_slot("last_topic") == "action_answer_coop_module"
            and not asks_about_programme(tracker.latest_message.get("text") or "")):
        # "il coûte combien ?" just after the cooperative module: the module's price.
        return [("utter_answer_coop_module_price", {})]
    if route is None:
        return [("utter_answer_cost", {})]
    fact = cost_for_route(route, facts)
    if fact is None:
        # France Travail, the région...: no published price; say so, then the known ones.
        return [("utter_cost_route_unpublished", {}), ("utter_answer_cost", {})]
    variables: Variables = {name: (str(fact.values[name]), fact) for name in ("amount", "funding", "period")}
    return [("utter_answer_cost_route", variables)]
