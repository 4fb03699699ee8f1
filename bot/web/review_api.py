"""The review log's JSON API and exports (routes of the /review sub-application).

    GET  /review/api/unanswered          the log as JSON (?reason=&status=&since=&until=)
    GET  /review/api/dashboard           the dashboard figures as JSON
    POST /review/api/status              {"ids": [...], "status": "resolved"|"ignored"|"new"}
    POST /review/api/promote             {"id": 1, "intent": "ask_cost"[, "author": "Marie"]}
    POST /review/api/teach               {"ids": [1, 2], "intent": "ask_cost"[, "author": "Marie"]}
                                         -> {"taught": 2, "intent": ..., "examples": [...]}
    DELETE /review/api/conversations/ID  forget one conversation
    GET  /review/export.csv | export.json   the filtered log, as the command line exports it
                                         (bot.review.export)
"""
from __future__ import annotations

import asyncio
import datetime
import json
from typing import Any, Optional

from aiohttp import web

from bot.review import store
from bot.review.models import REASONS, STATUSES
from bot.settings import Settings
from bot.web import review_data, staff
from bot.web.common import SETTINGS
from bot.review.export import EXPORT_LIMIT, csv_export, json_export


def settings_of(request: web.Request) -> Settings:
    """The settings the application was built with."""
    return request.config_dict[SETTINGS]


def _date(value: Optional[str]) -> Optional[datetime.date]:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise web.HTTPBadRequest(text=f"date invalide : {value!r} (attendu AAAA-MM-JJ)") from error


def filters_of(request: web.Request) -> store.Filters:
    """The filters of the query string; 400 for an unknown reason, status or a bad date."""
    reason = request.query.get("reason") or None
    status = request.query.get("status") or None
    if reason and reason not in REASONS or status and status not in STATUSES:
        raise web.HTTPBadRequest(text="motif ou statut inconnu")
    return store.Filters(reason, status, _date(request.query.get("since")), _date(request.query.get("until")))


def _loads(text: str) -> Any:
    """JSON as RFC 8259 writes it: NaN and Infinity, which Python would read, are refused."""
    def refuse(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def _storable(value: Any) -> bool:
    """Whether every text of a body can be stored: no NUL (PostgreSQL refuses it in text) and no
    lone surrogate (the escape "\\ud800" gives one; UTF-8 cannot hold it)."""
    stack = [value]
    while stack:  # not recursive: a body nested as deep as the parser allows is fine
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
            if "\x00" in item:
                return False
        elif isinstance(item, dict):
            stack += [*item, *item.values()]
        elif isinstance(item, list):
            stack += item
    return True


async def json_body(request: web.Request) -> dict[str, Any]:
    """The body's JSON object; 400 for anything else, 413 past the size limit (raised by aiohttp)."""
    try:
        body = await request.json(loads=_loads)
    except (ValueError, LookupError, RecursionError) as error:
        # ValueError: bad JSON, bytes not in the body's charset, an integer of over 4300 digits;
        # LookupError: an unknown charset; RecursionError: arrays nested past the parser's depth.
        raise web.HTTPBadRequest(text="corps JSON invalide") from error
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="un objet JSON est attendu")
    if not _storable(body):
        raise web.HTTPBadRequest(text="corps JSON invalide : caractère nul ou substitut isolé")
    return body


# At most this many questions taught at once (a group of the page has at most 1000 rows).
MAX_TEACH = 1000
MAX_ROW_ID = 2**63 - 1  # the largest integer SQLite and PostgreSQL's bigint hold
MARKS = ("resolved", "ignored", "new")  # what staff mark questions as; "promoted" comes with teaching


