"""The staff review feature: an aiohttp sub-application mounted at /review, protected by
REVIEW_TOKEN, its pages rendered from templates/review.html and templates/login.html.

    GET  /review                         the page (filters, groups, dashboard)
    POST /review/login                   token form -> session cookie (and the optional name,
                                         cookie review_author: bot/web/staff.py)
    10 wrong tokens a minute from one address (form, header or cookie): then 429 for a while
    POST /review/action                  the page's buttons
    the JSON API and exports             bot/web/review_api.py
    the facts' pages (/connaissances)    bot/web/knowledge_page.py
    training from the page (/entrainement, /api/train)   bot/web/train_api.py
"""
from __future__ import annotations

import asyncio
import hmac
import re
from typing import Awaitable, Callable, Optional
from urllib.parse import urlencode

from aiohttp import web
from jinja2 import Environment

from bot.review import promote, store, topic_labels, training
from bot.settings import Settings
from bot.web import (api_errors, knowledge_api, knowledge_page, openapi, review_api, review_data, staff,
                     train_api)
from bot.web.common import SETTINGS, TEMPLATES, environment
from bot.web.review_api import filters_of, settings_of
from bot.web.security import AuthFailures

COOKIE = "review_token"
MAX_BODY = 64 * 1024
REASON_LABELS = {"fallback": "non compris", "ambiguity": "ambigu", "low_confidence": "peu sûr",
                 "out_of_scope": "hors sujet", "negative_feedback": "avis négatif",
                 "action_failure": "erreur technique",
                 "action_unavailable": "serveur d'actions indisponible"}
STATUS_LABELS = {"new": "nouveau", "resolved": "résolu", "ignored": "ignoré", "promoted": "promu"}
MARKS = review_api.MARKS
TEACH = ("teach", promote.OUT_OF_SCOPE)  # a group's "Enseigner" and "Hors sujet"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
AUTH_FAILURES = web.AppKey("auth_failures", AuthFailures)


def root_of(request: web.Request) -> str:
    """Where the sub-application is mounted (/review)."""
    return str(request.app.router["page"].url_for())


def _credential(request: web.Request) -> Optional[str]:
    """The token the client sent (Bearer header, else the cookie); None when it sent none."""
    header = request.headers.get("Authorization", "")
    return header[7:] if header.startswith("Bearer ") else request.cookies.get(COOKIE)


def _right(given: str, token: Optional[str]) -> bool:
    """Whether the token sent is REVIEW_TOKEN (never when the page is disabled)."""
    if not token:
        return False
    return hmac.compare_digest(given.encode(), token.encode())


def _refused(request: web.Request, failed: bool = False, retry_after: int = 0) -> web.Response:
    """401 (no token, or a wrong one) or 429 (too many wrong ones): JSON for the API and the
    exports, the login page otherwise."""
    headers = {"Retry-After": str(retry_after)} if retry_after else {"WWW-Authenticate": "Bearer"}
    status = 429 if retry_after else 401
    if api_errors.wants_json(request):
        error = (f"trop de tentatives : réessayez dans {retry_after} secondes" if retry_after
                 else "authentification requise")
        return web.json_response({"error": error}, status=status, headers=headers)
    html = request.config_dict[TEMPLATES].get_template("login.html").render(
        root=root_of(request), disabled=settings_of(request).review_token is None, failed=failed,
        retry_after=retry_after)
    return web.Response(status=status, content_type="text/html", text=html,
                        headers=headers if retry_after else None)


