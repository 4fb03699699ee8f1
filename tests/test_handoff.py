"""Handoff to the CESTES: consent, validation, SQL record, a real SMTP exchange on loopback."""
from __future__ import annotations

import asyncio
import logging

import pytest
from aiosmtpd.controller import Controller
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import (ActionAskHandoffConfirmed, ActionAskHandoffConsent, ActionSubmitHandoff,
                             ValidateHandoffForm, transcript)
from bot.handoff import store
from bot.review import store as review_store
from bot.settings import Settings
from bot.handoff.__main__ import main as handoff_cli
from tests.conftest import Inbox, free_port

CESTES = "par_cestes@lecnam.net"
CANDIDATE = dict(handoff_consent=True, handoff_name="Marie Dupont",
                 handoff_email="marie.dupont@example.org", handoff_phone="06 12 34 56 78",
                 handoff_question="Puis-je commencer en janvier ?", handoff_confirmed=True,
                 diploma="licence", experience_years=5.0, experience_kind="associative",
                 eligibility_outcome="likely")
EVENTS = [
    {"event": "user", "text": "Combien coûte la formation ?"},
    {"event": "bot", "text": "Coût de la formation..."},
    {"event": "user", "text": "je voudrais parler à quelqu'un"},
    {"event": "active_loop", "name": "handoff_form"},
    {"event": "user", "text": "marie.dupont@example.org"},
]


@pytest.fixture()
def smtp_port():
    return free_port()


@pytest.fixture()
def inbox(smtp_port):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield handler
    controller.stop()


@pytest.fixture()
def handoff_env(use_kb, tmp_path, monkeypatch, smtp_port):
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    monkeypatch.setenv("HANDOFF_DB_URL", url)
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(smtp_port))
    monkeypatch.setenv("HANDOFF_FROM", "assistant@cestes.test")
    monkeypatch.delenv("HANDOFF_TO", raising=False)
    return url


def stored(url):
    """Every request of the handoff database, newest first."""
    with store.session(url) as session:
        return store.all_requests(session=session)


def submit(domain, slots=None):
    tracker = Tracker("visitor-42", dict(slots or CANDIDATE), {"text": "oui", "intent": {"name": "affirm"}},
                      EVENTS, False, None, {}, "handoff_form")
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionSubmitHandoff().run(dispatcher, tracker, domain))
    return dispatcher.messages, events


def test_request_is_recorded_and_mailed_to_the_cestes(handoff_env, inbox, domain, caplog, render):
    caplog.set_level(logging.DEBUG)
    messages, events = submit(domain)
    assert [m["response"] for m in messages] == ["utter_handoff_sent"]
    assert CESTES in render(messages[0])
    assert {e["name"] for e in events} >= {"handoff_email", "handoff_confirmed"}

    [(recipients, message)] = inbox.messages
    assert recipients == [CESTES]
    assert message["To"] == CESTES
    assert message["Reply-To"] == "Marie Dupont <marie.dupont@example.org>"
    assert message["Subject"] == "Assistant CESTES : demande de Marie Dupont"
    body = message.get_content()
    for fragment in ("Puis-je commencer en janvier ?", "06 12 34 56 78", "une licence (bac+3)",
                     "conditions a priori remplies", "Visiteur : Combien coûte la formation ?"):
        assert fragment in body
    assert "Visiteur : marie.dupont@example.org" not in body  # transcript stops at the handoff

    [row] = stored(handoff_env)
    assert (row.status, row.attempts, row.email) == ("sent", 1, "marie.dupont@example.org")
    assert row.conversation != "visitor-42" and len(row.conversation) == 16
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail."))
    assert "handoff request 1: sent" in ours
    for personal in ("Marie", "marie.dupont", "06 12"):
        assert personal not in ours  # the test SMTP server ("mail.*") logs what it receives


def test_handoff_to_overrides_the_recipient(handoff_env, inbox, domain, monkeypatch):
    monkeypatch.setenv("HANDOFF_TO", "accueil@cestes.test")
    submit(domain)
    assert inbox.messages[0][0] == ["accueil@cestes.test"]


def test_smtp_down_keeps_the_request_pending_and_says_so(handoff_env, domain, smtp_port, render):
    messages, _ = submit(domain)  # nothing listens on smtp_port
    assert [m["response"] for m in messages] == ["utter_handoff_not_sent"]
    text = render(messages[0])
    assert "n'ai pas pu l'envoyer" in text
    assert f"mailto:{CESTES}?subject=Assistant%20CESTES%20%3A%20demande%20de%20Marie%20Dupont&body=" in text
    [row] = stored(handoff_env)
    assert row.status == "pending" and row.attempts == 1 and "ConnectionRefusedError" in row.last_error


