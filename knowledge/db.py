"""Engines for the knowledge package's own command line and tests (SQLite file by default,
any SQLAlchemy URL), and table creation shared with bot/db.py.

The assistant's processes take their engines from bot/db.py (cached per URL); this module
imports nothing from bot/ so that the knowledge base stands alone.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Optional

from sqlalchemy import MetaData, create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError


PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The seed documents the data files cite (KNOWLEDGE_SEEDS, else ../shared/seeds beside the project).
SEEDS_DIR = Path(os.environ.get("KNOWLEDGE_SEEDS") or PROJECT_ROOT.parent / "shared" / "seeds")


def var_dir(env: Optional[Mapping[str, str]] = None) -> Path:
    """Where state lives: VAR_DIR, or var/ at the project's root."""
    env = os.environ if env is None else env
    return Path(env.get("VAR_DIR") or PROJECT_ROOT / "var").resolve()


def default_url(env: Optional[Mapping[str, str]] = None) -> str:
    """KNOWLEDGE_DB_URL, or knowledge.db under VAR_DIR."""
    env = os.environ if env is None else env
    return env.get("KNOWLEDGE_DB_URL") or f"sqlite:///{var_dir(env) / 'knowledge.db'}"


def make_engine(url: str) -> Engine:
    """Create an engine; for a SQLite file, create its folder and enforce foreign keys."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # Several processes write the review log at once: WAL lets readers and a writer coexist,
    # and a writer waits up to 10 s for the lock instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


class KnowledgeUnavailable(RuntimeError):
    """The knowledge database is missing, empty or unreadable; the message says the fix."""


def require_built(url: str) -> None:
    """Raise KnowledgeUnavailable when the URL names a SQLite file that does not exist, so
    that opening it never creates an empty database."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        if not Path(parsed.database).is_file():
            raise KnowledgeUnavailable(
                f"knowledge database {parsed.database} not found: run `make knowledge`"
            )


# Any constant bigint: the advisory lock that serialises table creation on PostgreSQL.
_CREATE_TABLES_LOCK = 7_236_111_524


def create_tables(metadata: MetaData, engine: Engine) -> None:
    """Create missing tables; another process creating them at the same moment is fine."""
    if engine.dialect.name == "postgresql":
        # Concurrent CREATE TABLEs collide on PostgreSQL's catalog (a unique violation, not
        # "already exists"): take turns, and each sees the tables the others committed.
        with engine.begin() as connection:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CREATE_TABLES_LOCK})
            metadata.create_all(connection)
        return
    try:
        metadata.create_all(engine)
    except OperationalError as error:
        if "already exists" not in str(error):
            raise
        metadata.create_all(engine)
