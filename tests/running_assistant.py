"""The running assistant shared by the REST, socket.io and widget tests (a pytest plugin of
tests/conftest.py): one `python -m bot` for the whole session, with a real SMTP inbox."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.settings import ROOT, Settings
from tests.conftest import TODAY, Inbox, free_port

MODEL = ROOT / "models" / "assistant.tar.gz"
READY = "The assistant is ready"
REVIEW_TOKEN = "review-token-for-tests"


@dataclass
class Running:
    process: subprocess.Popen
    bot_port: int
    actions_port: int
    log: Path
    web_port: int = 0
    # Reserved for a test page served from another origin than the programme page's, and
    # allowed in CORS_ORIGINS besides the defaults (tests/test_socketio_browser.py).
    page_port: int = 0

    def ask(self, text, sender=None):
        body = json.dumps({"sender": sender or uuid.uuid4().hex, "message": text}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.bot_port}/webhooks/rest/webhook", data=body,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())


def start_assistant(env: dict, log: Path) -> subprocess.Popen:
    """`python -m bot` with this environment, once it says it is ready (its output in log)."""
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while READY not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"assistant did not start:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.5)
    return process


@pytest.fixture(scope="session")
def inbox():
    from aiosmtpd.controller import Controller

    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.port = port
    yield handler
    controller.stop()


@pytest.fixture(scope="session")
def assistant(tmp_path_factory, kb_url, inbox):
    """`python -m bot` as `make run` starts it, shared by the REST, socket.io and widget tests."""
    if not MODEL.is_file():
        pytest.fail(f"{MODEL} is missing: run `make train` (make test does it)")
    var = tmp_path_factory.mktemp("var")
    bot_port, actions_port, web_port, page_port = free_port(), free_port(), free_port(), free_port()
    # The origins the assistant allows anyway (CORS_ORIGINS if set, else the programme page's),
    # and the test page's.
    origins = Settings.from_env({"WEB_PORT": str(web_port),
                                 "CORS_ORIGINS": os.environ.get("CORS_ORIGINS", "")}).cors_origins
    env = {**os.environ, "VAR_DIR": str(var), "KNOWLEDGE_DB_URL": kb_url,
           "CORS_ORIGINS": ",".join([*origins, f"http://127.0.0.1:{page_port}"]),
           "BOT_PORT": str(bot_port), "ACTIONS_PORT": str(actions_port),
           "WEB_PORT": str(web_port), "REVIEW_TOKEN": REVIEW_TOKEN,
           "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(inbox.port),
           "HANDOFF_FROM": "assistant@cestes.test", "ASSISTANT_TODAY": TODAY}
    log = var / "serve.log"
    process = start_assistant(env, log)
    running = Running(process, bot_port, actions_port, log, web_port, page_port)
    yield running
    if process.poll() is None:
        process.kill()
