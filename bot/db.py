"""Databases of the assistant's processes: one engine per URL, sessions, the clock, pseudonyms.

Every process (action server, Rasa server, web app, command lines) gets its engines here:
created on first use (never at import), cached per URL, disposed by `dispose_all()` at
shutdown. Stores and queries never create engines; they take a session
(`fn(*, session, ...)`), as in the FastAPI full-stack template. SQLite files get WAL and a
busy timeout, so that the several processes writing the review log take turns instead of
failing; their folder is created if needed.
"""
from __future__ import annotations

import datetime
import hashlib
import threading
from pathlib import Path

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from knowledge.db import create_tables, require_built

# A writer waits this long for another process's write lock before failing.
SQLITE_BUSY_TIMEOUT_MS = 10_000

_engines: dict[str, Engine] = {}
_tables: set[tuple[str, int]] = set()
_lock = threading.Lock()


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _create(url: str) -> Engine:
    parsed = make_url(url)
    sqlite = parsed.get_backend_name() == "sqlite"
    if sqlite and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    # SQLite connections may be used by the worker threads that actions and the web app use.
    connect_args = {"check_same_thread": False} if sqlite else {}
    created = create_engine(url, future=True, pool_pre_ping=not sqlite, connect_args=connect_args)
    if sqlite:
        event.listen(created, "connect", _sqlite_pragmas)
    return created


def engine(url: str) -> Engine:
    """The process's engine for a SQLAlchemy URL, created on first use."""
    found = _engines.get(url)
    if found is None:
        with _lock:
            found = _engines.get(url) or _engines.setdefault(url, _create(url))
    return found


def session(url: str, metadata: MetaData | None = None) -> Session:
    """A new session on the URL's engine; the tables of `metadata` are created on first use."""
    bound = engine(url)
    if metadata is not None and (url, id(metadata)) not in _tables:
        with _lock:
            if (url, id(metadata)) not in _tables:
                create_tables(metadata, bound)
                _tables.add((url, id(metadata)))
    return Session(bound, future=True)


def existing_session(url: str) -> Session:
    """A session on a database that must already be built (the knowledge base): a missing
    SQLite file raises KnowledgeUnavailable instead of being created empty."""
    require_built(url)
    return session(url)


def dispose_all() -> None:
    """Close every engine's connections (at shutdown, or in tests between databases)."""
    with _lock:
        for created in _engines.values():
            created.dispose()
        _engines.clear()
        _tables.clear()


def utcnow() -> datetime.datetime:
    """Naive UTC time, as stored."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def pseudonym(sender_id: str) -> str:
    """A stable id for a conversation that does not reveal the sender id."""
    return hashlib.sha256(sender_id.encode("utf-8")).hexdigest()[:16]