def is_row_id(value: Any) -> bool:
    """Whether a body's value can be an id of the review log (JSON true is not 1)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ROW_ID


def author_of(request: web.Request, body: dict[str, Any]) -> str:
    """The body's "author" (at most 120 characters), else the name given at login; 400 for one
    that is not a name."""
    given = body.get("author")
    if given is not None and (not isinstance(given, str) or len(given) > staff.MAX_AUTHOR):
        raise web.HTTPBadRequest(text=f"« author » : un nom de {staff.MAX_AUTHOR} caractères au plus est attendu")
    return staff.author(request, given)


async def _teaching(request: web.Request, work: Any, *args: Any) -> dict[str, Any]:
    try:
        return await asyncio.to_thread(work, settings_of(request), *args)
    except review_data.RowNotFound as error:
        raise web.HTTPNotFound(text=str(error)) from error
    except ValueError as error:
        raise web.HTTPBadRequest(text=str(error)) from error


async def promote(request: web.Request, row_id: Any, intent: Any, author: Optional[str] = None) -> dict[str, Any]:
    """Promote one logged question; 400 for a bad request or intent, 404 for an unknown row."""
    if not is_row_id(row_id) or not isinstance(intent, str):
        raise web.HTTPBadRequest(text='attendu : {"id": entier, "intent": "nom"}')
    return await _teaching(request, review_data.promote_row, row_id, intent, author or staff.author(request))


async def teach(request: web.Request, ids: Any, intent: Any, author: str) -> dict[str, Any]:
    """Teach every listed question as an example of the intent; 400 for a bad request or
    intent, 404 when none of the questions exists."""
    if (not isinstance(ids, list) or not 0 < len(ids) <= MAX_TEACH or not isinstance(intent, str)
            or not all(is_row_id(i) for i in ids)):
        raise web.HTTPBadRequest(text=f'attendu : {{"ids": [entiers, {MAX_TEACH} au plus], "intent": "nom"}}')
    return await _teaching(request, review_data.teach_rows, ids, intent, author)


def _jsonable_groups(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**g, "reasons": dict(g["reasons"]), "statuses": dict(g["statuses"])} for g in groups]


async def api_unanswered(request: web.Request) -> web.Response:
    """The log, and its groups of similar questions."""
    rows = await asyncio.to_thread(review_data.entries, settings_of(request), filters_of(request))
    return web.json_response({"items": rows, "groups": _jsonable_groups(store.groups(rows))})


async def api_dashboard(request: web.Request) -> web.Response:
    """The dashboard figures."""
    return web.json_response(await asyncio.to_thread(review_data.figures, settings_of(request)))


async def api_status(request: web.Request) -> web.Response:
    """Mark rows resolved, ignored or new."""
    body = await json_body(request)
    ids, status = body.get("ids"), body.get("status")
    if (not isinstance(ids, list) or len(ids) > MAX_TEACH or not all(is_row_id(i) for i in ids)
            or status not in MARKS):
        raise web.HTTPBadRequest(text=f'attendu : {{"ids": [entiers, {MAX_TEACH} au plus], '
                                      '"status": "resolved|ignored|new"}')
    updated = await asyncio.to_thread(review_data.set_status, settings_of(request), ids, status)
    return web.json_response({"updated": updated})


async def api_promote(request: web.Request) -> web.Response:
    """Promote one question as a training example."""
    body = await json_body(request)
    return web.json_response(await promote(request, body.get("id"), body.get("intent"), author_of(request, body)))


async def api_teach(request: web.Request) -> web.Response:
    """Teach questions (a group of the page, say) as examples of one intent."""
    body = await json_body(request)
    return web.json_response(await teach(request, body.get("ids"), body.get("intent"), author_of(request, body)))


async def api_forget(request: web.Request) -> web.Response:
    """Forget one conversation (pseudonym or raw sender id)."""
    deleted = await asyncio.to_thread(review_data.forget, settings_of(request),
                                      request.match_info["conversation"])
    return web.json_response({"deleted": deleted})


async def export_csv(request: web.Request) -> web.Response:
    """The filtered log as a CSV file: control characters removed, would-be formulas neutralised."""
    rows = await asyncio.to_thread(review_data.entries, settings_of(request), filters_of(request), EXPORT_LIMIT)
    body = await asyncio.to_thread(csv_export, rows)
    return web.Response(body=body, content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": 'attachment; filename="questions.csv"'})


async def export_json(request: web.Request) -> web.Response:
    """The filtered log as a JSON file, control characters escaped."""
    rows = await asyncio.to_thread(review_data.entries, settings_of(request), filters_of(request), EXPORT_LIMIT)
    body = await asyncio.to_thread(json_export, rows)
    return web.Response(text=body, content_type="application/json", charset="utf-8",
                        headers={"Content-Disposition": 'attachment; filename="questions.json"'})


def routes() -> list[web.RouteDef]:
    """The API's routes, relative to the sub-application's prefix."""
    return [
        web.get("/api/unanswered", api_unanswered, name="api_unanswered"),
        web.get("/api/dashboard", api_dashboard, name="api_dashboard"),
        web.post("/api/status", api_status, name="api_status"),
        web.post("/api/promote", api_promote, name="api_promote"),
        web.post("/api/teach", api_teach, name="api_teach"),
        web.delete("/api/conversations/{conversation}", api_forget, name="api_forget"),
        web.get("/export.csv", export_csv, name="export_csv"),
        web.get("/export.json", export_json, name="export_json"),
    ]
