"""Access from the action server to the knowledge database."""
from __future__ import annotations

import functools
from typing import Iterable, Optional

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.settings import Settings
from knowledge import queries
from knowledge.db import KnowledgeUnavailable, open_existing
from knowledge.queries import FactView


@functools.lru_cache(maxsize=4)
def _engine(url: str) -> Engine:
    return open_existing(url)


def load_facts(
    topics: Iterable[str], url: Optional[str] = None
) -> tuple[list[FactView], list[FactView]]:
    """All current facts, and the superseded facts of the given topics."""
    url = url or Settings.from_env().knowledge_db_url
    try:
        with Session(_engine(url)) as session:
            current = queries.facts(session, statuses=queries.CURRENT)
            superseded = queries.facts(session, statuses=queries.SUPERSEDED, topics=topics)
    except SQLAlchemyError as error:
        raise KnowledgeUnavailable(f"knowledge database {url} unreadable: {error}") from error
    if not current:
        raise KnowledgeUnavailable(f"knowledge database {url} is empty: run `make knowledge`")
    return current, superseded
