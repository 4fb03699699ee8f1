"""The review page's database work: plain blocking functions, which the handlers run in
worker threads (`asyncio.to_thread`) so that the event loop never waits on a database.

Each opens a session on the process's cached engine (bot/db.py); writes run in a transaction.
"""
from __future__ import annotations

import csv
import datetime
import io
import json
import re
from pathlib import Path
from typing import Any, Iterable, TextIO

from sqlalchemy.engine import make_url

from bot import db
from bot.review import dashboard, promote, store
from bot.settings import Settings

DASHBOARD_DAYS = 14
EXPORT_LIMIT = 1_000_000
CSV_HEADER = ["id", "date (UTC)", "conversation", "question", "motif", "statut", "intentions",
              "réponse", "entrée"]


class RowNotFound(LookupError):
    """No logged question has this id."""


def entries(settings: Settings, filters: store.Filters, limit: int = 1000) -> list[dict[str, Any]]:
    """Logged questions, newest first."""
    with store.session(settings.review_db_url) as session:
        return store.entries(session=session, filters=filters, limit=limit)


def set_status(settings: Settings, ids: Iterable[int], status: str) -> int:
    """Mark rows; return how many changed."""
    with store.session(settings.review_db_url) as session, session.begin():
        return store.set_status(session=session, ids=list(ids), status=status)


def promote_row(settings: Settings, row_id: int, intent: str) -> dict[str, Any]:
    """Write a logged question as an example of the intent, and mark it promoted.
    Raises RowNotFound for an unknown row, ValueError for an unknown intent or an empty example."""
    with store.session(settings.review_db_url) as session, session.begin():
        row = store.get(session=session, row_id=row_id)
        if row is None:
            raise RowNotFound(f"question {row_id} introuvable")
        example = promote.promote(settings.promote_file, row["text"], intent)
        store.set_status(session=session, ids=[row_id], status="promoted", intent=intent)
    return {"file": str(settings.promote_file), "intent": intent, "example": example}


def forget(settings: Settings, conversation: str) -> int:
    """Delete one conversation's rows from the review log; return how many."""
    with store.session(settings.review_db_url) as session, session.begin():
        return store.forget_conversation(session=session, conversation=conversation)


def purge(settings: Settings) -> int:
    """Delete the rows past the retention period; return how many."""
    with store.session(settings.review_db_url) as session, session.begin():
        return store.purge(session=session, days=settings.retention_days)


def tracker_activity(settings: Settings, today: datetime.date) -> dict[str, Any]:
    """The tracker store's figures; empty while Rasa has not created its database."""
    url = make_url(settings.tracker_db_url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        return dashboard.no_activity()  # opening it would create an empty file Rasa has not made
    with db.session(settings.tracker_db_url) as session:
        return dashboard.tracker_activity(session=session, days=DASHBOARD_DAYS, today=today)


def figures(settings: Settings) -> dict[str, Any]:
    """The dashboard over the last DASHBOARD_DAYS days."""
    today = db.utcnow().date()
    since = today - datetime.timedelta(days=DASHBOARD_DAYS - 1)
    logged = entries(settings, store.Filters(since=since), limit=100_000)
    return dashboard.summary(tracker_activity(settings, today), logged, store.groups(logged))


def page_data(settings: Settings, filters: store.Filters) -> dict[str, Any]:
    """Everything the page shows: the groups, the dashboard, the intents one can promote to."""
    return {"groups": store.groups(entries(settings, filters)), "figures": figures(settings),
            "intents": sorted(promote.domain_intents())}


# Control characters (C0 but tab and line feed, DEL, C1) and lone surrogates: Python's csv module
# refuses NUL, a spreadsheet shows none of them, and a surrogate cannot be written as UTF-8.
# Carriage returns go too: "\r\n" inside a cell becomes "\n", which a quoted cell keeps.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection"): such a cell is
# prefixed with a single quote. Line feed and the full-width forms as well, for safety.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_cell(value: Any) -> str:
    """A value as a CSV cell: control characters removed, a would-be formula neutralised."""
    text = _CONTROL.sub("", "" if value is None else str(value))
    return "'" + text if text.startswith(FORMULA_START) else text


def _intents(intents: Any) -> str:
    """The intents the classifier proposed, "name 0.95, other 0.03"; whatever the column holds."""
    shown = []
    for intent in intents if isinstance(intents, list) else []:
        if isinstance(intent, dict):
            confidence = intent.get("confidence")
            score = f" {confidence:.2f}" if isinstance(confidence, (int, float)) else ""
            shown.append(f"{intent.get('name')}{score}")
    return ", ".join(shown)


def write_csv(rows: Iterable[dict[str, Any]], out: TextIO) -> None:
    """The rows as CSV with ";", every cell through csv_cell: the one CSV writer, of the web
    export and of `python -m bot.review export` (open `out` with newline="")."""
    writer = csv.writer(out, delimiter=";")
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow([csv_cell(value) for value in (
            row.get("id"), row.get("created_at"), row.get("conversation"), row.get("text"), row.get("reason"),
            row.get("status"), _intents(row.get("intents")), row.get("reply"), row.get("entry"))])


def csv_export(rows: list[dict[str, Any]]) -> bytes:
    """The rows as CSV with ";" and a BOM, so that a spreadsheet in French opens it as is."""
    buffer = io.StringIO(newline="")
    buffer.write("\ufeff")
    write_csv(rows, buffer)
    return buffer.getvalue().encode("utf-8")


# What json.dumps(ensure_ascii=False) leaves as is but a reader might trip on: DEL and the C1
# controls, the line and paragraph separators, lone surrogates (which UTF-8 cannot hold).
_JSON_ESCAPE = re.compile(r"[\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def json_export(rows: list[dict[str, Any]]) -> str:
    """The rows as JSON, of the web export and of the command line, French text left readable:
    the encoder escapes the C0 controls, _JSON_ESCAPE the others (only strings hold non-ASCII)."""
    text = json.dumps(rows, ensure_ascii=False, indent=1)
    return _JSON_ESCAPE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
