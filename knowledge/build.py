"""Idempotent (re)build of the knowledge database from the data files."""
from __future__ import annotations

from dataclasses import dataclass

import logging

from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from knowledge.db import create_tables
from knowledge.loader import Dataset
from knowledge.models import Base, Fact, Source


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


def build(engine: Engine, dataset: Dataset) -> BuildReport:
    """Make the database hold exactly the dataset, in one transaction."""
    init_db(engine)
    added = updated = removed = 0
    with Session(engine, future=True) as session, session.begin():
        sources = {row.file: row for row in session.scalars(select(Source))}
        for record in dataset.sources:
            fields = dict(label=record.label, date=record.date, validity=record.validity,
                          status=record.status, published=record.published,
                          valid_until=record.valid_until)
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
            if key not in wanted:
                session.delete(row)
                removed += 1
        for record in dataset.facts:
            fields = dict(topic=record.topic, label=record.label, status=record.status,
                          quote=record.quote, values=record.values,
                          applies_to=list(record.applies_to), note=record.note,
                          review_by=record.review_by, source_id=sources[record.source].id)
            row = facts.get(record.key)
            if row is None:
                session.add(Fact(key=record.key, **fields))
                added += 1
            elif _assign(row, fields):
                updated += 1
        session.flush()

        known = {record.file for record in dataset.sources}
        for file, row in sources.items():
            if file not in known:
                session.delete(row)
                removed += 1
    return BuildReport(added, updated, removed, total=len(dataset.facts))
