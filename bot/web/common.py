"""What the web app's parts share: their application keys and the Jinja2 templates."""
from __future__ import annotations

from pathlib import Path

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from bot.settings import Settings

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
SETTINGS = web.AppKey("settings", Settings)
TEMPLATES = web.AppKey("templates", Environment)


def environment() -> Environment:
    """The templates of bot/web/templates/; every value rendered into HTML is escaped."""
    # StrictUndefined: a misspelt variable fails the test suite instead of rendering empty.
    return Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=select_autoescape(["html"]),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
