"""SQLAlchemy model of the review log."""
from __future__ import annotations

from sqlalchemy import JSON, DateTime, Integer, String, Text
from sqlalchemy.orm import declarative_base
from sqlalchemy.schema import Column

from bot.db import utcnow

Base = declarative_base()

REASONS = ("fallback", "ambiguity", "low_confidence", "out_of_scope", "negative_feedback",
           "action_failure", "action_unavailable")
STATUSES = ("new", "resolved", "ignored", "promoted")


class LoggedQuestion(Base):
    """A message the assistant could not answer well, and what staff decided about it."""

    __tablename__ = "logged_question"

    id = Column(Integer, primary_key=True)
    created_at = Column(DateTime, nullable=False, default=utcnow, index=True)
    conversation = Column(String(64), nullable=False, index=True)
    text = Column(Text, nullable=False)
    normalised = Column(String(500), nullable=False, index=True)
    intents = Column(JSON, nullable=False, default=list)
    reply = Column(Text, nullable=False, default="")
    reason = Column(String(20), nullable=False, index=True)
    entry = Column(String(120))
    status = Column(String(10), nullable=False, default="new", index=True)
    promoted_intent = Column(String(60))
