"""Faults the visitor must not feel: the action server down or silent, the Rasa server restarted.

One Rasa server and one action server for the module (each Rasa start costs ~15 s and ~1.5 GB),
started as `python -m bot` starts them: same command lines, endpoints written by
write_endpoints, so Rasa calls its action guard. Each test sets the action server up or down
itself, so any test runs alone.
"""
from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import pytest
import yaml
from rasa.utils.endpoints import EndpointConfig

from bot.server.action_guard import ActionGuardInput, Upstream, apology as guard_apology, authorised, review_entry
from bot.db import pseudonym
from bot.review import store
from bot.processes import commands, write_endpoints
from bot.supervisor import answers
from bot.settings import ROOT, Settings, SettingsError
from tests.conftest import free_port

CONTACT = "par_cestes@lecnam.net"
TIMEOUT_S = 2.0
# Beyond the action timeout, what a turn may take: NLU, policies, the review log.
MARGIN_S = 3.0


API_TOKEN = "test-api-token-7d1f"


def apology(domain: dict[str, Any]) -> str:
    """The apology as the visitor must read it."""
    return domain["responses"]["utter_action_unavailable"][0]["text"].format(contact_email_address=CONTACT)


def call(text: str, active_loop: Optional[str] = None, action: str = "action_answer_cost") -> dict[str, Any]:
    """An action call as Rasa sends it: the parts the guard reads."""
    ranking = [{"name": "nlu_fallback", "confidence": 0.5}, {"name": "ask_cost", "confidence": 0.4}]
    return {"next_action": action, "sender_id": "visitor-7",
            "tracker": {"sender_id": "visitor-7", "active_loop": {"name": active_loop} if active_loop else {},
                        "latest_message": {"text": text, "message_id": "m1", "intent_ranking": ranking}}}


@pytest.mark.parametrize("value, expected", [(None, 8.0), ("2.5", 2.5), ("300", 300.0)])
def test_action_timeout_is_a_setting(value, expected):
    assert Settings.from_env({} if value is None else {"ACTION_TIMEOUT_S": value}).action_timeout_s == expected


@pytest.mark.parametrize("value", ["0", "-1", "abc", "301", "nan"])
def test_a_bad_action_timeout_is_refused(value):
    with pytest.raises(SettingsError, match="ACTION_TIMEOUT_S"):
        Settings.from_env({"ACTION_TIMEOUT_S": value})


def test_endpoints_send_actions_through_the_guard(tmp_path):
    settings = Settings.from_env({"VAR_DIR": str(tmp_path), "BOT_PORT": "5100", "ACTIONS_PORT": "5200",
                                  "ACTION_TIMEOUT_S": "2.5", "BIND_HOST": "0.0.0.0"})
    first = yaml.safe_load(write_endpoints(settings).read_text("utf-8"))["action_endpoint"]
    second = yaml.safe_load(write_endpoints(settings).read_text("utf-8"))["action_endpoint"]
    assert first["url"] == f"http://127.0.0.1:5100/webhooks/{ActionGuardInput.name()}/webhook"
    assert len(first["token"]) >= 40 and first["token"] != second["token"]
    endpoint = EndpointConfig.from_dict(first)  # as Rasa reads it
    assert Upstream.of(endpoint) == Upstream("http://127.0.0.1:5200/webhook", 2.5)
    assert authorised(first["token"], endpoint)
    assert not authorised(second["token"], endpoint) and not authorised(None, endpoint)
    assert not authorised(first["token"], EndpointConfig(url="http://127.0.0.1:5055/webhook"))
    assert Upstream.of(EndpointConfig(url=first["url"], token=first["token"], upstream=first["upstream"])) is None


@pytest.mark.parametrize("email, responses, said", [
    (CONTACT, {"utter_action_unavailable": []}, {"response": "utter_action_unavailable",
                                                 "contact_email_address": CONTACT}),
    (None, {"utter_action_unavailable": []}, {"response": "utter_knowledge_unavailable"}),  # no address
    (CONTACT, {}, {"response": "utter_knowledge_unavailable"}),  # a model trained before the response
])
def test_the_guard_answers_in_the_action_servers_place(email, responses, said):
    assert guard_apology(email, responses) == {"events": [], "responses": [said]}


def test_one_apology_per_visitor_message():
    guard = ActionGuardInput()
    assert [guard.first_failure(call("a")), guard.first_failure(call("a"))] == [True, False]
    other = call("b")
    other["tracker"]["latest_message"]["message_id"] = "m2"
    assert guard.first_failure(other)


