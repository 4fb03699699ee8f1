"""The demo programme page and the widget's files, served on WEB_PORT."""
from __future__ import annotations

from html import escape
from pathlib import Path

from aiohttp import web
from sqlalchemy.orm import Session

from bot.settings import Settings
from knowledge import queries
from knowledge.db import KnowledgeUnavailable, open_existing

WIDGET_DIR = Path(__file__).resolve().parent / "widget"
# Page placeholder -> (fact key, value name): every figure of the page comes from the knowledge base.
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
    """The page's values from the knowledge base, HTML-escaped, with their sources."""
    engine = open_existing(settings.knowledge_db_url)
    try:
        with Session(engine) as session:
            facts = {key: queries.fact_by_key(session, key) for key, _ in PAGE_FACTS.values()}
    finally:
        engine.dispose()
    if any(fact is None for fact in facts.values()):
        raise KnowledgeUnavailable("knowledge database incomplete: run `make knowledge`")
    values = {name: escape(str(facts[key].values[value])) for name, (key, value) in PAGE_FACTS.items()}
    labels: list[str] = []
    for fact in facts.values():
        if fact.source_label not in labels:
            labels.append(fact.source_label)
    values["source"] = escape(" ; ".join(labels))
    values["server"] = escape(settings.public_bot_url)
    return values


async def programme_page(request: web.Request) -> web.Response:
    """The demo page: a programme page with the widget."""
    settings: Settings = request.app["settings"]
    try:
        values = page_values(settings)
    except KnowledgeUnavailable as error:
        return web.Response(status=503, text=f"Page indisponible : {error}")
    html = (WIDGET_DIR / "index.html").read_text("utf-8")
    for name, value in values.items():
        html = html.replace("{" + name + "}", value)
    return web.Response(text=html, content_type="text/html", charset="utf-8")


def add_routes(app: web.Application) -> None:
    """/ and /widget/ (widget.js, widget.css)."""
    app.add_routes([web.get("/", programme_page), web.static("/widget", WIDGET_DIR, show_index=False)])
