"""Idempotent (re)build of the knowledge database from the data files."""
from __future__ import annotations

from dataclasses import dataclass

import logging
from typing import Optional

from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from knowledge.db import create_tables
from knowledge.loader import Dataset, SourceRecord
from knowledge.models import Base, Fact, FactVersion, Source
from knowledge.queries import utcnow
from knowledge.revision import record_change


@dataclass(frozen=True)
class BuildReport:
    """How many rows a build added, changed and removed."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    total: int = 0


def _assign(row: object, fields: dict) -> bool:
    changed = False
    for name, value in fields.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


logger = logging.getLogger(__name__)


def _outdated(engine: Engine) -> bool:
    """True when a knowledge table exists without a column the models now have."""
    inspector = inspect(engine)
    for table in Base.metadata.sorted_tables:
        if inspector.has_table(table.name):
            present = {column["name"] for column in inspector.get_columns(table.name)}
            if set(table.columns.keys()) - present:
                return True
    return False


def init_db(engine: Engine) -> None:
    """Create the tables that do not exist yet. Tables of an older layout are dropped first:
    everything in them is rebuilt from the data files."""
    if _outdated(engine):
        logger.warning("knowledge database of an older layout: rebuilding its tables")
        Base.metadata.drop_all(engine)
    create_tables(Base.metadata, engine)


# Who made the versions that come from the data files.
DATA_AUTHOR, DATA_REASON = "données du dépôt", "construction depuis knowledge/data"


def _record(session: Session, row: Fact, source_file: str) -> None:
    session.add(FactVersion(key=row.key, version=row.version, values=row.values, quote=row.quote,
                            source_file=source_file, review_by=row.review_by, author=DATA_AUTHOR,
                            reason=DATA_REASON, created_at=utcnow()))


def _document_text(dataset: Dataset, record: SourceRecord) -> Optional[str]:
    """The text of an exported staff document (kept in the database, for quotes checked at
    save); None for a seed document."""
    if not record.text_file:
        return None
    return (dataset.data_dir / record.text_file).read_text("utf-8")


def build(engine: Engine, dataset: Dataset) -> BuildReport:
    """Make the database hold the dataset, in one transaction, without touching what staff
    changed: facts they edited and documents they added (knowledge/edits.py) are kept."""
    init_db(engine)
    added = updated = removed = 0
    with Session(engine, future=True) as session, session.begin():
        sources = {row.file: row for row in session.scalars(select(Source))}
        for record in dataset.sources:
            fields = dict(label=record.label, date=record.date, validity=record.validity,
                          status=record.status, published=record.published,
                          valid_until=record.valid_until, text=_document_text(dataset, record))
            row = sources.get(record.file)
            if row is None:
                row = sources[record.file] = Source(file=record.file, **fields)
                session.add(row)
                added += 1
            elif _assign(row, fields):
                updated += 1
        session.flush()

        facts = {row.key: row for row in session.scalars(select(Fact))}
        wanted = {record.key for record in dataset.facts}
        for key, row in facts.items():
            if key not in wanted and not row.edited:
                session.delete(row)
                removed += 1
        for record in dataset.facts:
            fields = dict(topic=record.topic, label=record.label, status=record.status,
                          quote=record.quote, values=record.values,
                          applies_to=list(record.applies_to), note=record.note,
                          review_by=record.review_by, source_id=sources[record.source].id,
                          file=record.file)
            row = facts.get(record.key)
            if row is None:
                row = Fact(key=record.key, version=1, edited=False, **fields)
                session.add(row)
                _record(session, row, record.source)
                added += 1
            elif row.edited:
                continue  # staff changed it: their version stands until they restore another
            elif _assign(row, fields):
                row.version += 1
                _record(session, row, record.source)
                updated += 1
        session.flush()

        known = {record.file for record in dataset.sources}
        for file, row in sources.items():
            if file not in known and row.text is None and not row.facts:
                session.delete(row)
                removed += 1
        if added or updated or removed:
            record_change(session)
    return BuildReport(added, updated, removed, total=len(dataset.facts))
