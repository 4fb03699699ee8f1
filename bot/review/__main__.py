"""Staff command line for the review log (the review page itself is served by bot/web).

    python -m bot.review list [--reason R] [--status S]
    python -m bot.review export --format csv|json [--output FILE]
    python -m bot.review resolve|ignore ID [ID ...]
    python -m bot.review purge [--days N]      delete rows older than N days (default: REVIEW_RETENTION_DAYS)
    python -m bot.review forget CONVERSATION   delete every row of one conversation
    python -m bot.review adopt                 copy promoted questions into data/nlu/promoted.yml
"""
from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from pathlib import Path

from sqlalchemy import MetaData, Table, delete
from sqlalchemy.engine import make_url
from sqlalchemy.exc import NoSuchTableError, SQLAlchemyError

from bot import db
from bot.handoff import store as handoff_store
from bot.review import promote, store
from bot.settings import ROOT, Settings, SettingsError
from bot.review import export as exports

# Where adopted examples go: training data, reviewed and committed like any other.
ADOPTED = ROOT / "data" / "nlu" / "promoted.yml"


def write_export(rows: list[dict[str, Any]], fmt: str, out: TextIO) -> None:
    """The log as the review page exports it: JSON, or CSV with ";" (the same writer, which
    removes control characters and neutralises would-be formulas)."""
    if fmt == "json":
        out.write(exports.json_export(rows) + "\n")
    else:
        exports.write_csv(rows, out)


def forget_everywhere(settings: Settings, conversation: str) -> str:
    """Delete one conversation from the review log, the handoff requests and the tracker store."""
    with store.session(settings.review_db_url) as session, session.begin():
        logged = store.forget_conversation(session=session, conversation=conversation)
    with handoff_store.session(settings.handoff_db_url) as session, session.begin():
        requests = handoff_store.forget_conversation(session=session, conversation=conversation)
    events = 0
    url = make_url(settings.tracker_db_url)
    if url.get_backend_name() != "sqlite" or Path(url.database or "").is_file():  # Rasa keeps the raw sender id
        try:
            with db.session(settings.tracker_db_url) as session, session.begin():
                table = Table("events", MetaData(), autoload_with=session.connection())
                events = session.execute(delete(table).where(table.c.sender_id == conversation)).rowcount
        except NoSuchTableError:
            pass  # Rasa has not stored any conversation yet
    return f"deleted: {logged} logged question(s), {requests} handoff request(s), {events} tracker event(s)"


def adopt(settings: Settings, target: Path = ADOPTED) -> str:
    """Copy the questions staff taught (under VAR_DIR) into the training data, with who taught
    them and when, but not their review-log row (about a visitor, and purged after
    REVIEW_RETENTION_DAYS). One taught again with another intent moves there in the training
    data too; one whose intent the domain no longer has is left out."""
    intents = promote.domain_intents()
    waiting = promote.read_taught(settings.promote_file)
    kept = [promote.Example(e.text, e.intent, {k: v for k, v in e.metadata.items() if k != "question"})
            for e in waiting if e.intent in intents]
    added = len(promote.merge(target, kept))
    left_out = len(waiting) - len(kept)
    return (f"{added} promoted question(s) added to {target}: review them, then `make train`"
            + (f" ({left_out} left out: their intent is no longer in the domain)" if left_out else ""))


def main(argv: list[str] | None = None) -> int:
    """Run the command line."""
    parser = argparse.ArgumentParser(prog="python -m bot.review")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="print the log")
    listing.add_argument("--reason")
    listing.add_argument("--status")
    export = commands.add_parser("export", help="export the log")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--output", help="file to write (default: standard output)")
    for name in ("resolve", "ignore"):
        marker = commands.add_parser(name, help=f"mark rows {name}d")
        marker.add_argument("ids", type=int, nargs="+")
    purge = commands.add_parser("purge", help="delete rows past the retention period")
    purge.add_argument("--days", type=int)
    forget = commands.add_parser("forget", help="delete every row of one conversation")
    forget.add_argument("conversation")
    commands.add_parser("adopt", help="copy promoted questions into the training data")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        if args.command == "list":
            with store.session(settings.review_db_url) as session:
                rows = store.entries(session=session, filters=store.Filters(args.reason, args.status))
            for row in rows:
                print(f"#{row['id']}  {row['created_at']}  {row['reason']:17} {row['status']:9} {row['text'][:80]}")
        elif args.command == "export":
            with store.session(settings.review_db_url) as session:
                rows = store.entries(session=session, limit=exports.EXPORT_LIMIT)
            if args.output:
                # A CSV file gets a BOM so that a spreadsheet reads it as UTF-8.
                encoding = "utf-8-sig" if args.format == "csv" else "utf-8"
                with open(args.output, "w", encoding=encoding, newline="") as out:
                    write_export(rows, args.format, out)
            else:
                write_export(rows, args.format, sys.stdout)
        elif args.command in ("resolve", "ignore"):
            with store.session(settings.review_db_url) as session, session.begin():
                updated = store.set_status(session=session, ids=args.ids, status=args.command + "d")
            print(f"{updated} row(s) updated")
        elif args.command == "purge":
            days = args.days or settings.retention_days
            if days < 1:
                raise SettingsError("--days must be 1 or more")
            with store.session(settings.review_db_url) as session, session.begin():
                deleted = store.purge(session=session, days=days)
            print(f"{deleted} row(s) older than {days} days deleted")
        elif args.command == "adopt":
            print(adopt(settings, ADOPTED))
        else:
            print(forget_everywhere(settings, args.conversation))
        return 0
    except (SettingsError, SQLAlchemyError, OSError) as error:
        print(f"review: {error}", file=sys.stderr)
        return 2
    finally:
        db.dispose_all()


if __name__ == "__main__":
    sys.exit(main())