def test_the_log_keeps_the_question_but_not_what_is_typed_for_a_handoff():
    kept = review_entry(call("combien ça coûte ?"), "désolé")
    assert kept == store.Entry(sender_id="visitor-7", text="combien ça coûte ?", reason="action_unavailable",
                               intents=[{"name": "ask_cost", "confidence": 0.4}], reply="désolé",
                               entry="action_answer_cost")
    assert review_entry(call("marie@example.org", active_loop="handoff_form"), "désolé").text == ""
    assert review_entry(call("Marie Dupont", action="validate_handoff_form"), "désolé").text == ""


@dataclass
class Server:
    """One server process of the assistant, started in its own process group."""

    name: str
    command: list[str]
    env: dict[str, str]
    ready_url: str
    log: Path
    process: Optional[subprocess.Popen] = None

    def start(self) -> None:
        with self.log.open("a") as out:
            self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 300
        while not answers(self.ready_url):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"{self.name} did not start:\n{self.log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.3)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.running():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@dataclass
class Stack:
    rasa: Server
    actions: Server
    bot_port: int
    actions_port: int
    review_url: str
    domain: dict[str, Any] = field(default_factory=dict)

    def ask(self, text: str, sender: str) -> tuple[list[str], float]:
        """The texts of the replies, and how long they took."""
        body = json.dumps({"sender": sender, "message": text}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.bot_port}/webhooks/rest/webhook", data=body,
                                         headers={"Content-Type": "application/json"})
        start = time.monotonic()
        with urllib.request.urlopen(request, timeout=60) as response:
            replies = json.loads(response.read())
        return [reply.get("text", "") for reply in replies], time.monotonic() - start

    def actions_up(self) -> None:
        if not self.actions.running():
            self.actions.start()

    def actions_down(self) -> None:
        self.actions.stop()

    def logged(self, sender: str) -> list[dict[str, Any]]:
        with store.session(self.review_url) as session:
            return [row for row in store.entries(session=session) if row["conversation"] == pseudonym(sender)]


@pytest.fixture(scope="module")
def stack(tmp_path_factory, kb_url, domain):
    var = tmp_path_factory.mktemp("faults")
    bot_port, actions_port = free_port(), free_port()
    env = {key: value for key, value in os.environ.items()
           if key not in ("SMTP_HOST", "HANDOFF_TO", "REVIEW_TOKEN", "TRACKER_DB_URL", "LOCK_STORE_URL")}
    env.update({"VAR_DIR": str(var), "KNOWLEDGE_DB_URL": kb_url, "REVIEW_DB_URL": f"sqlite:///{var / 'review.db'}",
                "HANDOFF_DB_URL": f"sqlite:///{var / 'handoff.db'}", "BOT_PORT": str(bot_port),
                "ACTIONS_PORT": str(actions_port), "ACTION_TIMEOUT_S": str(TIMEOUT_S), "PYTHONPATH": str(ROOT),
                "SANIC_HOST": "127.0.0.1", "RASA_ENABLE_API": "true", "RASA_AUTH_TOKEN": API_TOKEN})
    settings = Settings.from_env(env)
    if not settings.model_path.is_file():
        pytest.fail(f"{settings.model_path} is missing: run `make train` (make test does it)")
    lines = commands(settings, write_endpoints(settings))
    running = Stack(
        rasa=Server("rasa", lines["rasa"], env, f"http://127.0.0.1:{bot_port}/", var / "rasa.log"),
        actions=Server("actions", lines["actions"], env, f"http://127.0.0.1:{actions_port}/health",
                       var / "actions.log"),
        bot_port=bot_port, actions_port=actions_port, review_url=settings.review_db_url, domain=domain)
    try:
        running.actions.start()
        running.rasa.start()
        yield running
    finally:
        running.rasa.stop()
        running.actions.stop()


def test_the_enabled_api_requires_its_token(stack):
    url = f"http://127.0.0.1:{stack.bot_port}/status"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url, timeout=10)
    assert refused.value.code == 401
    with urllib.request.urlopen(f"{url}?token={API_TOKEN}", timeout=10) as response:
        assert response.status == 200 and "model_file" in json.loads(response.read())
    command_line = Path(f"/proc/{stack.rasa.process.pid}/cmdline").read_bytes()
    assert API_TOKEN.encode() not in command_line


