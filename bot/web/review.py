"""The staff review feature: an aiohttp sub-application mounted at /review, protected by
REVIEW_TOKEN, its pages rendered from templates/review.html and templates/login.html.

    GET  /review                         the page (filters, groups, dashboard)
    POST /review/login                   token form -> session cookie
    POST /review/action                  the page's buttons
    the JSON API and exports             bot/web/review_api.py
"""
from __future__ import annotations

import asyncio
import hmac
from typing import Awaitable, Callable, Optional
from urllib.parse import urlencode, urlsplit

from aiohttp import web
from jinja2 import Environment

from bot.settings import Settings
from bot.web import review_api, review_data
from bot.web.common import SETTINGS, TEMPLATES, environment
from bot.web.review_api import filters_of, settings_of

COOKIE = "review_token"
MAX_BODY = 64 * 1024
REASON_LABELS = {"fallback": "non compris", "ambiguity": "ambigu", "low_confidence": "peu sûr",
                 "out_of_scope": "hors sujet", "negative_feedback": "avis négatif",
                 "action_failure": "erreur technique",
                 "action_unavailable": "serveur d'actions indisponible"}
STATUS_LABELS = {"new": "nouveau", "resolved": "résolu", "ignored": "ignoré", "promoted": "promu"}
MARKS = ("resolved", "ignored", "new")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def root_of(request: web.Request) -> str:
    """Where the sub-application is mounted (/review)."""
    return str(request.app.router["page"].url_for())


def _authorised(request: web.Request, token: Optional[str]) -> bool:
    if not token:
        return False
    header = request.headers.get("Authorization", "")
    given = header[7:] if header.startswith("Bearer ") else request.cookies.get(COOKIE, "")
    return hmac.compare_digest(given.encode(), token.encode())


def _login_page(request: web.Request, failed: bool = False) -> web.Response:
    html = request.config_dict[TEMPLATES].get_template("login.html").render(
        root=root_of(request), disabled=settings_of(request).review_token is None, failed=failed)
    return web.Response(status=401, content_type="text/html", text=html)


@web.middleware
async def require_token(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every route of the sub-application needs the token (header or cookie), except the login form."""
    if request.match_info.route.name == "login" or _authorised(request, settings_of(request).review_token):
        return await handler(request)
    if request.path[len(root_of(request)):].startswith(("/api", "/export")):
        return web.json_response({"error": "authentification requise"}, status=401,
                                 headers={"WWW-Authenticate": "Bearer"})
    return _login_page(request)


async def login(request: web.Request) -> web.StreamResponse:
    """The token form: a right token becomes a cookie restricted to /review."""
    form = await request.post()
    token = settings_of(request).review_token
    given = str(form.get("token", ""))
    if not token or not hmac.compare_digest(given.encode(), token.encode()):
        return _login_page(request, failed=True)
    root = root_of(request)
    response = web.HTTPSeeOther(root)
    response.set_cookie(COOKIE, given, httponly=True, samesite="Strict", path=root)
    return response


def _back(request: web.Request) -> str:
    """The page the form was sent from (keeping its filters), never another site's."""
    root, referer = root_of(request), urlsplit(request.headers.get("Referer", ""))
    if referer.netloc == request.host and referer.path == root and referer.query:
        return f"{root}?{referer.query}"
    return root


async def page_action(request: web.Request) -> web.StreamResponse:
    """The page's buttons: mark the selected groups, or promote one question."""
    form = await request.post()
    ids = [int(i) for i in ",".join(form.getall("ids", [])).split(",") if i.strip().isdigit()]
    action = form.get("action")
    if action in MARKS and ids:
        await asyncio.to_thread(review_data.set_status, settings_of(request), ids, str(action))
    elif action == "promote" and ids:
        await review_api.promote(request, ids[0], str(form.get("intent", "")))
    raise web.HTTPSeeOther(_back(request))


async def page(request: web.Request) -> web.Response:
    """The review page: dashboard, filters, groups of similar questions."""
    filters = filters_of(request)
    data = await asyncio.to_thread(review_data.page_data, settings_of(request), filters)
    query = urlencode([(k, str(v)) for k, v in (("reason", filters.reason), ("status", filters.status),
                                                ("since", filters.since), ("until", filters.until)) if v])
    html = request.config_dict[TEMPLATES].get_template("review.html").render(
        root=root_of(request), filters=filters, query=query, days=review_data.DASHBOARD_DAYS,
        reason_labels=REASON_LABELS, status_labels=STATUS_LABELS, **data)
    return web.Response(content_type="text/html", text=html)


def create_review_app(settings: Settings, templates: Optional[Environment] = None) -> web.Application:
    """The review sub-application; the retention purge runs when the server starts."""
    app = web.Application(middlewares=[require_token], client_max_size=MAX_BODY)
    app[SETTINGS] = settings
    app[TEMPLATES] = templates or environment()

    async def purge_old_rows(_app: web.Application) -> None:
        await asyncio.to_thread(review_data.purge, settings)

    app.on_startup.append(purge_old_rows)
    app.add_routes([web.get("", page, name="page"), web.post("/login", login, name="login"),
                    web.post("/action", page_action, name="action"), *review_api.routes()])
    return app
