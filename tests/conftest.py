"""Shared fixtures: a knowledge database built in a temporary folder, the domain."""
from __future__ import annotations

import email
import email.policy
import socket
from typing import Any, Dict

import pytest

from bot.settings import ROOT
from knowledge.build import build
from knowledge.db import make_engine
from knowledge.loader import read_dataset

SEEDS = ROOT.parent / "shared" / "seeds"


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """aiosmtpd handler of a real SMTP server on loopback: keeps what it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos,
                              email.message_from_bytes(envelope.content, policy=email.policy.default)))
        return "250 Message accepted"


def pytest_configure(config: pytest.Config) -> None:
    # Rasa 3.6 and its dependencies warn about their own deprecated APIs.
    for line in ("ignore::DeprecationWarning", "ignore::PendingDeprecationWarning",
                 "ignore::UserWarning:rasa.*", "ignore::FutureWarning"):
        config.addinivalue_line("filterwarnings", line)


@pytest.fixture(autouse=True)
def isolated_state(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test writes under var/ or data/: every database and file goes to a temporary folder."""
    var = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("VAR_DIR", str(var))
    monkeypatch.setenv("REVIEW_DB_URL", f"sqlite:///{var / 'review.db'}")
    monkeypatch.setenv("HANDOFF_DB_URL", f"sqlite:///{var / 'handoff.db'}")
    monkeypatch.setenv("PROMOTE_FILE", str(var / "promoted.yml"))
    for name in ("SMTP_HOST", "HANDOFF_TO", "REVIEW_TOKEN", "KNOWLEDGE_DB_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def dataset():
    return read_dataset()


@pytest.fixture(scope="session")
def kb_url(tmp_path_factory: pytest.TempPathFactory, dataset) -> str:
    """URL of a knowledge database built from knowledge/data."""
    url = f"sqlite:///{tmp_path_factory.mktemp('kb') / 'knowledge.db'}"
    engine = make_engine(url)
    build(engine, dataset)
    engine.dispose()
    return url


@pytest.fixture()
def use_kb(kb_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the action server's settings at the test database."""
    monkeypatch.setenv("KNOWLEDGE_DB_URL", kb_url)
    return kb_url


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    """The domain as Rasa sends it to the action server."""
    from rasa.shared.core.domain import Domain

    return Domain.load(str(ROOT / "bot" / "domain")).as_dict()
