"""Submit a candidate's request: store it first, then send it if SMTP is configured.

Blocking (database, SMTP): the action server calls it in a worker thread.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Optional

from sqlalchemy.exc import SQLAlchemyError

from bot import db
from bot.handoff import store
from bot.handoff.delivery import deliver
from bot.handoff.models import PENDING, SENT
from bot.settings import Settings
from knowledge import queries
from knowledge.db import KnowledgeUnavailable

logger = logging.getLogger(__name__)

NOT_STORED = "not_stored"


@dataclass(frozen=True)
class Outcome:
    """What happened to a request: sent, stored and pending, or not stored at all."""

    status: str
    request_id: Optional[int] = None


def cestes_address(settings: Settings) -> Optional[str]:
    """The CESTES address of the knowledge base, or None when it cannot be read."""
    try:
        with db.existing_session(settings.knowledge_db_url) as session:
            return queries.contact_address(session)
    except (KnowledgeUnavailable, SQLAlchemyError) as error:
        logger.error("handoff: no CESTES address (%s)", error.__class__.__name__)
        return None


def recipient(settings: Settings) -> Optional[str]:
    """HANDOFF_TO, or the CESTES address of the knowledge base."""
    return settings.handoff_to or cestes_address(settings)


def submit(new: store.NewRequest, settings: Settings, to: Optional[str]) -> Outcome:
    """Nothing is lost: the request is stored before any attempt to send it."""
    try:
        with store.session(settings.handoff_db_url) as session, session.begin():
            request_id = store.record(session=session, new=new)
    except SQLAlchemyError as error:
        logger.error("handoff request could not be stored: %s", error.__class__.__name__)
        return Outcome(NOT_STORED)
    if not to or settings.smtp is None:
        return Outcome(PENDING, request_id)
    status = deliver(settings=settings, request_id=request_id, to=to)
    return Outcome(SENT if status == SENT else PENDING, request_id)
