"""The review page's database work: plain blocking functions, which the handlers run in
worker threads (`asyncio.to_thread`) so that the event loop never waits on a database.

Each opens a session on the process's cached engine (bot/db.py); writes run in a transaction.
"""
from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any, Iterable, Optional

from sqlalchemy import MetaData, Table, and_, or_, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot import db
from bot.handoff import store as handoff_store
from bot.handoff.models import HandoffRequest
from bot.review import dashboard, promote, store, trends
from bot.review.models import LoggedQuestion
from bot.settings import Settings
from bot.review import topic_labels

DASHBOARD_DAYS = 14
ANSWER_PREFIX = "action_answer_"  # the answer actions, one per topic (actions/topics.py)
OUTCOME_SLOT = "eligibility_outcome"  # set by action_eligibility_outcome (actions/eligibility.py)

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


def teach_rows(settings: Settings, ids: list[int], intent: str, author: str) -> dict[str, Any]:
    """Write every listed question as an example of the intent (settings.promote_file, with the
    author, the time and the row), and mark the rows promoted with it; ids that do not exist
    are left out. Raises RowNotFound when none exists, ValueError (in French) for an unknown
    intent or questions without text; then nothing is written."""
    with store.session(settings.review_db_url) as session, session.begin():
        rows = store.get_many(session=session, ids=ids)
        if not rows:
            raise RowNotFound(f"question {ids[0]} introuvable" if len(ids) == 1
                              else f"aucune de ces {len(ids)} questions n'existe")
        examples = promote.teach(settings.promote_file, [(row["text"], row["id"]) for row in rows], intent, author)
        # In the transaction: had the file not been written, no row would be marked.
        store.set_status(session=session, ids=[row["id"] for row in rows], status="promoted", intent=intent)
    return {"taught": len(rows), "intent": intent, "examples": examples}


def promote_row(settings: Settings, row_id: int, intent: str, author: str) -> dict[str, Any]:
    """Write one logged question as an example of the intent, and mark it promoted (teach_rows)."""
    taught = teach_rows(settings, [row_id], intent, author)
    return {"file": str(settings.promote_file), "intent": intent, "example": taught["examples"][0]}


def forget(settings: Settings, conversation: str) -> int:
    """Delete one conversation's rows from the review log; return how many."""
    with store.session(settings.review_db_url) as session, session.begin():
        return store.forget_conversation(session=session, conversation=conversation)


def purge(settings: Settings) -> int:
    """Delete the rows past the retention period; return how many."""
    with store.session(settings.review_db_url) as session, session.begin():
        return store.purge(session=session, days=settings.retention_days)


def _not_created(url: str) -> bool:
    """A SQLite file no process has created yet: opening it would create an empty one."""
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file()


def tracker_activity(settings: Settings, today: datetime.date) -> dict[str, Any]:
    """The tracker store's figures; empty while Rasa has not created its database."""
    if _not_created(settings.tracker_db_url):
        return dashboard.no_activity()
    with db.session(settings.tracker_db_url) as session:
        return dashboard.tracker_activity(session=session, days=DASHBOARD_DAYS, today=today)


def figures(settings: Settings) -> dict[str, Any]:
    """The dashboard over the last DASHBOARD_DAYS days."""
    today = db.utcnow().date()
    since = today - datetime.timedelta(days=DASHBOARD_DAYS - 1)
    logged = entries(settings, store.Filters(since=since), limit=100_000)
    return dashboard.summary(tracker_activity(settings, today), logged, store.groups(logged))


def _utc_day(timestamp: float) -> datetime.date:
    return datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc).date()


def _slot_value(data: Optional[str]) -> Optional[str]:
    """The value of a stored slot event (its JSON); None when it has none or is unreadable."""
    try:
        value = json.loads(data or "").get("value")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) and value else None


def _tracker_rows(settings: Settings, since: datetime.date, rows: trends.WeeklyRows) -> None:
    """Visitor messages, answers per topic and pre-check outcomes (the eligibility_outcome
    slot set by action_eligibility_outcome), from Rasa's `events` table."""
    if _not_created(settings.tracker_db_url):
        return
    start = datetime.datetime.combine(since, datetime.time(), tzinfo=datetime.timezone.utc).timestamp()
    with db.session(settings.tracker_db_url) as session:
        try:
            events = Table("events", MetaData(), autoload_with=session.connection())
        except SQLAlchemyError:  # no table yet: Rasa has stored no conversation
            return
        c = events.c
        asked = select(c.type_name, c.action_name, c.timestamp).where(c.timestamp >= start, or_(
            c.type_name == "user",
            and_(c.type_name == "action", c.action_name.startswith(ANSWER_PREFIX, autoescape=True))))
        for kind, action, timestamp in session.execute(asked):
            if kind == "user":
                rows.questions.append(_utc_day(timestamp))
            else:
                rows.answers.append((_utc_day(timestamp), action.removeprefix(ANSWER_PREFIX)))
        outcomes = select(c.timestamp, c.data).where(c.timestamp >= start, c.type_name == "slot",
                                                     c.action_name == OUTCOME_SLOT)
        for timestamp, data in session.execute(outcomes):
            value = _slot_value(data)
            if value:
                rows.outcomes.append((_utc_day(timestamp), value))


def weekly_charts(settings: Settings, today: Optional[datetime.date] = None) -> list[dict[str, Any]]:
    """The dashboard's weekly charts over trends.WEEKS weeks, the week of today (UTC) last."""
    today = today or db.utcnow().date()
    since = trends.week_starts(today)[0]
    rows = trends.WeeklyRows()
    _tracker_rows(settings, since, rows)
    start = datetime.datetime.combine(since, datetime.time())  # naive UTC, as stored
    with store.session(settings.review_db_url) as session:
        rows.fallbacks = [moment.date() for moment in session.scalars(
            select(LoggedQuestion.created_at).where(LoggedQuestion.created_at >= start,
                                                    LoggedQuestion.reason.in_(dashboard.FALLBACK_REASONS)))]
    if not _not_created(settings.handoff_db_url):
        with handoff_store.session(settings.handoff_db_url) as session:
            rows.handoffs = [moment.date() for moment in session.scalars(
                select(HandoffRequest.created_at).where(HandoffRequest.created_at >= start))]
    return trends.charts(rows, today, topic_labels.answer_topic)


def page_data(settings: Settings, filters: store.Filters) -> dict[str, Any]:
    """Everything the page shows: the groups, the dashboard and its weekly charts, the intents
    one can promote to."""
    return {"groups": store.groups(entries(settings, filters)), "figures": figures(settings),
            "trends": weekly_charts(settings), "intents": topic_labels.by_label(promote.domain_intents())}
