"""The review log's JSON API and exports (routes of the /review sub-application).

    GET  /review/api/unanswered          the log as JSON (?reason=&status=&since=&until=)
    GET  /review/api/dashboard           the dashboard figures as JSON
    POST /review/api/status              {"ids": [...], "status": "resolved"|"ignored"|"new"}
    POST /review/api/promote             {"id": 1, "intent": "ask_cost"}
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
from bot.web import review_data
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


async def json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise web.HTTPBadRequest(text="corps JSON invalide") from error
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="un objet JSON est attendu")
    return body


async def promote(request: web.Request, row_id: Any, intent: Any) -> dict[str, Any]:
    """Promote one logged question; 400 for a bad request or intent, 404 for an unknown row."""
    if not isinstance(row_id, int) or not isinstance(intent, str):
        raise web.HTTPBadRequest(text='attendu : {"id": entier, "intent": "nom"}')
    try:
        return await asyncio.to_thread(review_data.promote_row, settings_of(request), row_id, intent)
    except review_data.RowNotFound as error:
        raise web.HTTPNotFound(text=str(error)) from error
    except ValueError as error:
        raise web.HTTPBadRequest(text=str(error)) from error


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
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids) or status not in STATUSES:
        raise web.HTTPBadRequest(text='attendu : {"ids": [entiers], "status": "resolved|ignored|new"}')
    updated = await asyncio.to_thread(review_data.set_status, settings_of(request), ids, status)
    return web.json_response({"updated": updated})


async def api_promote(request: web.Request) -> web.Response:
    """Promote one question as a training example."""
    body = await json_body(request)
    return web.json_response(await promote(request, body.get("id"), body.get("intent")))


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
        web.delete("/api/conversations/{conversation}", api_forget, name="api_forget"),
        web.get("/export.csv", export_csv, name="export_csv"),
        web.get("/export.json", export_json, name="export_json"),
    ]
