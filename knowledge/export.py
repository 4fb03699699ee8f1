"""`python -m knowledge export`: staff changes written back to knowledge/data/, for a developer
to review and commit.

- Documents staff added: their text to `documents/<id>.txt`, their entry appended to
  `sources.yml` (with `text_file`), once.
- Facts staff changed: their entry in their data file replaced by the current version, with a
  comment saying who changed it, when and why (the file's other entries and comments untouched).

A second export changes nothing; a build from the exported files gives the same facts.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import desc, select
from sqlalchemy.orm import Session, joinedload

from knowledge.loader import DATA_DIR, SOURCES_FILE
from knowledge.models import Fact, FactVersion, Source

DOCUMENTS = "documents"
STAFF_FILE = "staff.yml"


@dataclass
class ExportReport:
    """What an export wrote."""

    documents: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)


def _block(entry: dict[str, Any], indent: str = "  ") -> str:
    dumped = yaml.safe_dump([entry], allow_unicode=True, sort_keys=False, width=100)
    return "".join(indent + line + "\n" for line in dumped.splitlines())


def _source_entry(source: Source) -> str:
    entry = {"file": source.file, "label": source.label, "date": source.date,
             "published": source.published.isoformat(), "validity": source.validity,
             "status": source.status, "text_file": f"{DOCUMENTS}/{source.file}.txt"}
    return f"  # Added by {source.added_by} from the review pages.\n" + _block(entry)


def _fact_entry(fact: Fact, change: FactVersion) -> str:
    entry: dict[str, Any] = {"key": fact.key, "topic": fact.topic, "label": fact.label, "status": fact.status}
    if fact.note:
        entry["note"] = fact.note
    entry.update({"source": fact.source.file, "quote": fact.quote, "values": fact.values})
    if fact.applies_to:
        entry["applies_to"] = list(fact.applies_to)
    lines = _block(entry).splitlines(keepends=True)
    comment = (f"    # Version {change.version}, by {change.author} on "
               f"{change.created_at.date().isoformat()}: {change.reason}\n")
    if fact.review_by:
        # review_by goes after status, with its reason, as the data files have it.
        at = next(i for i, line in enumerate(lines) if line.startswith("    status:")) + 1
        lines[at:at] = [comment.replace("    # Version", "    # Review date of version"),
                        f"    review_by: {fact.review_by.isoformat()}\n"]
    return comment.replace("    #", "  #", 1) + "".join(lines)


def _replace_fact(text: str, key: str, block: str) -> str:
    """The data file's text with the entry of `key` replaced (with its leading comments), or the
    entry appended."""
    lines = text.splitlines(keepends=True)
    entry = next((i for i, line in enumerate(lines) if line.rstrip() == f"  - key: {key}"), None)
    if entry is None:
        return text.rstrip("\n") + "\n\n" + block
    start = entry
    while start > 0 and lines[start - 1].startswith("  #"):
        start -= 1
    end = next((i for i in range(entry + 1, len(lines)) if lines[i].startswith("  - key:")), len(lines))
    # The next entry's own comments and the blank lines before it stay with it.
    while end > entry + 1 and (lines[end - 1].startswith("  #") or not lines[end - 1].strip()):
        end -= 1
    tail = "".join(lines[end:])
    return "".join(lines[:start]) + block + ("\n" + tail.lstrip("\n") if tail.strip() else "")


def export(session: Session, data_dir: Path = DATA_DIR) -> ExportReport:
    """Write staff documents and staff-changed facts into data_dir (see the module docstring)."""
    report = ExportReport()
    sources_path = data_dir / SOURCES_FILE
    sources_text = sources_path.read_text("utf-8")
    listed = {item["file"] for item in yaml.safe_load(sources_text)["sources"]}
    for source in session.scalars(select(Source).where(Source.added_by.is_not(None)).order_by(Source.id)):
        document = data_dir / DOCUMENTS / f"{source.file}.txt"
        document.parent.mkdir(parents=True, exist_ok=True)
        if not document.is_file() or document.read_text("utf-8") != source.text:
            document.write_text(source.text or "", "utf-8")
            report.documents.append(source.file)
        if source.file not in listed:
            sources_text = sources_text.rstrip("\n") + "\n" + _source_entry(source)
            report.documents.append(source.file)
    sources_path.write_text(sources_text, "utf-8")
    edited = session.scalars(select(Fact).options(joinedload(Fact.source)).where(Fact.edited.is_(True)))
    for fact in edited:
        change = session.scalars(select(FactVersion).where(FactVersion.key == fact.key)
                                 .order_by(desc(FactVersion.version))).first()
        path = data_dir / (fact.file or STAFF_FILE)
        text = path.read_text("utf-8") if path.is_file() else "facts:\n"
        updated = _replace_fact(text, fact.key, _fact_entry(fact, change))
        if updated != text:
            path.write_text(updated, "utf-8")
            report.facts.append(fact.key)
    report.documents = sorted(set(report.documents))
    return report
