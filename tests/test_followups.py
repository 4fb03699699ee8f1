"""Follow-up prices: the subject (diploma, cooperative module, other certificate) and the funding
route are separate pieces of context (actions/cost.py). A table of subject x route x phrasing,
run through the cost, CPF and module answers as the action server runs them."""
from __future__ import annotations

from typing import List, Optional

import pytest

from actions.topics import ACTIONS

DIPLOMA_THIRD, DIPLOMA_OWN = "10 005 €", "5 000,50 €"
MODULE_NORMAL, MODULE_OWN = "400 €", "200 €"
THIRD_PARTY_WORDS = {"employeur": "par votre employeur", "opco": "par un OPCO",
                     "france_travail": "par France Travail", "region": "par la Région",
                     "institution": "par une institution"}

# (subject of the last answer, message, route named, action, first response, says, never says)
CASES = [
    # After the cooperative module: the route gives the module's price.
    ("coop_module", "et en tarif individuel ?", "individuel", "action_answer_cost",
     "utter_coop_price_individual", [MODULE_OWN], [DIPLOMA_OWN, DIPLOMA_THIRD]),
    ("coop_module", "et si je paie moi-même ?", "individuel", "action_answer_cost",
     "utter_coop_price_individual", [MODULE_OWN], [DIPLOMA_OWN, DIPLOMA_THIRD]),
    ("coop_module", "si c'est mon employeur qui paie ?", "employeur", "action_answer_cost",
     "utter_coop_price_third_party", [MODULE_NORMAL, "a priori du tarif normal", "par votre employeur (un tiers)"],
     [DIPLOMA_THIRD]),
    ("coop_module", "et via un OPCO ?", "opco", "action_answer_cost",
     "utter_coop_price_third_party", [MODULE_NORMAL, "par un OPCO (un tiers)"], [DIPLOMA_THIRD]),
    ("coop_module", "et avec France Travail ?", "france_travail", "action_answer_cost",
     "utter_coop_price_third_party", [MODULE_NORMAL, "par France Travail (un tiers)"], [DIPLOMA_THIRD]),
    ("coop_module", "et par la région ?", "region", "action_answer_cost",
     "utter_coop_price_third_party", [MODULE_NORMAL, "par la Région (un tiers)"], [DIPLOMA_THIRD]),
    ("coop_module", "pour une collectivité ?", "institution", "action_answer_cost",
     "utter_coop_price_third_party", [MODULE_NORMAL, "par une institution (un tiers)"], [DIPLOMA_THIRD]),
    ("coop_module", "il coûte combien ?", None, "action_answer_cost",
     "utter_answer_coop_module_price", [MODULE_NORMAL, MODULE_OWN], [DIPLOMA_THIRD]),
    ("coop_module", "et avec mon CPF ?", "cpf", "action_answer_cost",
     "utter_coop_price_cpf", ["ne disent pas", MODULE_NORMAL], [DIPLOMA_THIRD]),
    ("coop_module", "c'est éligible au CPF ?", None, "action_answer_cpf",
     "utter_coop_price_cpf", ["ne disent pas"], [DIPLOMA_THIRD]),
    # The module named in the message, whatever came before.
    ("diploma", "et le module, en tarif individuel ?", "individuel", "action_answer_cost",
     "utter_coop_price_individual", [MODULE_OWN], [DIPLOMA_OWN]),
    ("diploma", "le module coopératif payé par mon employeur ?", "employeur", "action_answer_coop_module",
     "utter_coop_price_third_party", [MODULE_NORMAL], [DIPLOMA_THIRD]),
    # The diploma named in the message after the module: the diploma's prices.
    ("coop_module", "et la formation, en tarif individuel ?", "individuel", "action_answer_cost",
     "utter_answer_cost_route", [DIPLOMA_OWN], [MODULE_OWN, DIPLOMA_THIRD]),
    ("coop_module", "et la formation, elle coûte combien ?", None, "action_answer_cost",
     "utter_answer_cost", [DIPLOMA_THIRD, DIPLOMA_OWN], [MODULE_NORMAL]),
    ("coop_module", "et le diplôme via le CPF ?", "cpf", "action_answer_cost",
     "utter_answer_cost_route", [DIPLOMA_THIRD], [MODULE_NORMAL]),
    # After the diploma: the diploma's price for the route, third parties named as such.
    ("diploma", "et en tarif individuel ?", "individuel", "action_answer_cost",
     "utter_answer_cost_route", [DIPLOMA_OWN], [DIPLOMA_THIRD, MODULE_OWN]),
    ("diploma", "si c'est mon employeur qui paie ?", "employeur", "action_answer_cost",
     "utter_answer_cost_third_party", [DIPLOMA_THIRD, "financement par un tiers", "par votre employeur"],
     [DIPLOMA_OWN, MODULE_NORMAL]),
    ("diploma", "et avec France Travail ?", "france_travail", "action_answer_cost",
     "utter_answer_cost_third_party", [DIPLOMA_THIRD, "un financement par France Travail est un financement par un tiers"],
     [DIPLOMA_OWN, "ne donnent pas de tarif"]),
    ("diploma", "et si c'est la Région qui finance ?", "region", "action_answer_cost",
     "utter_answer_cost_third_party", [DIPLOMA_THIRD, "par la Région"], [DIPLOMA_OWN]),
    ("diploma", "et via un OPCO ?", "opco", "action_answer_cost",
     "utter_answer_cost_third_party", [DIPLOMA_THIRD, "par un OPCO"], [DIPLOMA_OWN]),
    ("diploma", "et pour une institution ?", "institution", "action_answer_cost",
     "utter_answer_cost_third_party", [DIPLOMA_THIRD, "par une institution"], [DIPLOMA_OWN]),
    ("diploma", "et avec mon compte formation ?", "cpf", "action_answer_cost",
     "utter_answer_cost_route", [DIPLOMA_THIRD, "via le CPF"], [DIPLOMA_OWN]),
    (None, "combien ça coûte ?", None, "action_answer_cost",
     "utter_answer_cost", [DIPLOMA_THIRD, DIPLOMA_OWN], [MODULE_NORMAL]),
    # After the other certificate: its prices, introduced as another programme.
    ("other_certificate", "et en prise en charge individuelle ?", "individuel", "action_answer_cost",
     "utter_other_certificate_price_individual", ["Autre formation du Cnam", "1 500€"], [DIPLOMA_OWN]),
    ("other_certificate", "et si mon employeur paie ?", "employeur", "action_answer_cost",
     "utter_other_certificate_price_employer", ["Autre formation du Cnam", "3 000€"], [DIPLOMA_THIRD]),
    ("other_certificate", "c'est finançable par le CPF ?", None, "action_answer_cpf",
     "utter_other_certificate_not_stated", ["ne le dit pas"], [DIPLOMA_THIRD]),
    # After the old edition: the old edition again, never today's prices.
    ("old_edition", "et ça coûtait combien ?", None, "action_answer_cost",
     "utter_answer_old_edition", ["Ancienne édition", "500 euros"], [DIPLOMA_THIRD, DIPLOMA_OWN]),
]


