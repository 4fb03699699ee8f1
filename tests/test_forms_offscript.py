"""Off-script answers to both forms and to the handoff offer: an e-mail address, a phone number,
a question or "oui mais…" typed where a button or another answer was expected. First through
the actions (trackers as Rasa sends them), then over REST with the trained model."""
from __future__ import annotations

import uuid
from typing import Any, Dict, List, Optional

import pytest
import yaml

from actions.eligibility_form import ValidateEligibilityForm
from actions.handoff import (RESET_SLOTS, ActionCancelHandoff, ActionSubmitHandoff, ValidateHandoffForm,
                             email_in, phone_in)
from actions.handoff_offer import ActionReadOfferReply
from bot.handoff import store
from bot.settings import ROOT, Settings
from tests.test_serve import review_exports

CESTES = "par_cestes@lecnam.net"
ASKING_EMAIL = {"handoff_consent": True, "handoff_name": "Marie Dupont", "requested_slot": "handoff_email"}
OFFERED = [{"event": "action", "name": "action_answer_contact"}, {"event": "bot", "text": "..."},
           {"event": "action", "name": "utter_offer_handoff"}, {"event": "bot", "text": "Voulez-vous..."},
           {"event": "action", "name": "action_listen"}, {"event": "user", "text": "..."}]
ANSWERED = OFFERED[:2] + OFFERED[4:]