@web.middleware
async def require_token(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every route of the sub-application needs the token (header or cookie), except the login
    form. Wrong tokens count as failed logins (AuthFailures): past the limit, even the right one
    is refused until the minute has passed, so that guessing through the API is no faster."""
    if request.match_info.route.name == "login":
        return await handler(request)
    token, given = settings_of(request).review_token, _credential(request)
    if given is None or not token:
        return _refused(request)
    failures = request.app[AUTH_FAILURES]
    retry_after = failures.wait(request.remote)
    if retry_after:
        return _refused(request, retry_after=retry_after)
    if _right(given, token):
        return await handler(request)
    failures.fail(request.remote)
    return _refused(request, failed=True)


async def login(request: web.Request) -> web.StreamResponse:
    """The token form: a right token becomes a cookie restricted to /review, Secure when the
    page is served over HTTPS, and the optional name one too (who taught or edited; none given:
    a name left by an earlier login is removed). Past 10 wrong tokens a minute from one address: 429."""
    failures = request.app[AUTH_FAILURES]
    retry_after = failures.wait(request.remote)
    if retry_after:
        return _refused(request, retry_after=retry_after)
    form = await request.post()
    token = settings_of(request).review_token
    given = str(form.get("token", ""))
    if not _right(given, token):
        if token:
            failures.fail(request.remote)
        return _refused(request, failed=True)
    root = root_of(request)
    response = web.HTTPSeeOther(root)
    # request.secure: HTTPS to this process. Behind a proxy ending TLS the cookie is not marked
    # Secure: X-Forwarded-Proto is not trusted, as no setting says which proxy may send it.
    response.set_cookie(COOKIE, given, httponly=True, samesite="Strict", path=root,
                        secure=True if request.secure else None)
    name = staff.cookie_value(str(form.get("author", "")))
    if name:
        response.set_cookie(staff.AUTHOR_COOKIE, name, httponly=True, samesite="Strict", path=root,
                            secure=True if request.secure else None)
    else:
        response.del_cookie(staff.AUTHOR_COOKIE, path=root)
    return response


def _query(filters: store.Filters) -> str:
    """The filters as a query string (the page's links and its buttons' form keep them)."""
    return urlencode([(k, str(v)) for k, v in (("reason", filters.reason), ("status", filters.status),
                                               ("since", filters.since), ("until", filters.until)) if v])


def _back(request: web.Request) -> str:
    """The page the buttons were pressed on, with its filters (sent in the form's action, as the
    page sends no Referer); always this page, whatever the query holds."""
    root = root_of(request)
    try:
        query = _query(filters_of(request))
    except web.HTTPBadRequest:
        query = ""
    return f"{root}?{query}" if query else root


async def page_action(request: web.Request) -> web.StreamResponse:
    """The page's buttons: mark the selected groups, or promote one question; a group's own
    buttons: teach all its questions as the chosen topic, or as out of scope, or ignore them."""
    form = await request.post()
    # Row ids: ASCII digits only ("²" is a digit to str.isdigit), small enough for any database.
    ids = [int(i) for i in ",".join(form.getall("ids", [])).split(",") if re.fullmatch(r"\s*[0-9]{1,18}\s*", i)]
    action = form.get("action")
    if action in MARKS and ids:
        await asyncio.to_thread(review_data.set_status, settings_of(request), ids, str(action))
    elif action == "promote" and ids:
        await review_api.promote(request, ids[0], str(form.get("intent", "")))
    elif action in TEACH and ids:
        intent = promote.OUT_OF_SCOPE if action == promote.OUT_OF_SCOPE else str(form.get("intent", ""))
        await review_api.teach(request, ids, intent, staff.author(request))
    raise web.HTTPSeeOther(_back(request))


async def page(request: web.Request) -> web.Response:
    """The review page: dashboard, filters, groups of similar questions."""
    filters = filters_of(request)
    data = await asyncio.to_thread(review_data.page_data, settings_of(request), filters)
    trainings = await asyncio.to_thread(training.recent, settings_of(request), 3)
    query = _query(filters)
    html = request.config_dict[TEMPLATES].get_template("review.html").render(
        root=root_of(request), filters=filters, query=query, days=review_data.DASHBOARD_DAYS,
        reason_labels=REASON_LABELS, status_labels=STATUS_LABELS, topic_label=topic_labels.label,
        guesses=topic_labels.guesses, trainings=trainings, training_labels=train_api.STATUS_LABELS, **data)
    return web.Response(content_type="text/html", text=html)


def create_review_app(settings: Settings, templates: Optional[Environment] = None) -> web.Application:
    """The review sub-application; the retention purge runs when the server starts."""
    app = web.Application(middlewares=[require_token, api_errors.json_errors], client_max_size=MAX_BODY)
    app[SETTINGS] = settings
    app[TEMPLATES] = templates or environment()
    app[AUTH_FAILURES] = AuthFailures()

    async def purge_old_rows(_app: web.Application) -> None:
        await asyncio.to_thread(review_data.purge, settings)

    app.on_startup.append(purge_old_rows)
    app.add_routes([web.get("", page, name="page"), web.post("/login", login, name="login"),
                    web.post("/action", page_action, name="action"), *review_api.routes(),
                    *knowledge_api.routes(), *knowledge_page.routes()])
    train_api.install(app)
    openapi.install(app)
    return app
