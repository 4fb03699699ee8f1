"""Access from the action server to the knowledge database, with an in-memory copy.

Every answer needs the current facts, and the knowledge base changes only when `make knowledge`
rebuilds it. The action server therefore keeps the facts in memory and reads them again when
the database changes: for a SQLite file, when its size or modification time (or its WAL's)
changes; for a server database (PostgreSQL), when the stamp builds and staff edits write
(knowledge/revision.py) changes, and after REFRESH_S seconds in any case (a change made by hand
in SQL records no stamp).
Blocking (file system, database): actions call `load_facts` in a worker thread.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Iterable, Optional

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot import db
from bot.settings import Settings
from knowledge import queries, revision
from knowledge.db import KnowledgeUnavailable
from knowledge.queries import FactView

# How long facts read from a server database are reused at most.
REFRESH_S = 30.0


@dataclass(frozen=True)
class _Snapshot:
    version: object
    facts: tuple[FactView, ...]


_snapshots: dict[str, _Snapshot] = {}
_lock = threading.Lock()


def _version(url: str) -> object:
    """What changes when the database does (see the module docstring)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        stamps = []
        for path in (parsed.database, f"{parsed.database}-wal"):
            try:
                stat = os.stat(path)
                stamps.append((stat.st_mtime_ns, stat.st_size, stat.st_ino))
            except FileNotFoundError:
                stamps.append(None)
        if stamps[0] is None:
            raise KnowledgeUnavailable(f"knowledge database {parsed.database} not found: run `make knowledge`")
        return tuple(stamps)
    try:
        with db.existing_session(url) as session:
            stamp = revision.stamp(session)
    except SQLAlchemyError:
        # Unreadable (built before stamps, or unreachable for a moment): the copy in memory
        # stands until the period ends.
        known = _snapshots.get(url)
        stamp = known.version[0] if known is not None and isinstance(known.version, tuple) else None
    return stamp, int(time.monotonic() // REFRESH_S)


def _read(url: str) -> tuple[FactView, ...]:
    try:
        with db.existing_session(url) as session:
            return tuple(queries.facts(session, statuses=queries.CURRENT + queries.SUPERSEDED))
    except SQLAlchemyError as error:
        raise KnowledgeUnavailable(f"knowledge database {url} unreadable: {error}") from error


def all_facts(url: str) -> tuple[FactView, ...]:
    """Every fact of the database, from memory while the database is unchanged."""
    version = _version(url)
    snapshot = _snapshots.get(url)
    if snapshot is None or snapshot.version != version:
        with _lock:
            snapshot = _snapshots.get(url)
            if snapshot is None or snapshot.version != version:
                snapshot = _Snapshot(version, _read(url))
                _snapshots[url] = snapshot
    return snapshot.facts


def load_facts(
    topics: Iterable[str], url: Optional[str] = None
) -> tuple[list[FactView], list[FactView]]:
    """All current facts, and the superseded facts of the given topics."""
    url = url or Settings.from_env().knowledge_db_url
    facts = all_facts(url)
    current = [f for f in facts if f.status in queries.CURRENT]
    if not current:
        raise KnowledgeUnavailable(f"knowledge database {url} is empty: run `make knowledge`")
    wanted = set(topics)
    superseded = [f for f in facts if f.status in queries.SUPERSEDED and f.topic in wanted]
    return current, superseded
