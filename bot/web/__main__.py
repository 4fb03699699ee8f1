"""The web server on WEB_PORT: the programme page with the widget, and the staff review page.

    python -m bot.webserver        (started by `make run`)
"""
from __future__ import annotations

import sys

from aiohttp import web

from bot import site
from bot.review.web import create_app
from bot.settings import Settings, SettingsError


def main() -> int:
    """Serve until stopped."""
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"web: {error}", file=sys.stderr)
        return 2
    app = create_app(settings)
    site.add_routes(app)
    web.run_app(app, host=settings.host, port=settings.web_port, print=None, access_log=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
