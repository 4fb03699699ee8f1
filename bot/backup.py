"""Back up and restore the assistant's state: the SQLite stores and promoted.yml.

    python -m bot.backup backup [--to DIR]                       (default: $VAR_DIR/backups/)
    python -m bot.backup restore --from DIR [--to DIR] [--force] (default: into $VAR_DIR)

Each SQLite store (knowledge, tracker, handoff, review) is copied with SQLite's online backup
API, which reads a consistent snapshot while the assistant keeps writing (WAL mode lets readers
and a writer work at once), into a timestamped folder with manifest.json: per file its sha256,
size and, for a store, the rows of each table. Stores on PostgreSQL are left to pg_dump. A
restore checks every file against the manifest before writing anything, and refuses to
overwrite a store that holds rows unless --force. Stop the assistant before a restore.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import sys
from pathlib import Path
from typing import Any, Callable, Optional

from sqlalchemy.engine import make_url

from bot.settings import Settings, SettingsError

MANIFEST = "manifest.json"
FORMAT = 1
BUSY_TIMEOUT_MS = 10_000


class BackupError(RuntimeError):
    """A backup or restore cannot go on; the message says why, for staff."""


def stores(settings: Settings) -> dict[str, str]:
    """The assistant's databases by name, as their URLs."""
    return {"knowledge": settings.knowledge_db_url, "tracker": settings.tracker_db_url,
            "handoff": settings.handoff_db_url, "review": settings.review_db_url}


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _connect(path: Path, read_only: bool = False) -> sqlite3.Connection:
    # Read-only opening never creates a file; the busy timeout lets a writer of the running
    # assistant finish instead of failing this read at once.
    uri = path.resolve().as_uri() + ("?mode=ro" if read_only else "")
    connection = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return connection


