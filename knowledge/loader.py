"""Read and validate the knowledge data files (knowledge/data/*.yml)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Optional

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"
SOURCES_FILE = "sources.yml"
STATUSES = ("current", "history", "other_programme")
_KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class KnowledgeDataError(ValueError):
    """A data file is malformed; the message names the file and the entry."""

    def __init__(self, file: Path, entry: str, problem: str) -> None:
        super().__init__(f"{file.name}: {entry}: {problem}")
        self.file, self.entry, self.problem = file, entry, problem


@dataclass(frozen=True)
class SourceRecord:
    """One seed document."""

    file: str
    label: str
    # When it was published, as said in answers ("novembre 2024"), and as a date.
    date: str
    validity: str
    status: str
    published: Optional[date] = None
    # The day after which the document no longer describes the programme (an expired RNCP
    # registration, a past edition), if known.
    valid_until: Optional[date] = None
    # A document staff added (exported by `python -m knowledge export`): its text, under
    # knowledge/data/; the seed documents are in the seed folder instead.
    text_file: Optional[str] = None


@dataclass(frozen=True)
class FactRecord:
    """One fact as written in a data file."""

    key: str
    topic: str
    label: str
    status: str
    source: str
    quote: str
    values: dict[str, Any]
    applies_to: tuple[str, ...] = ()
    note: Optional[str] = None
    # After this date the fact must be checked again with the CESTES (prices, CPF...).
    review_by: Optional[date] = None
    file: str = field(default="", compare=False)


@dataclass(frozen=True)
class Dataset:
    """Everything the knowledge database is built from."""

    sources: tuple[SourceRecord, ...]
    facts: tuple[FactRecord, ...]
    data_dir: Path = DATA_DIR


def _read_yaml(path: Path, top_key: str) -> list[Any]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise KnowledgeDataError(path, "file", f"not valid YAML ({error})") from error
    if not isinstance(document, dict) or not isinstance(document.get(top_key), list):
        raise KnowledgeDataError(path, "file", f"expected a top-level list '{top_key}'")
    return document[top_key]


def _text(path: Path, entry: str, item: dict, name: str, required: bool = True) -> str:
    value = item.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise KnowledgeDataError(path, entry, f"'{name}' must be a non-empty string")
    return value.strip()


def _check_values(path: Path, entry: str, values: Any) -> dict[str, Any]:
    if not isinstance(values, dict) or not values:
        raise KnowledgeDataError(path, entry, "'values' must be a non-empty mapping")
    for name, value in values.items():
        if not isinstance(name, str) or not _NAME.match(name):
            raise KnowledgeDataError(path, entry, f"value name {name!r} must be snake_case")
        items = value if isinstance(value, list) else [value]
        if isinstance(value, list) and not value:
            raise KnowledgeDataError(path, entry, f"value '{name}' is an empty list")
        for item in items:
            leaves = item.values() if isinstance(item, dict) and isinstance(value, list) else [item]
            for leaf in leaves:
                if isinstance(leaf, bool) or not isinstance(leaf, (str, int)):
                    raise KnowledgeDataError(
                        path, entry, f"value '{name}' holds {leaf!r}: only text and integers"
                    )
    return values


def _date(path: Path, entry: str, item: dict, name: str) -> Optional[date]:
    """An optional ISO date (YAML reads 2025-11-18 as a date already)."""
    value = item.get(name)
    if value is None:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise KnowledgeDataError(path, entry, f"'{name}' must be a date (YYYY-MM-DD), not {value!r}") from None


def read_sources(path: Path) -> tuple[SourceRecord, ...]:
    """Read sources.yml."""
    records = []
    for index, item in enumerate(_read_yaml(path, "sources")):
        entry = f"source #{index + 1}"
        if not isinstance(item, dict):
            raise KnowledgeDataError(path, entry, "must be a mapping")
        record = SourceRecord(
            file=_text(path, entry, item, "file"),
            label=_text(path, entry, item, "label"),
            date=str(item.get("date", "")).strip(),
            validity=_text(path, entry, item, "validity"),
            status=_text(path, entry, item, "status"),
            published=_date(path, entry, item, "published"),
            valid_until=_date(path, entry, item, "valid_until"),
            text_file=_text(path, entry, item, "text_file", required=False) or None,
        )
        if record.published is None:
            raise KnowledgeDataError(path, record.file, "'published' (YYYY-MM-DD) is required")
        if len(record.date) > 120:
            raise KnowledgeDataError(path, record.file, "'date' is what answers say: 120 characters at most")
        if record.status not in STATUSES:
            raise KnowledgeDataError(path, record.file, f"status must be one of {STATUSES}")
        records.append(record)
    return tuple(records)


def _read_fact(path: Path, index: int, item: Any, sources: dict[str, SourceRecord]) -> FactRecord:
    entry = f"fact #{index + 1}"
    if not isinstance(item, dict):
        raise KnowledgeDataError(path, entry, "must be a mapping")
    key = _text(path, entry, item, "key")
    if not _KEY.match(key):
        raise KnowledgeDataError(path, key, "key must look like 'topic.name' (lower case)")
    applies_to = item.get("applies_to") or []
    if not isinstance(applies_to, list) or not all(isinstance(a, str) for a in applies_to):
        raise KnowledgeDataError(path, key, "'applies_to' must be a list of names")
    fact = FactRecord(
        key=key,
        topic=_text(path, key, item, "topic"),
        label=_text(path, key, item, "label"),
        status=_text(path, key, item, "status"),
        source=_text(path, key, item, "source"),
        quote=_text(path, key, item, "quote"),
        values=_check_values(path, key, item.get("values")),
        applies_to=tuple(applies_to),
        note=_text(path, key, item, "note", required=False) or None,
        review_by=_date(path, key, item, "review_by"),
        file=path.name,
    )
    if fact.status not in STATUSES:
        raise KnowledgeDataError(path, key, f"status must be one of {STATUSES}")
    source = sources.get(fact.source)
    if source is None:
        raise KnowledgeDataError(path, key, f"source {fact.source!r} is not in {SOURCES_FILE}")
    if (source.status == "other_programme") != (fact.status == "other_programme"):
        raise KnowledgeDataError(
            path, key, "only facts of the other-programme document are 'other_programme'"
        )
    if source.status == "history" and fact.status == "current" and not fact.note:
        raise KnowledgeDataError(
            path, key, "a current fact from a historical document needs a 'note' saying why"
        )
    return fact


def document_path(source: SourceRecord, seeds: Path, data_dir: Path = DATA_DIR) -> Path:
    """Where a document's text is: under knowledge/data/ for one staff added, else the seeds."""
    return data_dir / source.text_file if source.text_file else seeds / source.file


def read_dataset(data_dir: Path = DATA_DIR) -> Dataset:
    """Read and validate every data file; raise KnowledgeDataError on the first problem."""
    sources = read_sources(data_dir / SOURCES_FILE)
    by_file = {source.file: source for source in sources}
    facts: list[FactRecord] = []
    seen: dict[str, str] = {}
    for path in sorted(data_dir.glob("*.yml")):
        if path.name == SOURCES_FILE:
            continue
        for index, item in enumerate(_read_yaml(path, "facts")):
            fact = _read_fact(path, index, item, by_file)
            if fact.key in seen:
                raise KnowledgeDataError(path, fact.key, f"key already used in {seen[fact.key]}")
            seen[fact.key] = path.name
            facts.append(fact)
    return Dataset(sources=sources, facts=tuple(facts), data_dir=data_dir)
