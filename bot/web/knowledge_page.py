"""Facts maintained by staff: the French HTML pages of the /review sub-application (same token),
rendered from templates/knowledge.html, forms only and no script (the review pages' CSP).

    GET  /review/connaissances                   the facts by topic, the documents, a form to add one
    GET  /review/connaissances/KEY               one fact, a form to update it, its history
    POST /review/connaissances/source            the document form -> 303 to the list (?ok=source)
    POST /review/connaissances/KEY/update        the update form -> 303 to the fact (?ok=update)
    POST /review/connaissances/KEY/restore       a "Restaurer" button -> 303 to the fact (?ok=restore)

The rules are knowledge/edits.py's, run in a transaction in a worker thread (knowledge_api._run).
A refused change shows the page again with the reason in French (422, 404 for an unknown fact),
what was typed kept, nothing written.
"""
from __future__ import annotations

import datetime
from typing import Any, Mapping, Optional

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from bot.web.common import TEMPLATES
from bot.web.knowledge_api import _author, _run
from bot.web.review_api import settings_of
from knowledge import edits
from knowledge.db import SEEDS_DIR
from knowledge.freshness import month_year, to_recheck
from knowledge.models import Fact, Source
from knowledge.queries import view

TOPIC_LABELS = {
    "overview": "Présentation", "certification": "Certification", "blocks": "Blocs de compétences",
    "prerequisites": "Prérequis", "derogation": "Dérogation", "access_routes": "Voies d'accès",
    "application": "Candidature", "cost": "Coût", "cpf": "CPF", "duration": "Durée",
    "schedule": "Calendrier", "location": "Lieu", "pedagogy": "Pédagogie",
    "coop_module": "Module coopératif", "internship": "Stage", "memoire": "Mémoire",
    "evaluation": "Évaluation", "vae": "VAE", "outcomes": "Débouchés", "sectors": "Secteurs",
    "statistics": "Statistiques", "contact": "Contact", "other_programme": "Autre formation",
}
STATUS_LABELS = {"current": "actuel", "history": "historique", "other_programme": "autre formation"}
STATUS_ORDER = {"current": 0, "history": 1, "other_programme": 2}
OK_MESSAGES = {
    "source": "Document ajouté : vous pouvez maintenant le choisir pour mettre à jour une information.",
    "update": "Information mise à jour : une nouvelle version est enregistrée.",
    "restore": "Version restaurée : elle est enregistrée comme nouvelle version.",
}
# The API's field names in knowledge/edits.py's messages, as the forms call them.
FIELD_NAMES = {"« id »": "« identifiant »", "« title »": "« titre »", "« text »": "« texte »",
               "« quote »": "« citation »", "« reason »": "« motif »",
               "« review_by »": "« à revérifier le »", "« values »": "« valeurs »"}
NOTHING_SAVED = ". Rien n'a été enregistré."
TOO_LARGE = "le formulaire envoyé est trop long (64 Ko au plus) : raccourcissez le texte" + NOTHING_SAVED


def french_date(day: Optional[datetime.date]) -> str:
    """"1er septembre 2025"; "" for no date."""
    if day is None:
        return ""
    return f"{'1er' if day.day == 1 else day.day} {month_year(day)}"


def _french(message: str) -> str:
    for name, label in FIELD_NAMES.items():
        message = message.replace(name, label)
    return message


