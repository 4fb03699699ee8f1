"""What the web app's parts share: their application keys, where the review feature is mounted,
the Jinja2 templates and the static files."""
from __future__ import annotations

from pathlib import Path

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from bot.settings import Settings

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
# Stylesheets of the pages, served at /static/: no page has inline styles or scripts (see security.py).
STATIC_DIR = Path(__file__).resolve().parent / "static"
REVIEW_PREFIX = "/review"
SETTINGS = web.AppKey("settings", Settings)
TEMPLATES = web.AppKey("templates", Environment)


def environment() -> Environment:
    """The templates of bot/web/templates/; every value rendered into HTML is escaped."""
    # StrictUndefined: a misspelt variable fails the test suite instead of rendering empty.
    return Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=select_autoescape(["html"]),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
