"""Send one stored request by e-mail, and record the result."""
from __future__ import annotations

import logging

from bot.handoff import mailer, store
from bot.handoff.models import PENDING
from bot.settings import Settings

logger = logging.getLogger(__name__)


def deliver(*, settings: Settings, request_id: int, to: str) -> str:
    """Try to send a stored request; return its new status (pending when SMTP is not set)."""
    if settings.smtp is None:
        return PENDING
    with store.session(settings.handoff_db_url) as session:
        request = store.get(session=session, request_id=request_id)
        message = mailer.build_message(request, settings.handoff_from, to)
    status, error = mailer.send(message, settings.smtp)
    with store.session(settings.handoff_db_url) as session, session.begin():
        store.mark(session=session, request_id=request_id, status=status, error=error)
    # Ids only: no name, e-mail or phone in the server logs.
    logger.info("handoff request %s: %s%s", request_id, status, f" ({error})" if error else "")
    return status
