"""The review page's database work: plain blocking functions, which the handlers run in
worker threads (`asyncio.to_thread`) so that the event loop never waits on a database.

Each opens a session on the process's cached engine (bot/db.py); writes run in a transaction.
"""
from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy.engine import make_url

from bot import db
from bot.review import dashboard, promote, store
from bot.settings import Settings

DASHBOARD_DAYS = 14

class RowNotFound(LookupError):
    """No logged question has this id."""


def entries(settings: Settings, filters: store.Filters, limit: int = 1000) -> list[dict[str, Any]]:
    """Logged questions, newest first."""
    with store.session(settings.review_db_url) as session:
        return store.entries(session=session, filters=filters, limit=limit)


def set_status(settings: Settings, ids: Iterable[int], status: str) -> int:
    """Mark rows; return how many changed."""
    with store.session(settings.review_db_url) as session, session.begin():
        return store.set_status(session=session, ids=list(ids), status=status)


def promote_row(settings: Settings, row_id: int, intent: str) -> dict[str, Any]:
    """Write a logged question as an example of the intent, and mark it promoted.
    Raises RowNotFound for an unknown row, ValueError for an unknown intent or an empty example."""
    with store.session(settings.review_db_url) as session, session.begin():
        row = store.get(session=session, row_id=row_id)
        if row is None:
            raise RowNotFound(f"question {row_id} introuvable")
        example = promote.promote(settings.promote_file, row["text"], intent)
        store.set_status(session=session, ids=[row_id], status="promoted", intent=intent)
    return {"file": str(settings.promote_file), "intent": intent, "example": example}


def forget(settings: Settings, conversation: str) -> int:
    """Delete one conversation's rows from the review log; return how many."""
    with store.session(settings.review_db_url) as session, session.begin():
        return store.forget_conversation(session=session, conversation=conversation)


def purge(settings: Settings) -> int:
    """Delete the rows past the retention period; return how many."""
    with store.session(settings.review_db_url) as session, session.begin():
        return store.purge(session=session, days=settings.retention_days)


def tracker_activity(settings: Settings, today: datetime.date) -> dict[str, Any]:
    """The tracker store's figures; empty while Rasa has not created its database."""
    url = make_url(settings.tracker_db_url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        return dashboard.no_activity()  # opening it would create an empty file Rasa has not made
    with db.session(settings.tracker_db_url) as session:
        return dashboard.tracker_activity(session=session, days=DASHBOARD_DAYS, today=today)


def figures(settings: Settings) -> dict[str, Any]:
    """The dashboard over the last DASHBOARD_DAYS days."""
    today = db.utcnow().date()
    since = today - datetime.timedelta(days=DASHBOARD_DAYS - 1)
    logged = entries(settings, store.Filters(since=since), limit=100_000)
    return dashboard.summary(tracker_activity(settings, today), logged, store.groups(logged))


def page_data(settings: Settings, filters: store.Filters) -> dict[str, Any]:
    """Everything the page shows: the groups, the dashboard, the intents one can promote to."""
    return {"groups": store.groups(entries(settings, filters)), "figures": figures(settings),
            "intents": sorted(promote.domain_intents())}
