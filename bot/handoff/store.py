"""Typed writes and reads of handoff requests (SQLite under var/ by default)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.handoff.models import FAILED, PENDING, SENT, Base, HandoffRequest
from bot.review.models import utcnow
from bot.review.store import pseudonym
from knowledge.db import create_tables, make_engine


@dataclass(frozen=True)
class NewRequest:
    """What the handoff form collected."""

    conversation: str
    name: str
    email: str
    question: str
    phone: Optional[str] = None
    eligibility: dict[str, Any] = field(default_factory=dict)
    transcript: str = ""


def open_store(url: str) -> Engine:
    """An engine on the handoff database, its table created if needed."""
    engine = make_engine(url)
    create_tables(Base.metadata, engine)
    return engine


def record(engine: Engine, new: NewRequest) -> int:
    """Store a request as pending; return its id."""
    with Session(engine) as session, session.begin():
        row = HandoffRequest(conversation=new.conversation, name=new.name, email=new.email,
                             phone=new.phone, question=new.question,
                             eligibility=new.eligibility, transcript=new.transcript, status=PENDING)
        session.add(row)
        session.flush()
        return row.id


def get(engine: Engine, request_id: int) -> Optional[HandoffRequest]:
    """One request, detached from its session."""
    with Session(engine, expire_on_commit=False) as session:
        return session.get(HandoffRequest, request_id)


def unsent(engine: Engine, include_failed: bool = False) -> list[HandoffRequest]:
    """Requests still to send, oldest first (failed ones only when asked)."""
    statuses = (PENDING, FAILED) if include_failed else (PENDING,)
    with Session(engine, expire_on_commit=False) as session:
        return list(session.scalars(
            select(HandoffRequest).where(HandoffRequest.status.in_(statuses))
            .order_by(HandoffRequest.id)
        ))


def all_requests(engine: Engine) -> list[HandoffRequest]:
    """Every request, newest first."""
    with Session(engine, expire_on_commit=False) as session:
        return list(session.scalars(select(HandoffRequest).order_by(HandoffRequest.id.desc())))


def mark(engine: Engine, request_id: int, status: str, error: Optional[str] = None) -> None:
    """Record a sending attempt: sent, still pending (to resend) or failed (refused)."""
    if status not in (PENDING, SENT, FAILED):
        raise ValueError(f"unknown status {status!r}")
    with Session(engine) as session, session.begin():
        row = session.get(HandoffRequest, request_id)
        row.attempts += 1
        row.status = status
        row.sent_at = utcnow() if status == SENT else None
        row.last_error = None if status == SENT else (error or "")[:300]


def forget_conversation(engine: Engine, conversation: str) -> int:
    """Delete the requests of one conversation (pseudonym, or the raw sender id)."""
    keys = {conversation, pseudonym(conversation)}
    with Session(engine) as session, session.begin():
        return session.execute(delete(HandoffRequest).where(HandoffRequest.conversation.in_(keys))).rowcount
