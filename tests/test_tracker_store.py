"""The tracker store: Rasa's SQL tables, queries off the event loop, SQLite in WAL mode."""
from __future__ import annotations

import asyncio
import json
import sqlite3

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.settings import ROOT
from bot.server.tracker_store import ConcurrentSQLTrackerStore


def conversation(sender: str, turns: int) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, [])
    for turn in range(turns):
        tracker.update(UserUttered(f"question {turn}", {"name": "ask_cost", "confidence": 0.9}))
        tracker.update(ActionExecuted("action_answer_cost"))
        tracker.update(SlotSet("last_topic", "action_answer_cost"))
        tracker.update(ActionExecuted("action_listen"))
    return tracker


def test_fifty_conversations_saved_at_once_lose_nothing(tmp_path):
    domain = Domain.load(str(ROOT / "bot" / "domain"))
    path = tmp_path / "tracker.db"
    store = ConcurrentSQLTrackerStore(domain=domain, dialect="sqlite", db=str(path))

    async def scenario() -> list:
        trackers = [conversation(f"visitor-{n}", 3) for n in range(50)]
        await asyncio.gather(*(store.save(t) for t in trackers))
        for tracker in trackers:  # a second turn each, saved at once again
            tracker.update(UserUttered("merci", {"name": "thanks", "confidence": 1.0}))
        await asyncio.gather(*(store.save(t) for t in trackers))
        return await asyncio.gather(*(store.retrieve(f"visitor-{n}") for n in range(50)))

    retrieved = asyncio.run(scenario())
    assert [len(t.events) for t in retrieved] == [13] * 50
    assert all(t.get_slot("last_topic") == "action_answer_cost" for t in retrieved)
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT count(*) FROM events").fetchone() == (650,)
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    # Rasa's own store reads the same tables.
    plain = SQLTrackerStore(domain=domain, dialect="sqlite", db=str(path))
    assert len(asyncio.run(plain.retrieve("visitor-7")).events) == 13


def test_an_unknown_conversation_is_none(tmp_path):
    store = ConcurrentSQLTrackerStore(domain=Domain.load(str(ROOT / "bot" / "domain")), dialect="sqlite",
                                      db=str(tmp_path / "tracker.db"))
    assert asyncio.run(store.retrieve("nobody")) is None


def test_reads_and_counts_the_rows_rasas_queries_select(tmp_path):
    from rasa.shared.core.events import SessionStarted

    domain = Domain.load(str(ROOT / "bot" / "domain"))
    path = tmp_path / "tracker.db"
    ours = ConcurrentSQLTrackerStore(domain=domain, dialect="sqlite", db=str(path))
    rasa = SQLTrackerStore(domain=domain, dialect="sqlite", db=str(path))
    tracker = conversation("two-sessions", 2)
    asyncio.run(ours.save(tracker))
    assert len(ours._read_events("two-sessions", False)) == 8  # no session start: everything
    tracker = asyncio.run(ours.retrieve("two-sessions"))  # as Rasa does at every message
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    for event in conversation("two-sessions", 1).events:
        tracker.update(event)
    asyncio.run(ours.save(tracker))
    tracker = asyncio.run(ours.retrieve("two-sessions"))
    asyncio.run(ours.save(tracker))  # nothing new: nothing written twice
    with rasa.session_scope() as session:
        latest = [row.data for row in rasa._event_query(session, "two-sessions", False).all()]
        everything = [row.data for row in rasa._event_query(session, "two-sessions", True).all()]
    assert len(everything) == 14 and len(latest) == 5  # session_started + one turn
    assert [json.dumps(d) for d in ours._read_events("two-sessions", False)] == latest
    assert [json.dumps(d) for d in ours._read_events("two-sessions", True)] == everything
    assert [e.type_name for e in asyncio.run(ours.retrieve("two-sessions")).events][:2] == ["session_started", "user"]
