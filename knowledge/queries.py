"""Typed read-only queries on the knowledge database."""
from __future__ import annotations

from dataclasses import dataclass
import datetime
from datetime import date
from typing import Any, Iterable, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from knowledge.models import Fact

CURRENT = ("current",)
SUPERSEDED = ("history", "other_programme")


@dataclass(frozen=True)
class FactView:
    """A fact with what the assistant needs to say where it comes from."""

    key: str
    topic: str
    label: str
    status: str
    values: dict[str, Any]
    applies_to: tuple[str, ...]
    source_file: str
    source_label: str
    # The source's publication as said in answers ("novembre 2024"), its dates and status.
    source_date: str = ""
    source_published: Optional[date] = None
    source_valid_until: Optional[date] = None
    source_status: str = "current"
    review_by: Optional[date] = None


def view(row: Fact) -> FactView:
    return FactView(
        key=row.key,
        topic=row.topic,
        label=row.label,
        status=row.status,
        values=dict(row.values),
        applies_to=tuple(row.applies_to or ()),
        source_file=row.source.file,
        source_label=row.source.label,
        source_date=row.source.date,
        source_published=row.source.published,
        source_valid_until=row.source.valid_until,
        source_status=row.source.status,
        review_by=row.review_by,
    )


def utcnow() -> datetime.datetime:
    """Now, in UTC, without time zone (as stored)."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def facts(
    session: Session,
    statuses: Iterable[str] = CURRENT,
    topics: Optional[Iterable[str]] = None,
) -> list[FactView]:
    """Facts with the given statuses (of the given topics, or all), in key order."""
    statement = (
        select(Fact)
        .options(joinedload(Fact.source))
        .where(Fact.status.in_(list(statuses)))
        .order_by(Fact.key)
    )
    if topics is not None:
        statement = statement.where(Fact.topic.in_(list(topics)))
    return [view(row) for row in session.scalars(statement)]


def fact_by_key(session: Session, key: str) -> Optional[FactView]:
    """One fact, or None."""
    row = session.scalars(
        select(Fact).options(joinedload(Fact.source)).where(Fact.key == key)
    ).first()
    return view(row) if row else None


def contact_address(session: Session) -> Optional[str]:
    """The CESTES e-mail address (fact contact.email), or None."""
    fact = fact_by_key(session, "contact.email")
    address = fact.values.get("address") if fact is not None else None
    return str(address) if address else None


def count_facts(session: Session) -> int:
    """Number of facts, to tell an empty database from a built one."""
    return session.scalar(select(func.count()).select_from(Fact)) or 0