class Silent:
    """Listens on a port, accepts every connection and never answers (a hung action server)."""

    def __init__(self, port: int) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen(16)
        self.listener.settimeout(0.2)
        self.connections: list[socket.socket] = []
        self.closing = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while not self.closing.is_set():
            try:
                self.connections.append(self.listener.accept()[0])
            except socket.timeout:
                continue

    def __enter__(self) -> "Silent":
        self.thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self.closing.set()
        self.thread.join()
        for connection in [*self.connections, self.listener]:
            connection.close()


def assert_apologised_and_logged(stack: Stack, sender: str, question: str, replies: list[str]) -> None:
    assert replies == [apology(stack.domain)]
    [row] = stack.logged(sender)
    assert (row["text"], row["reason"], row["entry"], row["reply"]) == (
        question, "action_unavailable", "action_answer_cost", apology(stack.domain))
    assert row["intents"][0]["name"] == "ask_cost" and sender not in json.dumps(row)


def test_action_server_down_gets_a_polite_answer_at_once(stack):
    stack.actions_down()
    sender, question = uuid.uuid4().hex, "Combien coûte la formation ?"
    replies, took = stack.ask(question, sender)
    assert took < MARGIN_S
    assert_apologised_and_logged(stack, sender, question, replies)
    # The next message is answered (and logged) on its own: one apology per message, not per conversation.
    replies, _ = stack.ask("et en financement individuel ?", sender)
    assert replies == [apology(stack.domain)] and len(stack.logged(sender)) == 2


def test_silent_action_server_gets_a_polite_answer_after_the_timeout(stack):
    stack.actions_down()
    sender, question = uuid.uuid4().hex, "Combien coûte la formation ?"
    with Silent(stack.actions_port) as silent:
        replies, took = stack.ask(question, sender)
        assert silent.connections, "the guard should have called the action server"
    assert TIMEOUT_S <= took < TIMEOUT_S + MARGIN_S
    assert_apologised_and_logged(stack, sender, question, replies)


def test_socketio_visitors_get_the_apology_too(stack):
    import socketio

    stack.actions_down()

    async def talk() -> tuple[dict, float]:
        client = socketio.AsyncClient()
        replies: asyncio.Queue = asyncio.Queue()
        client.on("bot_uttered", replies.put_nowait)
        await client.connect(f"http://127.0.0.1:{stack.bot_port}", socketio_path="/socket.io",
                             transports=["polling"])
        session = uuid.uuid4().hex
        await client.emit("session_request", {"session_id": session})
        start = time.monotonic()
        await client.emit("user_uttered", {"message": "c'est éligible au CPF ?", "session_id": session})
        try:
            return await asyncio.wait_for(replies.get(), timeout=30), time.monotonic() - start
        finally:
            await client.disconnect()

    reply, took = asyncio.run(talk())
    assert reply["text"] == apology(stack.domain) and took < MARGIN_S


def test_only_rasa_may_call_the_guard(stack):
    request = urllib.request.Request(f"http://127.0.0.1:{stack.bot_port}/webhooks/action_guard/webhook",
                                     data=json.dumps(call("x")).encode(), headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403


def test_a_restarted_rasa_server_continues_the_conversation(stack):
    stack.actions_up()
    form, follow_up = uuid.uuid4().hex, uuid.uuid4().hex
    assert "Quel est le diplôme le plus élevé que vous avez obtenu" in "\n".join(stack.ask("je voudrais vérifier mon éligibilité", form)[0])
    assert "Combien d'années d'expérience" in "\n".join(stack.ask("un BTS", form)[0])
    assert "10 005 €" in "\n".join(stack.ask("Combien coûte la formation ?", follow_up)[0])
    before = stack.rasa.process.pid
    stack.rasa.stop()
    stack.rasa.start()
    assert stack.rasa.process.pid != before
    # The form resumes at the question it had asked; the follow-up still knows its topic.
    assert "surtout professionnelle" in "\n".join(stack.ask("7 ans", form)[0])
    outcome = "\n".join(stack.ask("salariée dans un centre social", form)[0])
    assert "une dérogation est a priori envisageable" in outcome and "✔ Expérience : 7 an(s)" in outcome
    individual = "\n".join(stack.ask("et en financement individuel ?", follow_up)[0])
    assert "5 000,50 €" in individual and "10 005" not in individual