def test_resend_delivers_what_was_pending(handoff_env, domain, smtp_port, capsys):
    submit(domain)
    assert stored(handoff_env)[0].status == "pending"
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        assert handoff_cli(["resend"]) == 0
    finally:
        controller.stop()
    assert "1 sent" in capsys.readouterr().out
    assert stored(handoff_env)[0].status == "sent"
    assert len(handler.messages) == 1
    assert handoff_cli(["resend"]) == 0  # nothing left: sends nothing twice
    assert len(handler.messages) == 1


def test_without_smtp_the_request_waits(handoff_env, domain, monkeypatch, capsys):
    monkeypatch.delenv("SMTP_HOST")
    messages, _ = submit(domain)
    assert [m["response"] for m in messages] == ["utter_handoff_not_sent"]
    [row] = stored(handoff_env)
    assert row.status == "pending" and row.attempts == 0
    assert handoff_cli(["resend"]) == 1
    assert "SMTP_HOST is not set" in capsys.readouterr().err


def test_without_consent_nothing_is_stored_or_sent(handoff_env, inbox, domain):
    messages, _ = submit(domain, {**CANDIDATE, "handoff_consent": False})
    assert [m["response"] for m in messages] == ["utter_handoff_declined"]
    messages, _ = submit(domain, {**CANDIDATE, "handoff_confirmed": False})
    assert [m["response"] for m in messages] == ["utter_handoff_cancelled"]
    assert stored(handoff_env) == [] and inbox.messages == []


@pytest.mark.parametrize("value, accepted", [
    ("marie.dupont@example.org", True), ("m@ex.fr", True),
    ("pas-un-email", False), ("marie@", False), ("<script>@x.fr", False), ("a b@c.fr", False),
])
def test_email_is_validated_politely(domain, make_tracker, value, accepted):
    dispatcher = CollectingDispatcher()
    result = ValidateHandoffForm().validate_handoff_email(value, dispatcher, make_tracker(value), domain)
    assert result == ({"handoff_email": value} if accepted else {"handoff_email": None, "handoff_attempts": 1})
    assert [m["response"] for m in dispatcher.messages] == ([] if accepted else ["utter_invalid_email"])


@pytest.mark.parametrize("value, expected", [
    ("06 12 34 56 78", "06 12 34 56 78"), ("+33 6 12 34 56 78", "+33 6 12 34 56 78"),
    ("none", "none"), ("123", None), ("appelez-moi", None),
])
def test_phone_is_optional_and_validated(domain, value, expected):
    result = ValidateHandoffForm().validate_handoff_phone(value, CollectingDispatcher(), None, domain)
    assert result == {"handoff_phone": expected}


def test_markup_is_removed_from_the_name(domain):
    result = ValidateHandoffForm().validate_handoff_name("<b>Marie</b>", CollectingDispatcher(), None, domain)
    assert result == {"handoff_name": "b Marie /b"}


def test_refused_consent_ends_the_form():
    tracker = Tracker("x", {"handoff_consent": False}, {}, [], False, None, {}, "action_listen")
    slots = asyncio.run(ValidateHandoffForm().required_slots(
        ["handoff_consent", "handoff_name"], CollectingDispatcher(), tracker, {}))
    assert slots == ["handoff_consent"]


def test_transcript_keeps_the_conversation_before_the_handoff():
    assert transcript(EVENTS) == (
        "Visiteur : Combien coûte la formation ?\nAssistant : Coût de la formation...\n"
        "Visiteur : je voudrais parler à quelqu'un"
    )


@pytest.mark.parametrize("action, response", [
    (ActionAskHandoffConsent, "utter_ask_handoff_consent"),
    (ActionAskHandoffConfirmed, "utter_ask_handoff_confirmed"),
])
def test_form_prompts_say_one_thing_and_log_nothing(use_kb, run_action, make_tracker, render, action, response):
    # Everything that would add to a topic answer: low confidence, a second question, English,
    # an old figure quoted; the prompt still says only its own response.
    tracker = make_tracker("bon voilà pour le devis de 500 € c'est compliqué, rappelez-moi svp",
                           "nlu_fallback", slots=CANDIDATE, confidence=0.2, language="en",
                           second_intent={"name": "ask_duration", "confidence": 0.4}, form="handoff_form")
    messages, events = run_action(action, tracker)
    assert [m["response"] for m in messages] == [response]
    assert events == []
    assert "{" not in render(messages[0])
    with review_store.session(Settings.from_env().review_db_url) as session:
        assert review_store.entries(session=session) == []


def test_the_confirmation_shows_what_will_be_sent(use_kb, run_action, make_tracker, render):
    messages, _ = run_action(ActionAskHandoffConfirmed, make_tracker("oui", "affirm", slots=CANDIDATE))
    text = render(messages[0])
    for fragment in ("Marie Dupont", "marie.dupont@example.org", "06 12 34 56 78",
                     "Puis-je commencer en janvier ?"):
        assert fragment in text
