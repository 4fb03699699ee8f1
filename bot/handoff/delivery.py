"""Send one stored request, and record the result."""
from __future__ import annotations

import logging

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.handoff import mailer, store
from bot.handoff.models import PENDING
from bot.settings import Settings
from knowledge import queries
from knowledge.db import open_existing

logger = logging.getLogger(__name__)


def recipient(settings: Settings) -> str:
    """HANDOFF_TO, or the CESTES address of the knowledge base."""
    if settings.handoff_to:
        return settings.handoff_to
    engine = open_existing(settings.knowledge_db_url)
    try:
        with Session(engine) as session:
            fact = queries.fact_by_key(session, "contact.email")
    finally:
        engine.dispose()
    if fact is None:
        raise LookupError("no contact.email in the knowledge base: run `make knowledge`")
    return str(fact.values["address"])


def deliver(engine: Engine, request_id: int, settings: Settings, to: str) -> str:
    """Try to send a stored request; return its new status (pending when SMTP is not set)."""
    request = store.get(engine, request_id)
    if settings.smtp is None:
        return PENDING
    message = mailer.build_message(request, settings.handoff_from, to)
    status, error = mailer.send(message, settings.smtp)
    store.mark(engine, request_id, status, error)
    # Ids only: no name, e-mail or phone in the server logs.
    logger.info("handoff request %s: %s%s", request_id, status, f" ({error})" if error else "")
    return status
