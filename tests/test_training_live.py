"""Staff change the running assistant over real HTTP, on a `python -m bot` of its own (with its
own knowledge base, as these tests change it): a fact updated from a new document, answered at
once; questions taught, trained, switched to while five visitors talk, then answered."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Optional

import pytest

from bot.settings import ROOT
from tests.conftest import NEW_PAGE, NEW_QUOTE, NEW_VALUES, TODAY, free_port
from tests.running_assistant import start_assistant

MODEL = ROOT / "models" / "assistant.tar.gz"
TOKEN = "live-training-token"
# Questions the trained model does not take for questions on the cost.
TAUGHT = ("quel est le montant de la douloureuse", "ça me reviendrait à combien tout ça")
VISITOR_QUESTIONS = ("combien coûte la formation ?", "c'est éligible au CPF ?", "bonjour",
                     "où se passe la formation ?", "quels sont les prérequis ?", "et la VAE ?")


@dataclass
class Live:
    bot: str
    web: str
    pid: int = 0

    def rasa_rss_mb(self) -> float:
        """Resident memory of the Rasa server process (`python -m bot.server`)."""
        from bot.tools.load import descendants
        from bot.tools.soak import module, rss_mb

        return max((rss_mb(pid) for pid in descendants(self.pid)[1:] if module(pid) == "bot.server"), default=0.0)

    def ask(self, text: str, sender: Optional[str] = None) -> tuple[int, list]:
        body = json.dumps({"sender": sender or uuid.uuid4().hex, "message": text}).encode()
        request = urllib.request.Request(f"{self.bot}/webhooks/rest/webhook", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())

    def api(self, method: str, path: str, body: Optional[dict] = None) -> tuple[int, dict]:
        request = urllib.request.Request(f"{self.web}/review/api/{path}", method=method,
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"Authorization": f"Bearer {TOKEN}",
                                                  "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def served(self) -> str:
        with urllib.request.urlopen(f"{self.bot}/webhooks/model_swap/", timeout=10) as response:
            return json.loads(response.read())["model"]


@pytest.fixture(scope="module")
def trainable_assistant(tmp_path_factory):
    if not MODEL.is_file():
        pytest.fail(f"{MODEL} is missing: run `make train` (make test does it)")
    var = tmp_path_factory.mktemp("var-training")
    bot_port, actions_port, web_port = free_port(), free_port(), free_port()
    env = {**os.environ, "VAR_DIR": str(var), "KNOWLEDGE_DB_URL": f"sqlite:///{var / 'knowledge.db'}",
           "BOT_PORT": str(bot_port), "ACTIONS_PORT": str(actions_port), "WEB_PORT": str(web_port),
           "REVIEW_TOKEN": TOKEN, "MODEL_POLL_S": "1", "ASSISTANT_TODAY": TODAY}
    built = subprocess.run([sys.executable, "-m", "knowledge", "build"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr
    process = start_assistant(env, var / "serve.log")
    yield Live(f"http://127.0.0.1:{bot_port}", f"http://127.0.0.1:{web_port}", process.pid)
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def replies(live: Live, text: str) -> str:
    return "\n".join(m.get("text", "") for m in live.ask(text)[1])


def test_a_fact_updated_from_a_new_document_is_answered_and_cited_at_once(trainable_assistant):
    live = trainable_assistant
    question = "si c'est mon employeur qui paie, combien coûte la formation ?"
    assert "10 005 €" in replies(live, question)
    assert live.api("POST", "sources", {"id": "cestes-2026", "title": "page de la formation (34e promotion)",
                                        "date": "2026-11-15", "text": NEW_PAGE})[0] == 201
    refused = live.api("PUT", "facts/cost.third_party", {"values": NEW_VALUES, "source": "cestes-2026",
                                                         "quote": NEW_QUOTE + " garanti", "reason": "34e promotion"})
    assert refused == (422, {"error": "refusé : la citation n'est pas dans le document"})
    assert "10 005 €" in replies(live, question)
    status, fact = live.api("PUT", "facts/cost.third_party", {"values": NEW_VALUES, "source": "cestes-2026",
                                                              "quote": NEW_QUOTE, "reason": "34e promotion"})
    assert (status, fact["version"], fact["source"]) == (200, 2, "cestes-2026")
    answer = replies(live, question)
    assert "10 500 €" in answer and "10 005 €" not in answer
    assert "Source : page de la formation (34e promotion), novembre 2026" in answer
    status, restored = live.api("POST", "facts/cost.third_party/restore", {"version": 1, "reason": "erreur de saisie"})
    assert (status, restored["version"]) == (200, 3)
    assert "10 005 €" in replies(live, question)


@dataclass
class Visitors:
    """Visitors asking ordinary questions in a loop, each in their own conversation."""

    live: Live
    count: int = 5
    stop: threading.Event = field(default_factory=threading.Event)
    requests: list = field(default_factory=list)  # (started, ended, ok, what went wrong)

    def talk(self, index: int) -> None:
        sender, turn = f"visitor-{index}-{uuid.uuid4().hex[:6]}", index
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                status, messages = self.live.ask(VISITOR_QUESTIONS[turn % len(VISITOR_QUESTIONS)], sender)
                ok, problem = status == 200 and bool(messages) and all(m.get("text") for m in messages), ""
                problem = "" if ok else f"{status} {messages!r}"[:300]
            except (OSError, ValueError) as error:
                ok, problem = False, repr(error)
            self.requests.append((started, time.monotonic(), ok, problem))
            turn += 1

    threads: list = field(default_factory=list)

    def start(self) -> None:
        self.threads = [threading.Thread(target=self.talk, args=(i,), daemon=True) for i in range(self.count)]
        for thread in self.threads:
            thread.start()

    def leave(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=90)


def test_taught_questions_are_answered_after_training_and_a_switch_no_visitor_notices(trainable_assistant):
    live = trainable_assistant
    for text in TAUGHT:
        assert "10 005 €" not in " ".join(m.get("text", "") for m in live.ask(text)[1])
    status, logged = live.api("GET", "unanswered")
    ids = {row["text"]: row["id"] for row in logged["items"]}
    assert set(TAUGHT) <= set(ids), logged
    for text in TAUGHT:
        assert live.api("POST", "promote", {"id": ids[text], "intent": "ask_cost"})[0] == 200
    before = live.served()
    status, started = live.api("POST", "train", {"author": "test"})
    assert status == 202, started
    job, deadline = started["job"], time.monotonic() + 1500
    phases: dict[str, float] = {}
    memory: dict[str, float] = {"avant": live.rasa_rss_mb()}  # the Rasa server's, MB, highest per phase
    visitors = Visitors(live)
    try:
        while True:
            status, found = live.api("GET", f"train/{job}")
            phases.setdefault(found["phase"], time.monotonic())
            memory[found["phase"]] = max(memory.get(found["phase"], 0.0), live.rasa_rss_mb())
            # The visitors come once the model is trained (during the training they would only
            # slow it down) and talk until after the switch.
            if found["phase"] != "entraînement" and not visitors.threads:
                visitors.start()
            if found["status"] != "running" or time.monotonic() > deadline:
                break
            time.sleep(1)
        time.sleep(3)
        memory["après"] = live.rasa_rss_mb()
    finally:
        visitors.leave()
    assert found["status"] == "done", (found["error"], found["log"][-3000:])
    assert found["heldout"]["passed"] is True
    assert found["heldout"]["taught"] == {"total": 2, "understood": 2, "misunderstood": []}
    assert live.served() == found["model"] != before
    for text in TAUGHT:
        assert "10 005 €" in " ".join(m.get("text", "") for m in live.ask(text)[1])
    failures = [r for r in visitors.requests if not r[2]]
    switching = [r for r in visitors.requests if phases["mise en service"] <= r[0] <= phases["terminé"]]
    slowest = max((r[1] - r[0] for r in switching), default=0.0)
    print(f"\nswitch: {len(visitors.requests)} requests by 5 visitors from the check to the end, {len(switching)} while "
          f"switching, failures {len(failures)}, slowest while switching {slowest:.2f} s, "
          f"phases {({k: round(v - phases['entraînement'], 1) for k, v in phases.items()})}, "
          f"Rasa server memory (MB) {memory}")
    assert failures == []
    assert len(switching) >= 5
