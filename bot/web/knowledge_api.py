"""Facts maintained by staff: the JSON API of the /review sub-application (same token).

    GET  /review/api/facts                     every fact, with its document, date and review date
    GET  /review/api/facts/KEY                 one fact
    PUT  /review/api/facts/KEY                 {"values", "source", "quote", "reason"[, "review_by", "author"]}
                                               -> 200, or 422 {"error"} (provenance refused), nothing changed
    GET  /review/api/facts/KEY/history         its versions, newest first
    POST /review/api/facts/KEY/restore         {"version"[, "reason", "author"]} -> 200
    POST /review/api/sources                   {"id", "title", "date", "text"[, "author"]} -> 201 / 422

Without "author", a change is signed with the name given at login, else "équipe CESTES"
(bot/web/staff.py). The rules are knowledge/edits.py's; database work runs in worker threads.
"""
from __future__ import annotations

import asyncio
from typing import Any, Callable, Mapping

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from bot import db
from bot.web import staff
from bot.web.review_api import json_body, settings_of
from knowledge import edits
from knowledge.db import SEEDS_DIR
from knowledge.freshness import to_recheck
from knowledge.models import Fact, Source
from knowledge.queries import FactView, view


def fact_json(row: Fact, today: Any) -> dict[str, Any]:
    """A fact as the API shows it."""
    fact: FactView = view(row)
    return {"key": fact.key, "topic": fact.topic, "label": fact.label, "status": fact.status,
            "values": fact.values, "source": fact.source_file, "source_label": fact.source_label,
            "source_date": fact.source_date, "quote": row.quote, "note": row.note,
            "review_by": fact.review_by.isoformat() if fact.review_by else None,
            "to_recheck": to_recheck(fact, today), "version": row.version, "edited": bool(row.edited)}


def _run(request: web.Request, work: Callable[[Any], Any], write: bool = False) -> Any:
    """Run work(session) in a worker thread, in a transaction when it writes."""
    url = settings_of(request).knowledge_db_url

    def call() -> Any:
        with db.session(url) as session:
            if not write:
                return work(session)
            with session.begin():
                return work(session)

    return asyncio.to_thread(call)


def _author(request: web.Request, body: Mapping[str, Any]) -> str:
    """The body's or the form's "author", else the name given at login, else the team."""
    return staff.author(request, body.get("author"))


async def _guarded(request: web.Request, work: Callable[[Any], Any], write: bool = True) -> Any:
    """Run work; an unknown fact is a 404, a refused change a 422, each with {"error": reason}
    (bot/web/api_errors.py)."""
    try:
        return await _run(request, work, write)
    except edits.NotFound as error:
        raise web.HTTPNotFound(text=str(error)) from error
    except edits.EditRefused as error:
        raise web.HTTPUnprocessableEntity(text=str(error)) from error


async def api_facts(request: web.Request) -> web.Response:
    """Every fact, by topic then key."""
    today = settings_of(request).today()

    def work(session: Any) -> list[dict[str, Any]]:
        rows = session.scalars(select(Fact).options(joinedload(Fact.source)).order_by(Fact.topic, Fact.key))
        return [fact_json(row, today) for row in rows]

    return web.json_response({"facts": await _run(request, work)})


async def api_fact(request: web.Request) -> web.Response:
    """One fact."""
    key, today = request.match_info["key"], settings_of(request).today()
    return web.json_response(await _guarded(request, lambda s: fact_json(edits.get_fact(s, key), today), write=False))


async def api_update(request: web.Request) -> web.Response:
    """A new version of a fact, checked against its document."""
    key, today, body = request.match_info["key"], settings_of(request).today(), await json_body(request)

    def work(session: Any) -> dict[str, Any]:
        row = edits.update_fact(session, key, body.get("values"), body.get("source"), body.get("quote"),
                                body.get("reason"), _author(request, body), SEEDS_DIR, body.get("review_by"))
        return fact_json(row, today)

    return web.json_response(await _guarded(request, work))


async def api_history(request: web.Request) -> web.Response:
    """The versions of a fact."""
    key = request.match_info["key"]
    return web.json_response({"versions": await _guarded(request, lambda s: edits.history(s, key), write=False)})


async def api_restore(request: web.Request) -> web.Response:
    """An older version made current again."""
    key, today, body = request.match_info["key"], settings_of(request).today(), await json_body(request)

    def work(session: Any) -> dict[str, Any]:
        return fact_json(edits.restore(session, key, body.get("version"), _author(request, body), body.get("reason")), today)

    return web.json_response(await _guarded(request, work))


async def api_add_source(request: web.Request) -> web.Response:
    """A newer document, pasted by staff."""
    body = await json_body(request)

    def work(session: Any) -> dict[str, Any]:
        source: Source = edits.add_source(session, body.get("id"), body.get("title"), body.get("date"),
                                          body.get("text"), _author(request, body))
        return {"id": source.file, "title": source.label, "date": source.published.isoformat(),
                "added_by": source.added_by}

    return web.json_response(await _guarded(request, work), status=201)


def routes() -> list[web.RouteDef]:
    """The API's routes, relative to the sub-application's prefix."""
    return [
        web.get("/api/facts", api_facts, name="api_facts"),
        web.get("/api/facts/{key}", api_fact, name="api_fact"),
        web.put("/api/facts/{key}", api_update, name="api_update"),
        web.get("/api/facts/{key}/history", api_history, name="api_history"),
        web.post("/api/facts/{key}/restore", api_restore, name="api_restore"),
        web.post("/api/sources", api_add_source, name="api_add_source"),
    ]
