"""Write a logged question as a training example, into a YAML file staff review before training.

The file is settings.promote_file (PROMOTE_FILE, by default under VAR_DIR): any path works,
its folder is created when missing.
"""
from __future__ import annotations

import re
import threading
from pathlib import Path

import yaml

from bot.settings import ROOT

HEADER = ("# Questions promoted from the review page (/review): check them; `make adopt-promoted`\n"
          "# copies them into data/nlu/promoted.yml, which the next `make train` uses.\n"
          "# Each one was asked by a visitor and could not be answered well.\n")
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


def read_examples(path: Path) -> dict[str, list[str]]:
    """Examples per intent already in the file."""
    if not path.is_file():
        return {}
    document = yaml.safe_load(path.read_text("utf-8")) or {}
    found: dict[str, list[str]] = {}
    for block in document.get("nlu") or []:
        lines = (block.get("examples") or "").splitlines()
        found.setdefault(block["intent"], []).extend(l[2:] for l in lines if l.startswith("- "))
    return found


def promote(path: Path, text: str, intent: str) -> str:
    """Add the example under the intent (once); return the example as written."""
    if intent not in domain_intents():
        raise ValueError(f"unknown intent {intent!r}")
    example = clean_example(text)
    if not example:
        raise ValueError("nothing left to promote once markup is removed")
    with _write_lock:
        examples = read_examples(path)
        if example not in examples.setdefault(intent, []):
            examples[intent].append(example)
        lines = [HEADER.rstrip("\n"), 'version: "3.1"', "nlu:"]
        for name in sorted(examples):
            lines += [f"- intent: {name}", "  examples: |"] + [f"    - {e}" for e in examples[name]]
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside then renamed, so that a crash never leaves half a file.
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text("\n".join(lines) + "\n", "utf-8")
        tmp.replace(path)
    return example