def _display(values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each value for the page: a text (str or int, editable) or a list of texts (read-only)."""
    shown = []
    for name, value in values.items():
        if isinstance(value, list):
            items = [" — ".join(str(v) for v in item.values()) if isinstance(item, dict) else str(item)
                     for item in value]
            shown.append({"name": name, "text": None, "entries": items, "number": False})
        else:
            shown.append({"name": name, "text": str(value), "entries": None,
                          "number": isinstance(value, int) and not isinstance(value, bool)})
    return shown


def _source(source: Source) -> dict[str, Any]:
    return {"file": source.file, "label": source.label, "date": source.date, "status": source.status,
            "status_label": STATUS_LABELS.get(source.status, source.status),
            "published": french_date(source.published), "added_by": source.added_by}


def _fact(row: Fact, today: datetime.date) -> dict[str, Any]:
    fact = view(row)
    return {"key": fact.key, "topic": fact.topic, "topic_label": TOPIC_LABELS.get(fact.topic, fact.topic),
            "label": fact.label, "status": fact.status,
            "status_label": STATUS_LABELS.get(fact.status, fact.status), "fields": _display(fact.values),
            "source": _source(row.source), "quote": row.quote, "note": row.note,
            "review_by": french_date(fact.review_by), "to_recheck": to_recheck(fact, today),
            "version": row.version, "edited": bool(row.edited)}


def _sources(session: Session) -> list[dict[str, Any]]:
    rows = session.scalars(select(Source).order_by(Source.published.desc(), Source.label))
    return [_source(row) for row in rows]


def _list_data(session: Session, today: datetime.date) -> dict[str, Any]:
    """The facts grouped by topic (in TOPIC_LABELS' order, unknown topics after), the documents."""
    rows = session.scalars(select(Fact).options(joinedload(Fact.source)).order_by(Fact.topic, Fact.key))
    facts = [_fact(row, today) for row in rows]
    order = list(TOPIC_LABELS)
    topics: dict[str, list[dict[str, Any]]] = {}
    for fact in sorted(facts, key=lambda f: (STATUS_ORDER.get(f["status"], 9), f["key"])):
        topics.setdefault(fact["topic"], []).append(fact)
    groups = [{"key": topic, "label": TOPIC_LABELS.get(topic, topic), "facts": topics[topic]}
              for topic in sorted(topics, key=lambda t: (order.index(t) if t in order else len(order), t))]
    return {"topics": groups, "recheck": [f for f in facts if f["to_recheck"]], "sources": _sources(session)}


def _fact_data(session: Session, key: str, today: datetime.date) -> dict[str, Any]:
    """One fact, the documents, its history (newest first); edits.NotFound for an unknown key."""
    fact = _fact(edits.get_fact(session, key), today)
    sources = _sources(session)
    by_file = {source["file"]: source for source in sources}
    history = []
    for version in edits.history(session, key):
        created = datetime.datetime.fromisoformat(version["created_at"])
        review_by = version["review_by"] and datetime.date.fromisoformat(version["review_by"])
        history.append({**version, "fields": _display(version["values"]),
                        "source_info": by_file.get(version["source"]),
                        "created": f"{french_date(created.date())} à {created:%H:%M} (UTC)",
                        "review_by": french_date(review_by or None)})
    return {"fact": fact, "sources": sources, "history": history}


def _render(request: web.Request, status: int = 200, **context: Any) -> web.Response:
    root = str(request.app.router["page"].url_for())
    page = {"root": root, "base": str(request.app.router["knowledge_page"].url_for()), "ok": None,
            "error": None, "form": {}, "fact": None, "topics": [], "recheck": [], "sources": [],
            "history": [], **context}
    html = request.config_dict[TEMPLATES].get_template("knowledge.html").render(**page)
    return web.Response(status=status, content_type="text/html", text=html)


def _ok(request: web.Request) -> Optional[str]:
    return OK_MESSAGES.get(request.query.get("ok", ""))


async def _show_list(request: web.Request, status: int = 200, **context: Any) -> web.Response:
    today = settings_of(request).today()
    data = await _run(request, lambda session: _list_data(session, today))
    return _render(request, status, **{**data, **context})


async def _show_fact(request: web.Request, key: str, status: int = 200, **context: Any) -> web.Response:
    today = settings_of(request).today()
    try:
        data = await _run(request, lambda session: _fact_data(session, key, today))
    except edits.NotFound as error:
        return await _show_list(request, 404, error=_french(str(error)))
    return _render(request, status, **{**data, **context})


async def _posted(request: web.Request) -> tuple[dict[str, str], Optional[str]]:
    """The form's text fields (files ignored), or an error when it is over the body limit."""
    try:
        form = await request.post()
    except web.HTTPRequestEntityTooLarge:
        return {}, TOO_LARGE
    # NUL is refused by PostgreSQL text columns and means nothing in a form: removed.
    return {name: value.replace("\x00", "") for name, value in form.items() if isinstance(value, str)}, None


async def _attempt(request: web.Request, work: Any) -> tuple[int, Optional[str]]:
    """Run a change in a transaction: (0, None) when saved, else (status, French reason)."""
    try:
        await _run(request, work, write=True)
    except edits.NotFound as error:
        return 404, _french(str(error)) + NOTHING_SAVED
    except edits.EditRefused as error:
        return 422, _french(str(error)) + NOTHING_SAVED
    return 0, None


async def knowledge_page(request: web.Request) -> web.Response:
    """The facts by topic, the documents, the form to add one."""
    return await _show_list(request, ok=_ok(request))


async def fact_page(request: web.Request) -> web.Response:
    """One fact, its update form and its history."""
    return await _show_fact(request, request.match_info["key"], ok=_ok(request))


def _values(row: Fact, form: Mapping[str, str]) -> dict[str, Any]:
    """The new values from the form: texts, integers where the fact holds one, lists unchanged."""
    values: dict[str, Any] = {}
    for name, current in row.values.items():
        if isinstance(current, list):
            values[name] = current
            continue
        text = form.get(f"value.{name}", "").strip()
        if not text:
            raise edits.EditRefused(f"« {name} » est obligatoire")
        if isinstance(current, int) and not isinstance(current, bool):
            try:
                values[name] = int(text)
            except ValueError:
                raise edits.EditRefused(f"« {name} » : un nombre entier est attendu") from None
        else:
            values[name] = text
    return values


async def add_source(request: web.Request) -> web.StreamResponse:
    """The document form."""
    form, error = await _posted(request)
    if error:
        return await _show_list(request, 413, error=error, form=form)

    def work(session: Session) -> None:
        edits.add_source(session, form.get("id", "").strip(), form.get("title"), form.get("date"),
                         form.get("text"), _author(request, form))

    status, error = await _attempt(request, work)
    if error:
        return await _show_list(request, status, error=error, form=form)
    raise web.HTTPSeeOther(str(request.app.router["knowledge_page"].url_for().with_query(ok="source")))


async def update(request: web.Request) -> web.StreamResponse:
    """The update form of a fact."""
    key = request.match_info["key"]
    form, error = await _posted(request)
    if error:
        return await _show_fact(request, key, 413, error=error, form=form)

    def work(session: Session) -> None:
        row = edits.get_fact(session, key)
        edits.update_fact(session, key, _values(row, form), form.get("source"), form.get("quote"),
                          form.get("reason"), _author(request, form), SEEDS_DIR, form.get("review_by") or None)

    status, error = await _attempt(request, work)
    if error:
        return await _show_fact(request, key, status, error=error, form=form)
    raise web.HTTPSeeOther(str(request.app.router["fact_page"].url_for(key=key).with_query(ok="update")))


async def restore(request: web.Request) -> web.StreamResponse:
    """A "Restaurer" button of the history."""
    key = request.match_info["key"]
    form, error = await _posted(request)
    if error:
        return await _show_fact(request, key, 413, error=error)
    version: Any = form.get("version", "").strip()
    version = int(version) if version.isascii() and version.isdigit() else version

    def work(session: Session) -> None:
        edits.restore(session, key, version, _author(request, form), form.get("reason", "").strip() or None)

    status, error = await _attempt(request, work)
    if error:
        return await _show_fact(request, key, status, error=error)
    raise web.HTTPSeeOther(str(request.app.router["fact_page"].url_for(key=key).with_query(ok="restore")))


def routes() -> list[web.RouteDef]:
    """The pages' routes, relative to the sub-application's prefix."""
    return [
        web.get("/connaissances", knowledge_page, name="knowledge_page"),
        web.post("/connaissances/source", add_source, name="knowledge_add_source"),
        web.get("/connaissances/{key}", fact_page, name="fact_page"),
        web.post("/connaissances/{key}/update", update, name="fact_update"),
        web.post("/connaissances/{key}/restore", restore, name="fact_restore"),
    ]
