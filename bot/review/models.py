"""SQLAlchemy models of the review log, and of the trainings started from the review page with
the models they released (read by every Rasa server, see bot/server/model_swap.py)."""
from __future__ import annotations

from sqlalchemy import JSON, BigInteger, DateTime, Integer, String, Text
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


JOB_STATUSES = ("running", "done", "failed")


class TrainingJob(Base):
    """A training started from the review page: what it is doing, its verdict, its model."""

    __tablename__ = "training_job"

    id = Column(String(32), primary_key=True)
    author = Column(String(120), nullable=False)
    started_at = Column(DateTime, nullable=False, default=utcnow, index=True)
    finished_at = Column(DateTime)
    status = Column(String(10), nullable=False, default="running", index=True)
    phase = Column(String(40), nullable=False, default="")
    model = Column(String(120))
    heldout = Column(JSON)
    error = Column(Text)


class ModelRelease(Base):
    """A model that passed its checks, to be served by every Rasa server: the newest one wins."""

    __tablename__ = "model_release"

    id = Column(Integer, primary_key=True)
    job = Column(String(32), nullable=False)
    model = Column(String(120), nullable=False)
    size = Column(BigInteger, nullable=False)
    released_at = Column(DateTime, nullable=False, default=utcnow)


class ServedModel(Base):
    """What one Rasa server process serves, as it last reported it (every few seconds)."""

    __tablename__ = "served_model"

    instance = Column(String(120), primary_key=True)
    model = Column(String(120), nullable=False)
    error = Column(Text)
    seen_at = Column(DateTime, nullable=False, default=utcnow, index=True)

