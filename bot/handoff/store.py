"""Typed writes and reads of handoff requests (SQLite under VAR_DIR by default)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot import db
from bot.db import pseudonym, utcnow
from bot.handoff.models import FAILED, PENDING, SENT, Base, HandoffRequest


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


def session(url: str) -> Session:
    """A session on the handoff database, its table created on first use."""
    return db.session(url, Base.metadata)


def record(*, session: Session, new: NewRequest) -> int:
    """Store a request as pending (in the caller's transaction); return its id."""
    row = HandoffRequest(conversation=new.conversation, name=new.name, email=new.email,
                         phone=new.phone, question=new.question,
                         eligibility=new.eligibility, transcript=new.transcript, status=PENDING)
    session.add(row)
    session.flush()
    return row.id


def get(*, session: Session, request_id: int) -> Optional[HandoffRequest]:
    """One request."""
    return session.get(HandoffRequest, request_id)


def unsent(*, session: Session, include_failed: bool = False) -> list[HandoffRequest]:
    """Requests still to send, oldest first (failed ones only when asked)."""
    statuses = (PENDING, FAILED) if include_failed else (PENDING,)
    return list(session.scalars(
        select(HandoffRequest).where(HandoffRequest.status.in_(statuses)).order_by(HandoffRequest.id)
    ))


def all_requests(*, session: Session) -> list[HandoffRequest]:
    """Every request, newest first."""
    return list(session.scalars(select(HandoffRequest).order_by(HandoffRequest.id.desc())))


def mark(*, session: Session, request_id: int, status: str, error: Optional[str] = None) -> None:
    """Record a sending attempt: sent, still pending (to resend) or failed (refused)."""
    if status not in (PENDING, SENT, FAILED):
        raise ValueError(f"unknown status {status!r}")
    row = session.get(HandoffRequest, request_id)
    row.attempts += 1
    row.status = status
    row.sent_at = utcnow() if status == SENT else None
    row.last_error = None if status == SENT else (error or "")[:300]


def forget_conversation(*, session: Session, conversation: str) -> int:
    """Delete the requests of one conversation (pseudonym, or the raw sender id)."""
    keys = {conversation, pseudonym(conversation)}
    return session.execute(delete(HandoffRequest).where(HandoffRequest.conversation.in_(keys))).rowcount
