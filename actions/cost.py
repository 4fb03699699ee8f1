"""How a price answer is planned: subject (what is priced) x funding route (who pays).

The subject is the diploma, the cooperative module or the other certificate: named in the
message, or else the subject of the last answer (slot `subject`). The route is the funding
route named in the message (entity funding_route). Seed 001 prices any funding "par un tiers
(entreprise, institution, OPCO...)": employer, OPCO, France Travail, the Région and other
institutions all get the third-party rate of the subject, named as such; the CPF gets it for
the diploma only (no document says the module can be paid with the CPF).
"""
from __future__ import annotations

import re
from typing import List, Optional, Tuple

from rasa_sdk import Tracker

from actions.rendering import Variables
from knowledge.provenance import normalise
from knowledge.queries import FactView

DIPLOMA, MODULE, OTHER_CERTIFICATE, OLD_EDITION = "diploma", "coop_module", "other_certificate", "old_edition"
INDIVIDUAL = "individuel"
THIRD_PARTIES = ("employeur", "opco", "france_travail", "region", "institution")
CPF = "cpf"

# Words that name a subject in the message itself; checked in this order.
_NAMED = (
    (MODULE, re.compile(r"\b(module|coop|cooperati\w*|scic)\b")),
    (OTHER_CERTIFICATE, re.compile(r"\b(certificat de specialisation|innovations? sociales?)\b")),
    (DIPLOMA, re.compile(r"\b(formation|diplome|cursus|master|titre|programme|deux ans|2 ans|movsc)\b")),
)


def named_subject(text: str) -> Optional[str]:
    """The subject a message names itself, if any ("combien coûte la formation ?" -> diploma)."""
    words = normalise(text or "")
    return next((subject for subject, pattern in _NAMED if pattern.search(words)), None)


def subject_of(tracker: Tracker) -> str:
    """What is priced: named in the message, else the last answer's subject, else the diploma."""
    named = named_subject(tracker.latest_message.get("text") or "")
    return named or tracker.get_slot("subject") or DIPLOMA


def route_of(tracker: Tracker) -> Optional[str]:
    """The funding route the message names, if any."""
    return next(tracker.get_latest_entity_values("funding_route"), None)


def cost_for_route(route: Optional[str], facts: List[FactView]) -> Optional[FactView]:
    """The current cost fact of the diploma that applies to a funding route, if any."""
    if not route:
        return None
    return next((f for f in facts if f.topic == "cost" and route in f.applies_to), None)


def diploma_cost(route: Optional[str], facts: List[FactView]) -> List[Tuple[str, Variables]]:
    """The diploma's price for a route, or both prices."""
    if route is None:
        return [("utter_answer_cost", {})]
    fact = cost_for_route(route, facts)
    if fact is None:
        return [("utter_cost_route_unpublished", {}), ("utter_answer_cost", {})]
    variables: Variables = {name: (str(fact.values[name]), fact) for name in ("amount", "funding", "period")}
    if route in THIRD_PARTIES:
        return [("utter_answer_cost_third_party", variables)]
    return [("utter_answer_cost_route", variables)]


def module_cost(route: Optional[str]) -> List[Tuple[str, Variables]]:
    """The cooperative module's price for a route, or both of its prices."""
    if route == INDIVIDUAL:
        return [("utter_coop_price_individual", {})]
    if route in THIRD_PARTIES:
        return [("utter_coop_price_third_party", {})]
    if route == CPF:
        return [("utter_coop_price_cpf", {})]
    return [("utter_answer_coop_module_price", {})]


def certificate_cost(route: Optional[str]) -> List[Tuple[str, Variables]]:
    """The other certificate's prices (2020–2021), always introduced as another programme."""
    if route == INDIVIDUAL:
        return [("utter_other_certificate_price_individual", {})]
    if route == "employeur":
        return [("utter_other_certificate_price_employer", {})]
    return [("utter_other_certificate_price", {})]


def plan_price(tracker: Tracker, facts: List[FactView]) -> List[Tuple[str, Variables]]:
    """The price answer for this message's subject and route."""
    subject, route = subject_of(tracker), route_of(tracker)
    if subject == MODULE:
        return module_cost(route)
    if subject == OTHER_CERTIFICATE:
        return certificate_cost(route)
    if subject == OLD_EDITION and named_subject(tracker.latest_message.get("text") or "") is None:
        return [("utter_answer_old_edition", {})]
    return diploma_cost(route, facts)