def _run(run_action, make_tracker, render, subject: Optional[str], text: str, route: Optional[str],
         action: str):
    entities = [{"entity": "funding_route", "value": route}] if route else []
    slots = {"subject": subject, "funding_route": route}
    messages, events = run_action(ACTIONS[action], make_tracker(text, "ask_cost", entities, slots))
    return messages, events, [render(m, slots) for m in messages]


@pytest.mark.parametrize("subject, text, route, action, first, says, never", CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_a_follow_up_prices_its_subject_for_its_route(use_kb, domain, run_action, make_tracker, render,
                                                      subject, text, route, action, first,
                                                      says: List[str], never: List[str]):
    messages, _, texts = _run(run_action, make_tracker, render, subject, text, route, action)
    assert messages[0]["response"] == first
    answer = texts[0]
    for fragment in says:
        assert fragment in answer
    for fragment in never:
        assert fragment not in "\n".join(texts)


@pytest.mark.parametrize("route", sorted(THIRD_PARTY_WORDS))
def test_every_third_party_gets_the_third_party_rate_named_as_such(use_kb, domain, run_action,
                                                                   make_tracker, render, route):
    _, _, texts = _run(run_action, make_tracker, render, "diploma", "et dans ce cas ?", route,
                       "action_answer_cost")
    assert (f"financement {THIRD_PARTY_WORDS[route]} est un financement par un tiers : "
            f"la formation coûte alors {DIPLOMA_THIRD} (pour les deux années).") in texts[0]


def test_a_price_follow_up_keeps_the_subject_it_priced(use_kb, domain, run_action, make_tracker):
    entities = [{"entity": "funding_route", "value": "individuel"}]
    _, events = run_action(ACTIONS["action_answer_cost"], make_tracker(
        "et en tarif individuel ?", "ask_cost", entities, {"subject": "coop_module"}))
    assert {"event": "slot", "name": "subject", "timestamp": None, "value": "coop_module"} in events
    _, events = run_action(ACTIONS["action_answer_cost"], make_tracker(
        "et la formation ?", "ask_cost", [], {"subject": "coop_module"}))
    assert {"event": "slot", "name": "subject", "timestamp": None, "value": "diploma"} in events


@pytest.mark.parametrize("action, subject", [("action_answer_coop_module", "coop_module"),
                                             ("action_answer_cost", "diploma"),
                                             ("action_answer_overview", "diploma"),
                                             ("action_answer_other_certificate", "other_certificate"),
                                             ("action_answer_old_edition", "old_edition")])
def test_an_answer_sets_the_subject_follow_ups_refer_to(use_kb, domain, run_action, make_tracker,
                                                        action, subject):
    _, events = run_action(ACTIONS[action], make_tracker("question", "ask"))
    assert {"event": "slot", "name": "subject", "timestamp": None, "value": subject} in events


@pytest.mark.parametrize("action", ["action_fallback", "action_answer_near_miss", "action_answer_freshness"])
def test_refusals_and_the_dates_answer_leave_the_subject_alone(use_kb, domain, run_action, make_tracker,
                                                               action):
    _, events = run_action(ACTIONS[action], make_tracker("question", "ask", slots={"subject": "coop_module"}))
    assert [e for e in events if e.get("name") == "subject"] == []
