"""The demo programme page (rendered from templates/programme.html) and the widget's files."""
from __future__ import annotations

import asyncio
from pathlib import Path

from aiohttp import web
from jinja2 import Environment

from bot import db
from bot.settings import Settings
from bot.web.common import SETTINGS, TEMPLATES
from knowledge import queries
from knowledge.db import KnowledgeUnavailable

WIDGET_DIR = Path(__file__).resolve().parent / "widget"
# Page variable -> (fact key, value name): every figure of the page comes from the knowledge base.
PAGE_FACTS = {
    "title": ("overview.title", "title"), "level": ("certification.level", "level"),
    "exit_level": ("certification.exit_level", "level"), "years": ("schedule.rhythm", "years"),
    "rhythm": ("schedule.rhythm", "rhythm"), "weeks": ("schedule.rhythm", "weeks"),
    "distance": ("schedule.rhythm", "distance"), "hours": ("duration.hours", "total"),
    "cost_third_party": ("cost.third_party", "amount"), "cost_third_party_funding": ("cost.third_party", "funding"),
    "cost_individual": ("cost.individual", "amount"), "cost_individual_funding": ("cost.individual", "funding"),
    "contact": ("contact.email", "address"),
}


def page_values(settings: Settings) -> dict[str, str]:
    """The page's values from the knowledge base, with their sources (escaped when rendered).
    Blocking: the page calls it in a worker thread."""
    with db.existing_session(settings.knowledge_db_url) as session:
        facts = {key: queries.fact_by_key(session, key) for key, _ in PAGE_FACTS.values()}
    if any(fact is None for fact in facts.values()):
        raise KnowledgeUnavailable("knowledge database incomplete: run `make knowledge`")
    values = {name: str(facts[key].values[value]) for name, (key, value) in PAGE_FACTS.items()}
    labels: list[str] = []
    for fact in facts.values():
        if fact.source_label not in labels:
            labels.append(fact.source_label)
    values["source"] = " ; ".join(labels)
    values["server"] = settings.public_bot_url
    return values


def render_page(templates: Environment, values: dict[str, str]) -> str:
    """The programme page's HTML; autoescape escapes every value."""
    return templates.get_template("programme.html").render(**values)


async def programme_page(request: web.Request) -> web.Response:
    """The demo page: a programme page with the widget."""
    try:
        values = await asyncio.to_thread(page_values, request.config_dict[SETTINGS])
    except KnowledgeUnavailable as error:
        return web.Response(status=503, text=f"Page indisponible : {error}")
    return web.Response(text=render_page(request.config_dict[TEMPLATES], values),
                        content_type="text/html", charset="utf-8")


def add_routes(app: web.Application) -> None:
    """/ and /widget/ (widget.js, widget.css)."""
    app.add_routes([web.get("/", programme_page), web.static("/widget", WIDGET_DIR, show_index=False)])