def slots_set(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


# (form, slots before, message, intent, form active, slots set, responses)
ROWS = [
    # The handoff form starting on a reply to the offer: what the message holds is kept.
    ("handoff", {}, "marie.dupont@example.org", "inform", False,
     {"handoff_email": "marie.dupont@example.org"}, []),
    ("handoff", {}, "06 12 34 56 78", "inform", False, {"handoff_phone": "06 12 34 56 78"}, []),
    ("handoff", {}, "oui, appelez-moi au 06.12.34.56.78", "inform", False, {"handoff_phone": "06.12.34.56.78"}, []),
    ("handoff", {}, "oui : jean.moreau@gmail.com", "affirm", False, {"handoff_email": "jean.moreau@gmail.com"}, []),
    ("handoff", {}, "oui mais je préfère être rappelé", "affirm", False, {}, []),
    # The address asked: in a sentence, attempts, "annuler", a question.
    ("handoff", ASKING_EMAIL, "mon mail c'est sophie.martin@example.fr", "inform", True,
     {"handoff_email": "sophie.martin@example.fr"}, []),
    ("handoff", ASKING_EMAIL, "pas-un-email", "ask_contact", True,
     {"handoff_email": None, "handoff_attempts": 1}, ["utter_invalid_email"]),
    ("handoff", ASKING_EMAIL, "je n'ai pas d'adresse mail", "deny", True,
     {"handoff_email": None, "handoff_attempts": 1}, ["utter_invalid_email"]),
    ("handoff", {**ASKING_EMAIL, "handoff_attempts": 1}, "toujours-pas-valide", "affirm", True,
     {"handoff_email": None, "handoff_attempts": 2, "requested_slot": None}, []),
    ("handoff", ASKING_EMAIL, "annuler", "stop", True, {}, []),
    # At the consent and confirmation questions (buttons): kept or corrected, the question asked again.
    ("handoff", {"requested_slot": "handoff_consent"}, "sophie.renard@example.org", "inform", True,
     {"handoff_email": "sophie.renard@example.org"}, []),
    ("handoff", {"requested_slot": "handoff_consent"}, "mon portable 07 45 23 11 09", "inform", True,
     {"handoff_phone": "07 45 23 11 09"}, []),
    ("handoff", {**ASKING_EMAIL, "handoff_email": "marie@example.org", "handoff_phone": "none",
                 "handoff_question": "?", "requested_slot": "handoff_confirmed"},
     "non, c'est marie.dupont@example.org", "inform", True, {"handoff_email": "marie.dupont@example.org"}, []),
    ("handoff", {**ASKING_EMAIL, "requested_slot": "handoff_name"}, "Marie Dupont 06 12 34 56 78", "inform",
     True, {}, []),  # the name's own mapping reads it
    ("handoff", ASKING_EMAIL, "combien coûte la formation ?", "ask_cost", True, {}, []),
    # The pre-check fed an address: asked again once, then it gives up (no loop).
    ("eligibility", {"requested_slot": "diploma"}, "marie.dupont@example.org", "inform", True,
     {"eligibility_attempts": 1}, ["utter_not_understood_diploma"]),
    ("eligibility", {"requested_slot": "diploma", "eligibility_attempts": 1}, "marie.dupont@example.org",
     "inform", True, {"diploma": "unknown", "experience_years": "unknown", "requested_slot": None}, []),
]


@pytest.mark.parametrize("form, before, text, intent, active, expected, responses", ROWS,
                         ids=[f"{r[0]}-{r[2]}-{r[1].get('requested_slot', 'start')}" for r in ROWS])
def test_off_script_answers_to_the_forms(use_kb, run_action, make_tracker, form, before, text, intent,
                                         active, expected, responses):
    action = ValidateHandoffForm if form == "handoff" else ValidateEligibilityForm
    tracker = make_tracker(text, intent, slots=dict(before), form=f"{form}_form" if active else None)
    messages, events = run_action(action, tracker)
    changed = slots_set(events)
    assert {k: changed[k] for k in expected if k in changed} == expected
    assert not set(changed) & {"handoff_email", "handoff_phone"} - set(expected)
    assert [m["response"] for m in messages] == responses


def form_run(action: Any, run_action, make_tracker, text: str, slots: Dict[str, Any], form: str) -> tuple:
    """One answer to a form: (responses, slots after)."""
    messages, events = run_action(action, make_tracker(text, "inform", slots=slots, form=form))
    return [m["response"] for m in messages], {**slots, **slots_set(events)}


@pytest.mark.parametrize("action, form, slots, unreadable", [
    (ValidateHandoffForm, "handoff_form", ASKING_EMAIL, "marie.dupont-at-example.org"),
    (ValidateEligibilityForm, "eligibility_form", {"requested_slot": "diploma"}, "marie.dupont@example.org"),
    (ValidateEligibilityForm, "eligibility_form", {"diploma": "bts", "requested_slot": "experience_years"},
     "06 12 34 56 78"),
])
def test_no_form_asks_the_same_thing_more_than_twice(use_kb, run_action, make_tracker, action, form, slots,
                                                      unreadable):
    asked = slots["requested_slot"]
    for turn in range(1, 4):
        said, slots = form_run(action, run_action, make_tracker, unreadable, slots, form)
        if slots["requested_slot"] != asked:
            break
        assert said, "asked again without saying why"
    assert turn == 2 and slots["requested_slot"] is None


@pytest.mark.parametrize("text, intent, entities, previous, accepted", [
    ("marie.dupont@example.org", "inform", [], OFFERED, True),
    ("c'est jeanne.martin@example.org", "inform", [], OFFERED, True),
    ("06 12 34 56 78", "inform", [], OFFERED, True),
    ("oui mais je voudrais qu'on m'appelle", "nlu_fallback", [], OFFERED, True),
    ("ok mais je veux être rappelée demain", "ask_contact", [], OFFERED, True),
    ("oui mais je n'ai pas de mail", "deny", [], OFFERED, True),
    ("oui mais non merci", "deny", [], OFFERED, False),
    ("non merci", "deny", [], OFFERED, False),
    ("en fait j'ai un master", "inform", [{"entity": "diploma", "value": "master"}], OFFERED, False),
    ("oui mais en fait j'ai un master", "inform", [{"entity": "diploma", "value": "master"}], OFFERED, False),
    ("marie.dupont@example.org", "inform", [], ANSWERED, False),  # no offer just made
])
def test_a_reply_to_the_offer_that_means_yes_is_marked(run_action, make_tracker, text, intent, entities,
                                                       previous, accepted):
    events = previous[:-1] + [{"event": "user", "text": text}]
    _, marked = run_action(ActionReadOfferReply, make_tracker(text, intent, entities, events=events))
    assert marked == ([{"event": "slot", "timestamp": None, "name": "handoff_offer_accepted", "value": True}]
                      if accepted else [])


def test_the_mark_is_cleared_by_the_next_reply(run_action, make_tracker):
    tracker = make_tracker("j'ai un master", "inform", slots={"handoff_offer_accepted": True}, events=ANSWERED)
    _, events = run_action(ActionReadOfferReply, tracker)
    assert slots_set(events) == {"handoff_offer_accepted": None}


@pytest.mark.parametrize("text, email, phone", [
    ("vous pouvez m'écrire à claire.martin@yahoo.fr.", "claire.martin@yahoo.fr", None),
    ("tel 06 23 45 67 89 ou lea.fontaine@sfr.fr", "lea.fontaine@sfr.fr", "06 23 45 67 89"),
    ("+33 6 98 76 54 32", None, "+33 6 98 76 54 32"),
    ("depuis 2015, 12 ans en 2027", None, None),
    ("lucas.bernard75@laposte.net", "lucas.bernard75@laposte.net", None),
    ("marie@", None, None),
])
def test_addresses_and_numbers_are_read_in_a_sentence(text, email, phone):
    assert (email_in(text), phone_in(text)) == (email, phone)


def test_every_question_at_the_offer_keeps_the_offer():
    """A topic answered during the handoff form is answered at the offer too, then offered again."""
    rules = [r for name in ("interruptions.yml", "admission.yml", "programme.yml", "feedback.yml")
             for r in yaml.safe_load((ROOT / "bot" / "rules" / name).read_text("utf-8"))["rules"]]
    during = {r["steps"][0]["intent"] for r in rules if r.get("condition") == [{"active_loop": "handoff_form"}]
              and r["steps"][0]["intent"].startswith("ask_")}
    keeps = {r["steps"][1]["intent"] for r in rules if r["steps"][0] == {"action": "utter_offer_handoff"}
             and r["steps"][-1] == {"action": "utter_offer_handoff"}}
    keeps |= {r["steps"][0]["intent"] for r in rules if "intent" in r["steps"][0]
              and r["steps"][-1] == {"action": "utter_offer_handoff"}}
    assert during and during - keeps == set()


def stored(url: str) -> list:
    with store.session(url) as session:
        return store.all_requests(session=session)


TYPED_AT_THE_OFFER = {"handoff_email": "rita.lambert@example.org", "handoff_phone": "06 12 34 56 78",
                      "handoff_offer_accepted": True}


@pytest.mark.parametrize("action, slots, response", [
    (ActionSubmitHandoff, {**TYPED_AT_THE_OFFER, "handoff_consent": False}, "utter_handoff_declined"),
    (ActionCancelHandoff, {**TYPED_AT_THE_OFFER, "handoff_consent": True}, "utter_handoff_cancelled"),
    (ActionCancelHandoff, TYPED_AT_THE_OFFER, "utter_handoff_cancelled"),
])
def test_details_typed_before_consent_are_dropped_when_consent_is_refused(use_kb, run_action, make_tracker,
                                                                           action, slots, response):
    messages, events = run_action(action, make_tracker("non", "deny", slots=slots, form="handoff_form"))
    assert [m["response"] for m in messages] == [response]
    assert slots_set(events) == {slot: None for slot in RESET_SLOTS}
    assert stored(Settings.from_env().handoff_db_url) == []


def test_after_two_unreadable_addresses_the_cestes_address_is_given(use_kb, run_action, make_tracker, render):
    slots = {"handoff_consent": True, "handoff_name": "Marc Petit", "handoff_attempts": 2}
    messages, events = run_action(ActionSubmitHandoff, make_tracker("xx", "inform", slots=slots,
                                                                    form="handoff_form"))
    assert [m["response"] for m in messages] == ["utter_handoff_email_unreadable"]
    text = render(messages[0])
    assert "rien n'a été enregistré ni envoyé" in text and CESTES in text
    assert f"mailto:{CESTES}?subject=Assistant%20CESTES%20%3A%20demande%20de%20Marc%20Petit" in text
    assert slots_set(events) == {slot: None for slot in RESET_SLOTS}
    assert stored(Settings.from_env().handoff_db_url) == []


# Over REST, with the trained NLU and rules.

CONTACT = "je voudrais parler à quelqu'un du CESTES"
CONSENT = "Êtes-vous d'accord ?"


def conversation(assistant, turns: List[str]) -> List[str]:
    sender = uuid.uuid4().hex
    return ["\n".join(r.get("text", "") for r in assistant.ask(turn, sender)[1]) for turn in turns]


def mail_from(inbox, name: str) -> Optional[Any]:
    return next((m for _, m in inbox.messages if name in (m["Reply-To"] or "")), None)


def test_rest_an_address_typed_at_the_offer_means_yes(assistant, inbox):
    replies = conversation(assistant, [CONTACT, "paul.girard@example.org", "/affirm", "Paul Girard", "non",
                                       "Puis-je commencer en janvier ?", "/affirm"])
    assert "Voulez-vous que je transmette" in replies[0]
    assert CONSENT in replies[1] and "Quel est le diplôme" not in replies[1]
    assert "Quel est votre nom" in replies[2]
    assert "téléphone" in replies[3] and "adresse e-mail" not in replies[3]  # not asked again
    assert "paul.girard@example.org" in replies[5] and "Je l'envoie ?" in replies[5]
    assert "C'est envoyé" in replies[6]
    assert mail_from(inbox, "Paul Girard")["Reply-To"] == "Paul Girard <paul.girard@example.org>"


def test_rest_a_phone_number_typed_at_the_offer_means_yes(assistant, inbox):
    replies = conversation(assistant, [CONTACT, "appelez-moi au 06 11 22 33 44", "/affirm", "Lina Moreau",
                                       "lina.moreau@example.org", "Quand commence la prochaine promotion ?",
                                       "/affirm"])
    assert CONSENT in replies[1]
    assert "adresse e-mail" in replies[3]
    assert "Quelle est votre question" in replies[4]  # the number is not asked again
    assert "06 11 22 33 44" in replies[5] and "C'est envoyé" in replies[6]
    assert "06 11 22 33 44" in mail_from(inbox, "Lina Moreau").get_content()


@pytest.mark.parametrize("typed, next_question", [
    ("sophie.renard@example.org", "téléphone"),  # kept: the e-mail is not asked
    ("Julie Renard", "adresse e-mail"),  # neither yes nor no: asked again, not the pre-check
])
def test_rest_details_typed_at_the_consent_question(assistant, typed, next_question):
    replies = conversation(assistant, [CONTACT, "/affirm", typed, "/affirm", "Sophie Renard"])
    assert CONSENT in replies[2] and "Quel est le diplôme" not in replies[2]
    assert ("choisissez « oui » ou « non »" in replies[2]) is ("@" not in typed)
    assert "Quel est votre nom" in replies[3] and next_question in replies[4]
    assert typed not in review_exports(assistant)  # what is typed in the form is not reviewed


def test_rest_a_question_at_the_offer_is_answered_and_the_offer_kept(assistant):
    replies = conversation(assistant, [CONTACT, "Combien coûte la formation ?", "oui"])
    assert "10 005 €" in replies[1] and "Voulez-vous que je transmette" in replies[1]
    assert CONSENT in replies[2]


@pytest.mark.parametrize("reply", ["oui mais je préfère être rappelé", "oui mais je voudrais qu'on m'appelle"])
def test_rest_oui_mais_counts_as_yes(assistant, reply):
    replies = conversation(assistant, [CONTACT, reply])
    assert CONSENT in replies[1]


def test_rest_two_unreadable_addresses_then_the_way_out(assistant, inbox):
    replies = conversation(assistant, [CONTACT, "/affirm", "/affirm", "Marc Petit", "pas-un-email",
                                       "toujours-pas-valide", "Combien coûte la formation ?"])
    assert "ne semble pas valide" in replies[4] and "annuler" in replies[4]
    assert "Je n'arrive pas à lire d'adresse e-mail" in replies[5] and CESTES in replies[5]
    assert f"mailto:{CESTES}" in replies[5]
    assert "10 005 €" in replies[6] and "adresse e-mail" not in replies[6]
    assert mail_from(inbox, "Marc Petit") is None


def test_rest_annuler_ends_the_form_and_keeps_nothing(assistant):
    replies = conversation(assistant, [CONTACT, "/affirm", "/affirm", "Nina Garnier", "annuler",
                                       CONTACT, "nina.garnier@example.org", "/affirm", "Nina Garnier"])
    assert "demande annulée" in replies[4]
    assert CONSENT in replies[6] and "Quel est votre nom" in replies[7]  # nothing was kept
    assert "téléphone" in replies[8]


def test_rest_refused_consent_keeps_nothing_typed_at_the_offer(assistant, inbox):
    replies = conversation(assistant, [CONTACT, "rita.lambert@example.org", "/deny",
                                       CONTACT, "/affirm", "/affirm", "Rita Lambert"])
    assert CONSENT in replies[1] and "je n'envoie rien" in replies[2]
    assert "adresse e-mail" in replies[6]  # the address typed before consent was not kept
    assert mail_from(inbox, "Rita Lambert") is None


def test_rest_the_pre_check_fed_an_address_does_not_loop(assistant):
    replies = conversation(assistant, ["je voudrais vérifier mon éligibilité", "eva.roux@example.org",
                                       "eva.roux@example.org", "eva.roux@example.org", "/affirm", "Eva Roux"])
    assert "Quel est le diplôme le plus élevé" in replies[0]
    assert "Je n'ai pas reconnu de diplôme" in replies[1]
    assert "Je n'arrive pas à évaluer" in replies[2] and "Voulez-vous que je transmette" in replies[2]
    assert CONSENT in replies[3] and "Je n'arrive pas à évaluer" not in replies[3]
    assert "téléphone" in replies[5]  # the address was read at the offer
