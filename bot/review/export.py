"""The review log as files staff open: CSV for a spreadsheet in French, and JSON; one writer of
each, for the web export (bot/web) and the command line (python -m bot.review export)."""
from __future__ import annotations

import csv
import io
import json
import re
from typing import Any, Iterable, TextIO

# Rows in one export at most.
EXPORT_LIMIT = 1_000_000
CSV_HEADER = ["id", "date (UTC)", "conversation", "question", "motif", "statut", "intentions",
              "réponse", "entrée"]


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
