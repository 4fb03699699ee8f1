"""Backups of the stores while they are written, restores checked against the manifest."""
from __future__ import annotations

import asyncio
import collections
import contextlib
import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bot import backup as backups
from bot.handoff import store as handoff_store
from bot.review import store as review_store
from bot.settings import ROOT, Settings

STORES = ("handoff", "knowledge", "review", "tracker")


@pytest.fixture()
def var(tmp_path, monkeypatch, kb_url) -> Path:
    """State under a fresh VAR_DIR, the knowledge base elsewhere (as in the tests' assistant)."""
    var = tmp_path / "var"
    var.mkdir()
    monkeypatch.setenv("VAR_DIR", str(var))
    monkeypatch.setenv("KNOWLEDGE_DB_URL", kb_url)
    for name, file in (("REVIEW", "review.db"), ("HANDOFF", "handoff.db"), ("TRACKER", "tracker.db")):
        monkeypatch.setenv(f"{name}_DB_URL", f"sqlite:///{var / file}")
    monkeypatch.setenv("PROMOTE_FILE", str(var / "promoted.yml"))
    (var / "promoted.yml").write_text("- intent: ask_cost\n  example: ça coûte combien ?\n", "utf-8")
    return var


class Writer(threading.Thread):
    """Writes a review row, a handoff request and a conversation, again and again, until stopped."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(daemon=True)
        from rasa.shared.core.domain import Domain

        from bot.server.tracker_store import ConcurrentSQLTrackerStore

        self.settings, self.written, self.stopping = settings, 0, threading.Event()
        self.tracker_store = ConcurrentSQLTrackerStore(domain=Domain.empty(), dialect="sqlite",
                                                       db=str(settings.var_dir / "tracker.db"))
        self.failure: BaseException | None = None

    def write(self, n: int) -> None:
        from rasa.shared.core.events import ActionExecuted, UserUttered
        from rasa.shared.core.trackers import DialogueStateTracker

        with review_store.session(self.settings.review_db_url) as session, session.begin():
            review_store.record(session=session, item=review_store.Entry(f"visitor-{n}", f"question {n} ?", "fallback"))
        with handoff_store.session(self.settings.handoff_db_url) as session, session.begin():
            handoff_store.record(session=session, new=handoff_store.NewRequest(
                conversation=f"visitor-{n}", name=f"Visiteur {n}", email=f"v{n}@example.org", question="une question"))
        tracker = DialogueStateTracker(f"visitor-{n}", [])
        tracker.update(UserUttered(f"question {n} ?", {"name": "ask_cost", "confidence": 0.9}))
        tracker.update(ActionExecuted("action_listen"))
        asyncio.run(self.tracker_store.save(tracker))
        self.written = n + 1

    def run(self) -> None:
        try:
            n = 0
            while not self.stopping.is_set():
                self.write(n)
                n += 1
        except BaseException as error:  # reported by stop(), in the test's thread
            self.failure = error

    def stop(self) -> None:
        self.stopping.set()
        self.join(30)
        assert self.failure is None, self.failure


def rows(path: Path) -> dict[str, collections.Counter]:
    """Every row of every table of a SQLite file."""
    with contextlib.closing(sqlite3.connect(path)) as connection:
        tables = [name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {table: collections.Counter(connection.execute(f'SELECT * FROM "{table}"')) for table in tables}


def source(settings: Settings, store: str) -> Path:
    return Path(backups._sqlite_file(backups.stores(settings)[store]))


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture()
def written(var):
    """The stores with rows, a thread still writing while the test backs them up."""
    writer = Writer(Settings.from_env())
    writer.start()
    while writer.written < 20 and writer.is_alive():
        writer.join(0.05)
    yield writer
    writer.stop()


def test_a_backup_taken_while_writing_restores_the_same_rows(var, written, tmp_path):
    settings = Settings.from_env()
    before = written.written
    folder = backups.backup(settings, tmp_path / "backups", say=lambda line: None)
    assert written.is_alive()  # the assistant's writers went on during the backup
    assert folder.stat().st_mode & 0o777 == 0o700  # personal data: the owner's only
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert sorted(e["store"] for e in manifest["stores"]) == list(STORES)
    assert [e["file"] for e in manifest["files"]] == ["promoted.yml"] and manifest["skipped"] == []
    for entry in manifest["stores"] + manifest["files"]:
        assert hashlib.sha256((folder / entry["file"]).read_bytes()).hexdigest() == entry["sha256"]
    for entry in manifest["stores"]:
        assert {t: sum(c.values()) for t, c in rows(folder / entry["file"]).items()} == entry["tables"]
    counts = {e["store"]: e["tables"] for e in manifest["stores"]}
    assert counts["review"]["logged_question"] >= before and counts["handoff"]["handoff_request"] >= before

    restored = tmp_path / "restored"
    assert backups.main(["restore", "--from", str(folder), "--to", str(restored)]) == 0
    written.stop()
    for store in STORES:  # a snapshot: rows of the source at one moment, none invented or torn
        copy, original = rows(restored / f"{store}.db"), rows(source(settings, store))
        assert copy.keys() == original.keys()
        for table in copy:
            assert not copy[table] - original[table], f"{store}.{table}"
    assert (restored / "promoted.yml").read_bytes() == (var / "promoted.yml").read_bytes()

    # Once the writes stop, a backup and its restore hold exactly the stores' rows, table by table.
    folder = backups.backup(settings, tmp_path / "backups", say=lambda line: None)
    again = tmp_path / "again"
    assert backups.main(["restore", "--from", str(folder), "--to", str(again)]) == 0
    for store in STORES:
        assert rows(again / f"{store}.db") == rows(source(settings, store)), store
    assert sum(rows(again / "review.db")["logged_question"].values()) == written.written


def test_restoring_over_data_is_refused_and_changes_nothing(var, written, tmp_path, capsys):
    folder = backups.backup(Settings.from_env(), tmp_path / "backups", say=lambda line: None)
    written.stop()
    target = tmp_path / "target"
    target.mkdir()
    shutil.copy(folder / "review.db", target / "review.db")
    untouched = digest(target)
    assert backups.main(["restore", "--from", str(folder), "--to", str(target)]) == 1
    err = capsys.readouterr().err
    assert "review.db" in err and "--force" in err and "Traceback" not in err
    assert digest(target) == untouched  # no other store written beside it
    assert backups.main(["restore", "--from", str(folder)]) == 1  # the live VAR_DIR, full of rows
    assert backups.main(["restore", "--from", str(folder), "--to", str(target), "--force"]) == 0
    assert sorted(digest(target)) == sorted([f"{store}.db" for store in STORES] + ["promoted.yml"])
    assert rows(target / "handoff.db") == rows(folder / "handoff.db")


@pytest.mark.parametrize("damage, message", [
    (lambda f: shutil.rmtree(f), "does not exist"),
    (lambda f: (f / "manifest.json").unlink(), "no manifest.json"),
    (lambda f: (f / "manifest.json").write_text("{ pas du json", "utf-8"), "not a readable backup manifest"),
    (lambda f: (f / "handoff.db").unlink(), "handoff.db is missing"),
    (lambda f: f.joinpath("review.db").write_bytes(f.joinpath("review.db").read_bytes()[:-100] + b"x" * 100),
     "sha256 differs"),
])
def test_a_missing_or_damaged_backup_is_a_clear_error(var, tmp_path, capsys, damage, message):
    with handoff_store.session(Settings.from_env().handoff_db_url) as session, session.begin():
        handoff_store.record(session=session, new=handoff_store.NewRequest("c", "Nom", "n@example.org", "q"))
    with review_store.session(Settings.from_env().review_db_url) as session, session.begin():
        review_store.record(session=session, item=review_store.Entry("c", "question", "fallback"))
    folder = backups.backup(Settings.from_env(), tmp_path / "backups", say=lambda line: None)
    damage(folder)
    target = tmp_path / "target"
    assert backups.main(["restore", "--from", str(folder), "--to", str(target)]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not target.exists()


def test_the_command_line_says_what_is_wrong_without_a_traceback(var, tmp_path):
    done = subprocess.run([sys.executable, "-m", "bot.backup", "restore", "--from", str(tmp_path / "none")],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "no backup at" in done.stderr and "Traceback" not in done.stderr


def test_a_postgresql_store_is_named_and_the_others_copied(var, tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEW_DB_URL", "postgresql://cestes:secret@db.invalid:5432/cestes")
    said: list[str] = []
    folder = backups.backup(Settings.from_env(), tmp_path / "backups", say=said.append)
    [line] = [line for line in said if "review" in line]
    assert "pg_dump" in line and "secret" not in line
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert [e["store"] for e in manifest["skipped"] if e["reason"].startswith("postgresql")] == ["review"]
    assert "secret" not in json.dumps(manifest)
    assert {e["store"] for e in manifest["stores"]} >= {"knowledge"}
