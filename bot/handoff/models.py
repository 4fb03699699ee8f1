"""SQLAlchemy model of the handoff requests."""
from __future__ import annotations

from sqlalchemy import JSON, DateTime, Integer, String, Text
from sqlalchemy.orm import declarative_base
from sqlalchemy.schema import Column

from bot.db import utcnow

Base = declarative_base()

PENDING, SENT, FAILED = "pending", "sent", "failed"


class HandoffRequest(Base):
    """A candidate's request for the CESTES: details, eligibility answers, transcript."""

    __tablename__ = "handoff_request"

    id = Column(Integer, primary_key=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    status = Column(String(10), nullable=False, default=PENDING, index=True)
    conversation = Column(String(64), nullable=False)
    name = Column(String(200), nullable=False)
    email = Column(String(254), nullable=False)
    phone = Column(String(40))
    question = Column(Text, nullable=False)
    eligibility = Column(JSON, nullable=False, default=dict)
    transcript = Column(Text, nullable=False, default="")
    attempts = Column(Integer, nullable=False, default=0)
    sent_at = Column(DateTime)
    last_error = Column(String(300))
