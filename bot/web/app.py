"""The web application on WEB_PORT: health, the programme page with the widget, the pages'
stylesheets (/static/), and the staff review feature as a sub-application at /review (its token
guards only its own routes). Every response gets its security headers from security.py."""
from __future__ import annotations

import asyncio

from aiohttp import web

from bot import db
from bot.settings import Settings
from bot.web import review, security, site
from bot.web.common import REVIEW_PREFIX, SETTINGS, STATIC_DIR, TEMPLATES, environment


async def health(_request: web.Request) -> web.Response:
    """Liveness, for `make run` and load balancers."""
    return web.json_response({"status": "ok"})


async def _dispose_engines(_app: web.Application) -> None:
    await asyncio.to_thread(db.dispose_all)


def create_app(settings: Settings) -> web.Application:
    """The whole web application; databases open on first use, never at import or creation."""
    templates = environment()
    # aiohttp applies the root application's body limit to every request, sub-applications' too.
    app = web.Application(client_max_size=review.MAX_BODY)
    app[SETTINGS] = settings
    app[TEMPLATES] = templates
    app.add_routes([web.get("/health", health), web.static("/static", STATIC_DIR, show_index=False)])
    site.add_routes(app)
    app.add_subapp(REVIEW_PREFIX, review.create_review_app(settings, templates))
    # A signal rather than a middleware: it also sees the static files and the error pages.
    app.on_response_prepare.append(security.security_headers)
    app.on_cleanup.append(_dispose_engines)
    return app
