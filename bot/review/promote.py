"""Write logged questions as training examples, into a YAML file staff review before training.

The file is settings.promote_file (PROMOTE_FILE, by default under VAR_DIR): any path works,
its folder is created when missing. It is Rasa 3.x NLU data, each example with who taught it
and when in Rasa's per-example metadata (read by Rasa, unused for training):

    - intent: ask_cost
      examples:
      - text: combien ça coûte
        metadata:
          author: Marie
          taught_at: '2026-12-01T10:12:03Z'
          question: 12                      the review log's row, when there is one

A text has one intent in the file: taught again with another intent it moves there, with its
new author and date; taught again with the same intent it keeps its first ones. Files written
by earlier versions (`examples: |` lines, no metadata) are still read, and rewritten in this form.
"""
from __future__ import annotations

import datetime
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

import yaml

from bot.db import utcnow
from bot.settings import ROOT

HEADER = ("# Questions promoted from the review page (/review): check them; `make adopt-promoted`\n"
          "# copies them into data/nlu/promoted.yml, which the next `make train` uses.\n"
          "# Each one was asked by a visitor and could not be answered well; its metadata says who\n"
          "# taught it and when.\n")
# The intent of questions outside the programme (bot/domain/fallback.yml): the page's "Hors sujet".
OUT_OF_SCOPE = "out_of_scope"
# The web app promotes in worker threads: two promotions at once must not lose one's example.
_write_lock = threading.Lock()


def domain_intents() -> set[str]:
    """Intents of the domain (bot/domain/*.yml)."""
    intents: set[str] = set()
    for path in (ROOT / "bot" / "domain").glob("*.yml"):
        intents.update(yaml.safe_load(path.read_text("utf-8")).get("intents") or [])
    return intents


def clean_example(text: str) -> str:
    """One line, without the characters Rasa reads as entity markup."""
    return re.sub(r"\s+", " ", re.sub(r"[\[\]{}()]", " ", text or "")).strip()


@dataclass(frozen=True)
class Example:
    """A training example of the file, and what is known of its teaching (author, taught_at,
    question; nothing for the examples written by earlier versions)."""

    text: str
    intent: str
    metadata: dict[str, Any] = field(default_factory=dict)


def read_taught(path: Path) -> list[Example]:
    """The examples of the file, in its order: each with its metadata in the current form,
    without any in the earlier `examples: |` form."""
    if not path.is_file():
        return []
    document = yaml.safe_load(path.read_text("utf-8")) or {}
    found: list[Example] = []
    for block in document.get("nlu") or []:
        intent, examples = block.get("intent"), block.get("examples") or []
        if not intent:
            continue
        if isinstance(examples, str):
            found += [Example(line[2:].strip(), intent) for line in examples.splitlines() if line.startswith("- ")]
            continue
        for item in examples:
            if isinstance(item, dict) and str(item.get("text") or "").strip():
                found.append(Example(str(item["text"]).strip(), intent, dict(item.get("metadata") or {})))
    return found


def read_examples(path: Path) -> dict[str, list[str]]:
    """Examples per intent already in the file."""
    found: dict[str, list[str]] = {}
    for example in read_taught(path):
        found.setdefault(example.intent, []).append(example.text)
    return found


def _write(path: Path, examples: Iterable[Example]) -> None:
    blocks: dict[str, list[dict[str, Any]]] = {}
    for example in examples:
        item: dict[str, Any] = {"text": example.text}
        if example.metadata:
            item["metadata"] = example.metadata
        blocks.setdefault(example.intent, []).append(item)
    document = {"version": "3.1", "nlu": [{"intent": name, "examples": blocks[name]} for name in sorted(blocks)]}
    # safe_dump quotes what YAML would read as another type (a date, a number, "oui"), and
    # never folds a long question over several lines.
    body = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, default_flow_style=False, width=1 << 20)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside then renamed, so that a crash never leaves half a file.
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(HEADER + body, "utf-8")
    tmp.replace(path)


def merge(path: Path, incoming: Iterable[Example]) -> list[Example]:
    """Write examples into the file: one already there under the same intent keeps its first
    metadata, one there under another intent moves (with its new metadata); return the examples
    added or moved."""
    with _write_lock:
        taught = {example.text: example for example in read_taught(path)}
        changed = []
        for example in incoming:
            known = taught.get(example.text)
            if known is not None and known.intent == example.intent:
                continue
            taught.pop(example.text, None)
            taught[example.text] = example
            changed.append(example)
        if changed:
            _write(path, taught.values())
    return changed


def teach(path: Path, questions: Iterable[tuple[str, Optional[int]]], intent: str,
          author: Optional[str] = None, when: Optional[datetime.datetime] = None) -> list[str]:
    """Write each question (its text, its review-log row or None) as an example of the intent;
    return the examples as written, once each. ValueError, in French, for an unknown intent or
    when no question has any text left once markup is removed (nothing is written then)."""
    if intent not in domain_intents():
        raise ValueError(f"intention inconnue : {intent!r}")
    taught_at = (when or utcnow()).strftime("%Y-%m-%dT%H:%M:%SZ")
    examples: dict[str, Example] = {}
    for text, question in questions:
        example = clean_example(text)
        if example and example not in examples:
            metadata: dict[str, Any] = {"author": author} if author else {}
            metadata["taught_at"] = taught_at
            if question is not None:
                metadata["question"] = question
            examples[example] = Example(example, intent, metadata)
    if not examples:
        raise ValueError("rien à enseigner : la question est vide une fois les caractères [ ] { } ( ) retirés")
    merge(path, examples.values())
    return list(examples)


def promote(path: Path, text: str, intent: str, author: Optional[str] = None,
            question: Optional[int] = None) -> str:
    """Write one question as an example of the intent (see teach); return it as written."""
    return teach(path, [(text, question)], intent, author)[0]
