"""Staff command line for handoff requests.

    python -m bot.handoff list              every request, newest first
    python -m bot.handoff resend [--failed] send what is still pending (and failed ones)
"""
from __future__ import annotations

import argparse
import sys

from sqlalchemy.exc import SQLAlchemyError

from bot import db
from bot.handoff import store
from bot.handoff.delivery import deliver
from bot.handoff.service import recipient
from bot.settings import Settings, SettingsError


def main(argv: list[str] | None = None) -> int:
    """Run the command line."""
    parser = argparse.ArgumentParser(prog="python -m bot.handoff")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="print every request")
    resend = commands.add_parser("resend", help="send pending requests")
    resend.add_argument("--failed", action="store_true", help="also retry refused ones")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        with store.session(settings.handoff_db_url) as session:
            if args.command == "list":
                for row in store.all_requests(session=session):
                    print(f"#{row.id}  {row.created_at:%Y-%m-%d %H:%M}  {row.status:8}  "
                          f"attempts={row.attempts}  {row.last_error or ''}")
                return 0
            pending = [row.id for row in store.unsent(session=session, include_failed=args.failed)]
        if pending and settings.smtp is None:
            print(f"{len(pending)} request(s) pending, but SMTP_HOST is not set: nothing sent.",
                  file=sys.stderr)
            return 1
        to = recipient(settings) if pending else ""
        if pending and not to:
            print("handoff: no recipient: set HANDOFF_TO or run `make knowledge`", file=sys.stderr)
            return 2
        results = [deliver(settings=settings, request_id=row_id, to=to) for row_id in pending]
        print(f"resent {len(results)} request(s): {results.count('sent')} sent, "
              f"{len(results) - results.count('sent')} still not sent")
        return 0 if results.count("sent") == len(results) else 1
    except (SettingsError, SQLAlchemyError) as error:
        print(f"handoff: {error}", file=sys.stderr)
        return 2
    finally:
        db.dispose_all()


if __name__ == "__main__":
    sys.exit(main())
