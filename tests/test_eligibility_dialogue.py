"""The eligibility form and its outcome, through the real actions: what is asked, what an
answer may change, and an outcome that explains each criterion."""
from __future__ import annotations

import datetime
from typing import Any, Dict

import pytest

from actions.eligibility import ActionAskDiploma, ActionEligibilityOutcome
from actions.eligibility_form import ValidateEligibilityForm
from bot.nlu.profile_entities import profile_entities

TODAY = datetime.date(2026, 12, 1)


@pytest.fixture()
def say(nlp, run_action, make_tracker, use_kb):
    """Run the form's validation on a message, as the NLU would have read it: (messages, slots set)."""
    def run(text: str, slots: Dict[str, Any] = None, intent: str = "inform"):
        entities = profile_entities(nlp(text), TODAY)
        messages, events = run_action(ValidateEligibilityForm, make_tracker(text, intent, entities, slots or {},
                                                                            form="eligibility_form"))
        return messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return run


def test_everything_in_one_message_fills_the_form(say):
    messages, slots = say("J'ai une licence et 5 ans d'expérience associative, je peux candidater ?",
                          intent="check_eligibility")
    assert messages == []
    assert {k: slots[k] for k in ("diploma", "experience_years", "experience_kind", "requested_slot")} == {
        "diploma": "licence", "experience_years": 5.0, "experience_kind": "associative", "requested_slot": None}


@pytest.mark.parametrize("text, asked", [
    ("licence et 1 an d'expérience", None),          # missing experience whatever the kind
    ("CAP et 2 ans d'expérience", None),             # missing diploma whatever the kind
    ("master 2 et 2 ans d'expérience", None),
    ("BTS et 8 ans d'expérience", "experience_kind"),  # the dérogation needs professional years
    ("BTS et 8 ans en CDI", None),
    ("je suis assistante sociale depuis 2015", "diploma"),  # a job title is not a diploma
    ("licence en cours, 5 ans en foyer", "diploma"),         # which diploma is obtained, then?
    ("10 ans dans la banque", None),                         # outside the fields whatever the diploma
])
def test_only_what_can_change_the_outcome_is_asked(say, text, asked):
    _, slots = say(text, intent="check_eligibility")
    assert slots["requested_slot"] == asked


def test_an_incidental_mention_never_overwrites_an_answer(say):
    _, slots = say("5 ans, après mon BTS", {"diploma": "master", "requested_slot": "experience_years"})
    assert slots.get("diploma", "master") == "master" and slots["experience_years"] == 5.0


@pytest.mark.parametrize("text", ["en fait j'ai une licence", "non, une licence", "je me suis trompée, une licence"])
def test_an_explicit_correction_replaces_the_diploma(say, text):
    _, slots = say(text, {"diploma": "master", "experience_years": 4.0, "requested_slot": None})
    assert slots["diploma"] == "licence"


def test_an_unclear_answer_is_asked_again_then_the_form_gives_up(say):
    slots = {"requested_slot": "diploma", "eligibility_attempts": 0}
    messages, changed = say("euh je sais pas", slots)
    assert [m["response"] for m in messages] == ["utter_not_understood_diploma"]
    assert changed["eligibility_attempts"] == 1
    messages, changed = say("bof", {**slots, "eligibility_attempts": 1}, intent="nlu_fallback")
    assert messages == []
    assert (changed["diploma"], changed["experience_years"], changed["requested_slot"]) == ("unknown", "unknown", None)


def test_a_question_mid_form_is_left_to_the_interruption_rules(say):
    messages, slots = say("combien coûte la formation ?", {"requested_slot": "experience_years", "diploma": "licence"},
                          intent="ask_cost")
    assert messages == [] and "experience_years" not in slots


def test_the_diploma_question_names_what_is_unfinished(run_action, make_tracker, render):
    messages, events = run_action(ActionAskDiploma, make_tracker("", "inform", slots={"diploma_unfinished": "licence"}))
    assert [m["response"] for m in messages] == ["utter_ask_diploma_obtained"] and events == []
    assert "une licence (bac+3), pas encore obtenu(e)" in render(messages[0])


OUTCOMES = [
    ({"diploma": "licence", "experience_years": 5.0, "experience_kind": "associative", "experience_field": "inside"},
     "likely", ["a priori", "✔ Diplôme : une licence (bac+3)", "✔ Expérience : 5 an(s) sur les 3 demandés",
                "✔ Nature : expérience associative", "✔ Domaine", "démarche simplifiée", "CESTES qui décide",
                "novembre 2024"]),
    ({"diploma": "bts", "experience_years": 7.0, "experience_kind": "professionnelle"},
     "derogation_possible", ["✘ Diplôme : un BTS (bac+2)", "✔ Expérience : 7 an(s) sur les 6 de la dérogation",
                             "✔ Nature : expérience professionnelle", "? Domaine", "par_cestes@lecnam.net"]),
    ({"diploma": "bac", "experience_years": 8.0, "experience_kind": "bénévole"},
     "derogation_to_discuss", ["✘ Nature : expérience bénévole", "par_cestes@lecnam.net"]),
    ({"diploma": "master", "experience_years": 1.5},
     "missing_experience", ["✘ Expérience : 1,5 an(s) sur les 3 demandés (il en manque environ 1,5)"]),
    ({"diploma": "bac", "diploma_unfinished": "licence", "experience_years": 4.0},
     "missing_diploma", ["✘ Diplôme : le bac (une licence (bac+3) : pas encore obtenu(e), ne compte pas)",
                         "4 an(s) sur les 6 de la dérogation (il en manque environ 2)", "VAE", "BAC+3 ou +4"]),
    ({"diploma": "licence", "experience_years": 10.0, "experience_field": "outside"},
     "outside_field", ["✘ Domaine", "par_cestes@lecnam.net"]),
    ({"diploma": "unknown", "experience_years": "unknown"}, "unclear", ["par_cestes@lecnam.net"]),
]


@pytest.mark.parametrize("slots, outcome, fragments", OUTCOMES, ids=[o[1] for o in OUTCOMES])
def test_the_outcome_explains_each_criterion(use_kb, run_action, make_tracker, render, slots, outcome, fragments):
    messages, events = run_action(ActionEligibilityOutcome, make_tracker("", "inform", slots=slots))
    assert [m["response"] for m in messages] == [f"utter_eligibility_{outcome}"]
    text = render(messages[0])
    for fragment in fragments:
        assert fragment in text
    assert "{" not in text
    assert {e["name"]: e["value"] for e in events}["eligibility_outcome"] == outcome
