"""Staff command line for handoff requests.

    python -m bot.handoff list              every request, newest first
    python -m bot.handoff resend [--failed] send what is still pending (and failed ones)
"""
from __future__ import annotations

import argparse
import sys

from bot.handoff import store
from bot.handoff.delivery import deliver, recipient
from bot.settings import Settings, SettingsError
from knowledge.db import KnowledgeUnavailable


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
        engine = store.open_store(settings.handoff_db_url)
        if args.command == "list":
            for row in store.all_requests(engine):
                print(f"#{row.id}  {row.created_at:%Y-%m-%d %H:%M}  {row.status:8}  "
                      f"attempts={row.attempts}  {row.last_error or ''}")
            return 0
        pending = store.unsent(engine, include_failed=args.failed)
        if pending and settings.smtp is None:
            print(f"{len(pending)} request(s) pending, but SMTP_HOST is not set: nothing sent.",
                  file=sys.stderr)
            return 1
        to = recipient(settings) if pending else ""
        results = [deliver(engine, row.id, settings, to) for row in pending]
        print(f"resent {len(results)} request(s): {results.count('sent')} sent, "
              f"{len(results) - results.count('sent')} still not sent")
        return 0 if results.count("sent") == len(results) else 1
    except (SettingsError, KnowledgeUnavailable, LookupError) as error:
        print(f"handoff: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
