"""The web server on WEB_PORT: the programme page with the widget, and the staff review page.

    python -m bot.web        (started by `make run`)
"""
from __future__ import annotations

import sys

from aiohttp import web

from bot.settings import Settings, SettingsError
from bot.web.app import create_app


def main() -> int:
    """Serve until stopped."""
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"web: {error}", file=sys.stderr)
        return 2
    web.run_app(create_app(settings), host=settings.host, port=settings.web_port, print=None, access_log=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
