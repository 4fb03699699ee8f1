"""The knowledge base's change stamp (models.Revision): written in the transaction of every
change (knowledge/build.py, knowledge/edits.py), read by the action server before each answer on
a server database, where no file's modification time tells it that the facts changed."""
from __future__ import annotations

import uuid
from typing import Optional

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from knowledge.models import Revision
from knowledge.queries import utcnow

_ROW = 1


def stamp(session: Session) -> Optional[str]:
    """The current stamp; None before any change was recorded."""
    return session.scalar(select(Revision.stamp).where(Revision.id == _ROW))


def record_change(session: Session) -> None:
    """A new stamp, in the caller's transaction. A random one, not a counter: a database rebuilt
    from scratch never repeats a stamp a process still holds."""
    values = {"stamp": uuid.uuid4().hex, "changed_at": utcnow()}
    if not session.execute(update(Revision).where(Revision.id == _ROW).values(**values)).rowcount:
        session.add(Revision(id=_ROW, **values))
        session.flush()
