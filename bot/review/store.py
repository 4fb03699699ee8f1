"""Writes and typed queries of the review log (SQLite under var/ by default)."""
from __future__ import annotations

import datetime
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot import db
from bot.db import pseudonym, utcnow
from bot.review.models import REASONS, STATUSES, Base, LoggedQuestion
from knowledge.provenance import normalise

MAX_TEXT = 2000


def session(url: str) -> Session:
    """A session on the review log, its table created on first use."""
    return db.session(url, Base.metadata)


def group_key(text: str) -> str:
    """How similar questions are grouped: case, accents, punctuation and spacing ignored."""
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", normalise(text))).strip()[:500]


@dataclass(frozen=True)
class Entry:
    """One message to log."""

    sender_id: str
    text: str
    reason: str
    intents: list[dict[str, Any]] = field(default_factory=list)
    reply: str = ""
    entry: Optional[str] = None


def record(*, session: Session, item: Entry) -> int:
    """Add a row (in the caller's transaction); return its id."""
    if item.reason not in REASONS:
        raise ValueError(f"unknown reason {item.reason!r}")
    # NUL is refused by PostgreSQL text columns; nothing a visitor means by it is lost.
    text = (item.text or "").replace("\x00", "")[:MAX_TEXT]
    row = LoggedQuestion(
        conversation=pseudonym(item.sender_id), text=text, normalised=group_key(text),
        intents=[{"name": i.get("name"), "confidence": round(float(i.get("confidence") or 0), 4)}
                 for i in item.intents[:3]],
        reply=(item.reply or "").replace("\x00", "")[:MAX_TEXT], reason=item.reason, entry=item.entry,
    )
    session.add(row)
    session.flush()
    return row.id


@dataclass(frozen=True)
class Filters:
    """What staff filter the log on."""

    reason: Optional[str] = None
    status: Optional[str] = None
    since: Optional[datetime.date] = None
    until: Optional[datetime.date] = None


def _select(filters: Filters):
    statement = select(LoggedQuestion).order_by(LoggedQuestion.created_at.desc(), LoggedQuestion.id.desc())
    if filters.reason:
        statement = statement.where(LoggedQuestion.reason == filters.reason)
    if filters.status:
        statement = statement.where(LoggedQuestion.status == filters.status)
    if filters.since:
        statement = statement.where(LoggedQuestion.created_at >= datetime.datetime.combine(filters.since, datetime.time()))
    if filters.until:
        end = datetime.datetime.combine(filters.until + datetime.timedelta(days=1), datetime.time())
        statement = statement.where(LoggedQuestion.created_at < end)
    return statement


def as_dict(row: LoggedQuestion) -> dict[str, Any]:
    """A row as JSON-ready data."""
    return {"id": row.id, "created_at": row.created_at.isoformat(timespec="seconds") + "Z",
            "conversation": row.conversation, "text": row.text, "group": row.normalised,
            "intents": row.intents, "reply": row.reply, "reason": row.reason, "entry": row.entry,
            "status": row.status, "promoted_intent": row.promoted_intent}


def entries(*, session: Session, filters: Filters = Filters(), limit: int = 1000) -> list[dict[str, Any]]:
    """Logged questions, newest first."""
    return [as_dict(row) for row in session.scalars(_select(filters).limit(limit))]


# How close (rapidfuzz token_sort_ratio, 0-100) two normalised questions must be to be one group:
# "combien coute la formation" and "combien coute la formaton" or "cb coute la formation".
NEAR_DUPLICATE = 85.0


def groups(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows grouped by normalised text, near duplicates together (typos, word order), the
    largest groups first; each group lists its variants."""
    from rapidfuzz import fuzz, process

    by_key: dict[str, dict[str, Any]] = {}
    for row in rows:
        group = by_key.setdefault(row["group"], {"group": row["group"], "text": row["text"], "count": 0,
                                                "ids": [], "reasons": Counter(), "last": row["created_at"],
                                                "statuses": Counter(), "variants": [row["group"]],
                                                "reply": row.get("reply"), "intents": row.get("intents") or []})
        group["count"] += 1
        group["ids"].append(row["id"])
        group["reasons"][row["reason"]] += 1
        group["statuses"][row["status"]] += 1
    merged: list[dict[str, Any]] = []
    for group in sorted(by_key.values(), key=lambda g: (-g["count"], g["group"])):
        found = process.extractOne(group["group"], [m["group"] for m in merged], scorer=fuzz.token_sort_ratio,
                                   score_cutoff=NEAR_DUPLICATE) if merged else None
        if found is None:
            merged.append(group)
            continue
        leader = merged[found[2]]
        leader["count"] += group["count"]
        leader["ids"] += group["ids"]
        leader["reasons"].update(group["reasons"])
        leader["statuses"].update(group["statuses"])
        leader["variants"].append(group["group"])
    return sorted(merged, key=lambda g: (-g["count"], g["group"]))


def set_status(*, session: Session, ids: Iterable[int], status: str, intent: Optional[str] = None) -> int:
    """Mark rows; return how many changed."""
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    ids = [int(i) for i in ids]
    result = session.execute(update(LoggedQuestion).where(LoggedQuestion.id.in_(ids))
                             .values(status=status, promoted_intent=intent))
    return result.rowcount


def get(*, session: Session, row_id: int) -> Optional[dict[str, Any]]:
    """One row, or None."""
    row = session.get(LoggedQuestion, row_id)
    return as_dict(row) if row else None


def get_many(*, session: Session, ids: Iterable[int]) -> list[dict[str, Any]]:
    """The rows of these ids that exist, oldest first."""
    statement = (select(LoggedQuestion).where(LoggedQuestion.id.in_([int(i) for i in ids]))
                 .order_by(LoggedQuestion.created_at, LoggedQuestion.id))
    return [as_dict(row) for row in session.scalars(statement)]


def purge(*, session: Session, days: int, now: Optional[datetime.datetime] = None) -> int:
    """Delete rows older than the retention period; return how many."""
    cutoff = (now or utcnow()) - datetime.timedelta(days=days)
    return session.execute(delete(LoggedQuestion).where(LoggedQuestion.created_at < cutoff)).rowcount


def forget_conversation(*, session: Session, conversation: str) -> int:
    """Delete every row of one conversation (pseudonym, or the raw sender id)."""
    # A sender id with NUL (which PostgreSQL refuses even in a query) is stored only as its pseudonym.
    keys = {key for key in (conversation, pseudonym(conversation)) if "\x00" not in key}
    return session.execute(delete(LoggedQuestion).where(LoggedQuestion.conversation.in_(keys))).rowcount
