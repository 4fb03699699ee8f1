"""Rasa's SQL tracker store, without blocking the server while the database works.

Rasa 3.6's SQLTrackerStore runs its queries synchronously inside the server's event loop: each
message waits for the database of every other conversation, and on SQLite for an fsync per
commit. This store is the same store (same tables, so `type: SQL` reads what it wrote) with:
- its queries in a worker thread, so that one conversation's database time is not
  everyone's wait;
- on SQLite, write-ahead logging with `synchronous=NORMAL` (commits survive a crash of the
  server; only a power cut can lose the last ones) and a busy timeout, so that concurrent
  writers wait instead of failing, on a few connections kept open;
- Core statements instead of ORM queries (same rows, same filters as Rasa's `_event_query`):
  one INSERT for all the new events of a turn, the stored count as one SELECT, and only the
  `data` column read back. Under load, Rasa's ORM flush, count and row objects took a fifth
  of the server's CPU (py-spy, 10 visitors, 2026-11-23).

    tracker_store:
      type: bot.server.tracker_store.ConcurrentSQLTrackerStore
      dialect: sqlite
      db: var/tracker.db
"""
from __future__ import annotations

import asyncio
import functools
import itertools
import json
from typing import Any, Dict, List, Optional, Text

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from rasa.shared.core.events import SessionStarted
from sqlalchemy import create_engine, event, func, insert, or_, select
from sqlalchemy.orm import sessionmaker
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.pool import QueuePool

SQLITE_BUSY_TIMEOUT_MS = 10_000
# Open SQLite connections kept; more threads wait for one (SQLite writes one at a time anyway).
SQLITE_POOL_SIZE = 5


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


class ConcurrentSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore with its queries off the event loop (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            # SQLAlchemy 1.4 opens a new SQLite connection per session (NullPool), each paying
            # for its pragmas; a small pool keeps them open, shared by the worker threads.
            url = self.engine.url
            self.engine.dispose()
            self.engine = create_engine(url, poolclass=QueuePool, pool_size=SQLITE_POOL_SIZE,
                                        connect_args={"check_same_thread": False})
            event.listen(self.engine, "connect", _sqlite_pragmas)
            self.sessionmaker = sessionmaker(bind=self.engine)

    async def _in_thread(self, function: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, functools.partial(function, *args))

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the events the database does not have yet, in a worker thread."""
        await self.stream_events(tracker)
        await self._in_thread(self._save_events, tracker)

    def _conversation(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> List[ColumnElement]:
        """The filter of Rasa's `_event_query` (pinned in bot/server/patches.py): the sender's events,
        by default only those of its latest session (from its last `session_started` on, or all)."""
        table = self.SQLEvent
        where = [table.sender_id == sender_id]
        if not fetch_events_from_all_sessions:
            session_start = (
                select(func.max(table.timestamp))
                .where(table.sender_id == sender_id, table.type_name == SessionStarted.type_name)
                .scalar_subquery()
            )
            where.append(or_(table.timestamp >= session_start, session_start.is_(None)))
        return where

    def _save_events(self, tracker: DialogueStateTracker) -> None:
        with self.session_scope() as session:
            stored = session.execute(
                select(func.count()).select_from(self.SQLEvent).where(*self._conversation(tracker.sender_id, False))
            ).scalar_one()
            rows = []
            for new in itertools.islice(tracker.events, stored, None):
                data = new.as_dict()
                rows.append({
                    "sender_id": tracker.sender_id, "type_name": new.type_name,
                    "timestamp": data.get("timestamp"),
                    "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                    "action_name": data.get("name"), "data": json.dumps(data),
                })
            if rows:
                session.execute(insert(self.SQLEvent), rows)
            session.commit()

    async def _retrieve(self, sender_id: Text,
                        fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        """The conversation's events, read in a worker thread, replayed into a tracker."""
        events = await self._in_thread(self._read_events, sender_id, fetch_events_from_all_sessions)
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    def _read_events(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> List[Dict[str, Any]]:
        with self.session_scope() as session:
            data = session.execute(
                select(self.SQLEvent.data)
                .where(*self._conversation(sender_id, fetch_events_from_all_sessions))
                .order_by(self.SQLEvent.id)
            ).scalars()
            return [json.loads(text) for text in data]