def table_rows(path: Path) -> dict[str, int]:
    """Rows per table of a SQLite file; BackupError when it is not a sound SQLite database."""
    try:
        with contextlib.closing(_connect(path, read_only=True)) as connection:
            if connection.execute("PRAGMA quick_check").fetchone() != ("ok",):
                raise BackupError(f"{path} is damaged (SQLite quick_check failed)")
            names = [name for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
            quoted = {name: '"' + name.replace('"', '""') + '"' for name in names}
            return {name: connection.execute(f"SELECT count(*) FROM {quoted[name]}").fetchone()[0] for name in names}
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a readable SQLite database ({error})") from None


def copy_database(source: Path, target: Path) -> None:
    """Copy a SQLite database with the online backup API, into one self-contained file."""
    try:
        with contextlib.closing(_connect(source)) as origin, contextlib.closing(_connect(target)) as copy:
            # One step: a consistent snapshot; in WAL mode the assistant's writers go on meanwhile.
            origin.backup(copy)
            # The copy is a single file, with no -wal beside it to lose when it is moved.
            copy.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{source} could not be copied ({error})") from None


def _where(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _sqlite_file(url: str) -> Optional[Path]:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def backup(settings: Settings, parent: Path, say: Callable[[str], None] = print) -> Path:
    """Copy the stores and promoted.yml into a new timestamped folder of `parent`; its path."""
    now = datetime.datetime.now(datetime.timezone.utc)
    folder, n = parent / f"backup-{now:%Y%m%d-%H%M%S}", 1
    while folder.exists():  # two backups within one second
        n += 1
        folder = parent / f"backup-{now:%Y%m%d-%H%M%S}-{n}"
    # Written under a hidden name and renamed when complete: an interrupted backup is never
    # mistaken for a whole one.
    partial = parent / f".{folder.name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True, mode=0o700)  # handoff requests and conversations: personal data
    manifest: dict[str, Any] = {"format": FORMAT, "created_at": f"{now:%Y-%m-%dT%H:%M:%SZ}",
                                "var_dir": str(settings.var_dir), "stores": [], "files": [], "skipped": []}
    try:
        for name, url in stores(settings).items():
            path = _sqlite_file(url)
            if path is None:
                backend = make_url(url).get_backend_name()
                tool = "pg_dump" if backend == "postgresql" else f"the {backend} dump tool"
                say(f"{name} store is on {backend} ({_where(url)}): not copied, back it up with {tool}.")
                manifest["skipped"].append({"store": name, "url": _where(url), "reason": f"{backend}: use {tool}"})
                continue
            if not path.is_file():
                say(f"{name} store {path} does not exist yet: nothing to copy.")
                manifest["skipped"].append({"store": name, "url": str(path), "reason": "does not exist"})
                continue
            copy = partial / f"{name}.db"
            copy_database(path, copy)
            manifest["stores"].append({"store": name, "file": copy.name, "source": str(path),
                                       "bytes": copy.stat().st_size, "sha256": sha256(copy),
                                       "tables": table_rows(copy)})
        if settings.promote_file.is_file():
            copy = partial / settings.promote_file.name
            shutil.copy2(settings.promote_file, copy)
            manifest["files"].append({"file": copy.name, "source": str(settings.promote_file),
                                      "bytes": copy.stat().st_size, "sha256": sha256(copy)})
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False), "utf-8")
        partial.rename(folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    for entry in manifest["stores"]:
        rows = ", ".join(f"{table} {count}" for table, count in entry["tables"].items()) or "no tables"
        say(f"  {entry['file']:14} {entry['bytes']:>12,} bytes  ({rows})")
    for entry in manifest["files"]:
        say(f"  {entry['file']:14} {entry['bytes']:>12,} bytes")
    return folder


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of a backup folder, checked for shape; BackupError with the reason."""
    if not folder.is_dir():
        raise BackupError(f"no backup at {folder}: the folder does not exist")
    path = folder / MANIFEST
    if not path.is_file():
        found = sorted(p.parent.name for p in folder.glob(f"*/{MANIFEST}"))
        hint = f" (backups in it: {', '.join(found[-3:])}; give one of them)" if found else ""
        raise BackupError(f"{folder} is not a backup: it has no {MANIFEST}{hint}")
    try:
        manifest = json.loads(path.read_text("utf-8"))
        entries = list(manifest["stores"]) + list(manifest["files"])
        if manifest.get("format") != FORMAT or not all(isinstance(e["file"], str) and isinstance(e["sha256"], str)
                                                       for e in entries):
            raise ValueError("unexpected format")
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
        raise BackupError(f"{path} is not a readable backup manifest ({error.__class__.__name__})") from None
    for entry in entries:  # a manifest names files inside its folder, nothing else
        if Path(entry["file"]).name != entry["file"] or entry["file"] in ("", ".", ".."):
            raise BackupError(f"{path} names a file outside its folder: {entry['file']!r}")
    return manifest


def verify(folder: Path, manifest: dict[str, Any]) -> None:
    """Every file of the manifest is there, with its sha256 and, for a store, its rows."""
    for entry in manifest["stores"] + manifest["files"]:
        path = folder / entry["file"]
        if not path.is_file():
            raise BackupError(f"the backup is incomplete: {path} is missing")
        if sha256(path) != entry["sha256"]:
            raise BackupError(f"{path} does not match the manifest (sha256 differs): the copy is damaged")
    for entry in manifest["stores"]:
        if table_rows(folder / entry["file"]) != entry["tables"]:
            raise BackupError(f"{folder / entry['file']} does not hold the rows the manifest lists")


def holds_data(path: Path) -> bool:
    """True when a file exists with content: a store with at least one row, or any other file."""
    if not path.is_file() or path.stat().st_size == 0:
        return False
    if path.suffix != ".db":
        return True
    try:
        return any(table_rows(path).values())
    except BackupError:
        return True  # unreadable: not ours to overwrite silently


def restore(folder: Path, target: Path, force: bool = False, say: Callable[[str], None] = print) -> None:
    """Check the backup, then copy it into `target`; refuse to overwrite data unless forced."""
    manifest = read_manifest(folder)
    verify(folder, manifest)
    entries = manifest["stores"] + manifest["files"]
    occupied = [entry["file"] for entry in entries if holds_data(target / entry["file"])]
    if occupied and not force:
        raise BackupError(f"{target} already holds data ({', '.join(occupied)}): nothing restored; "
                          "stop the assistant and add --force to replace it")
    target.mkdir(parents=True, exist_ok=True)
    for entry in manifest["stores"]:
        # Through SQLite, not a file copy: a -wal file left beside the old database would
        # otherwise be replayed onto the restored one.
        copy_database(folder / entry["file"], target / entry["file"])
        if table_rows(target / entry["file"]) != entry["tables"]:
            raise BackupError(f"{target / entry['file']} does not hold the backup's rows after the copy")
        say(f"  {entry['file']:14} restored ({sum(entry['tables'].values())} rows)")
    for entry in manifest["files"]:
        staged = target / f".{entry['file']}.restoring"
        shutil.copy2(folder / entry["file"], staged)
        os.replace(staged, target / entry["file"])
        say(f"  {entry['file']:14} restored")
    for entry in manifest["skipped"]:
        say(f"  {entry['store']} store was not in the backup ({entry['reason']}).")


def main(argv: Optional[list[str]] = None) -> int:
    """Command line: backup or restore; errors are one line on stderr, exit code 1."""
    parser = argparse.ArgumentParser(prog="python -m bot.backup", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("backup", help="copy the stores and promoted.yml into a timestamped folder")
    make.add_argument("--to", type=Path, help="where to create the folder (default: $VAR_DIR/backups)")
    back = commands.add_parser("restore", help="copy a backup into a directory (default: $VAR_DIR)")
    back.add_argument("--from", dest="source", type=Path, required=True, help="the backup folder")
    back.add_argument("--to", type=Path, help="the directory to restore into (default: $VAR_DIR)")
    back.add_argument("--force", action="store_true", help="replace stores that already hold rows")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        if args.command == "backup":
            folder = backup(settings, (args.to or settings.var_dir / "backups").resolve())
            print(f"backup written to {folder}")
        else:
            target = (args.to or settings.var_dir).resolve()
            restore(args.source.resolve(), target, force=args.force)
            print(f"restored {args.source} into {target}")
        return 0
    except (BackupError, SettingsError) as error:
        print(f"{args.command}: {error}", file=sys.stderr)
        return 1
    except OSError as error:  # disk full, permission denied: the reason, without a traceback
        print(f"{args.command}: {error.strerror or error} ({error.filename or ''})", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
