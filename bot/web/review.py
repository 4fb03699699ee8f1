"""The staff review page and its JSON API (aiohttp), protected by REVIEW_TOKEN.

    GET  /review                         the page (filters, groups, dashboard)
    POST /review/login                   token form -> session cookie
    GET  /review/api/unanswered          the log as JSON (?reason=&status=&since=&until=)
    GET  /review/api/dashboard           the dashboard figures as JSON
    POST /review/api/status              {"ids": [...], "status": "resolved"|"ignored"|"new"}
    POST /review/api/promote             {"id": 1, "intent": "ask_cost"}
    DELETE /review/api/conversations/ID  forget one conversation
    GET  /review/export.csv | export.json
"""
from __future__ import annotations

import csv
import datetime
import hmac
import io
import json
from html import escape
from typing import Any, Awaitable, Callable, Optional

from aiohttp import web
from sqlalchemy.engine import Engine

from bot.review import dashboard, promote, store
from bot.review.models import REASONS, STATUSES
from bot.settings import Settings
from knowledge.db import make_engine

COOKIE = "review_token"
MAX_BODY = 64 * 1024
DASHBOARD_DAYS = 14
REASON_LABELS = {"fallback": "non compris", "ambiguity": "ambigu", "low_confidence": "peu sûr",
                 "out_of_scope": "hors sujet", "negative_feedback": "avis négatif",
                 "action_failure": "erreur technique",
                 "action_unavailable": "serveur d'actions indisponible"}
STATUS_LABELS = {"new": "nouveau", "resolved": "résolu", "ignored": "ignoré", "promoted": "promu"}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _authorised(request: web.Request, token: Optional[str]) -> bool:
    if not token:
        return False
    header = request.headers.get("Authorization", "")
    given = header[7:] if header.startswith("Bearer ") else request.cookies.get(COOKIE, "")
    return hmac.compare_digest(given.encode(), token.encode())


@web.middleware
async def require_token(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every /review route needs the token (header or cookie), except the login form."""
    if (not request.path.startswith("/review") or request.path == "/review/login"
            or _authorised(request, request.app["settings"].review_token)):
        return await handler(request)
    if request.path.startswith("/review/api") or request.path.startswith("/review/export"):
        return web.json_response({"error": "authentification requise"}, status=401,
                                 headers={"WWW-Authenticate": "Bearer"})
    return web.Response(status=401, content_type="text/html", text=_login_page(
        request.app["settings"].review_token is None))


def _date(value: Optional[str]) -> Optional[datetime.date]:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise web.HTTPBadRequest(text=f"date invalide : {value!r} (attendu AAAA-MM-JJ)") from error


def _filters(request: web.Request) -> store.Filters:
    reason = request.query.get("reason") or None
    status = request.query.get("status") or None
    if reason and reason not in REASONS or status and status not in STATUSES:
        raise web.HTTPBadRequest(text="motif ou statut inconnu")
    return store.Filters(reason, status, _date(request.query.get("since")), _date(request.query.get("until")))


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise web.HTTPBadRequest(text="corps JSON invalide") from error
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="un objet JSON est attendu")
    return body


def _log(request: web.Request) -> Engine:
    return request.app["log"]


async def api_unanswered(request: web.Request) -> web.Response:
    rows = store.entries(_log(request), _filters(request))
    return web.json_response({"items": rows, "groups": _jsonable_groups(store.groups(rows))})


def _jsonable_groups(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**g, "reasons": dict(g["reasons"]), "statuses": dict(g["statuses"])} for g in groups]


def _dashboard(request: web.Request) -> dict[str, Any]:
    today = datetime.datetime.utcnow().date()
    since = today - datetime.timedelta(days=DASHBOARD_DAYS - 1)
    activity = dashboard.tracker_activity(request.app["tracker"], DASHBOARD_DAYS, today)
    logged = store.entries(_log(request), store.Filters(since=since), limit=100_000)
    return dashboard.summary(activity, logged, store.groups(logged))


async def api_dashboard(request: web.Request) -> web.Response:
    return web.json_response(_dashboard(request))


async def api_status(request: web.Request) -> web.Response:
    body = await _json_body(request)
    ids, status = body.get("ids"), body.get("status")
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids) or status not in STATUSES:
        raise web.HTTPBadRequest(text='attendu : {"ids": [entiers], "status": "resolved|ignored|new"}')
    return web.json_response({"updated": store.set_status(_log(request), ids, status)})


def _promote(request: web.Request, row_id: Any, intent: Any) -> dict[str, Any]:
    if not isinstance(row_id, int) or not isinstance(intent, str):
        raise web.HTTPBadRequest(text='attendu : {"id": entier, "intent": "nom"}')
    row = store.get(_log(request), row_id)
    if row is None:
        raise web.HTTPNotFound(text=f"question {row_id} introuvable")
    path = request.app["settings"].promote_file
    try:
        example = promote.promote(path, row["text"], intent)
    except ValueError as error:
        raise web.HTTPBadRequest(text=str(error)) from error
    store.set_status(_log(request), [row_id], "promoted", intent)
    return {"file": str(path), "intent": intent, "example": example}


async def api_promote(request: web.Request) -> web.Response:
    body = await _json_body(request)
    return web.json_response(_promote(request, body.get("id"), body.get("intent")))


async def api_forget(request: web.Request) -> web.Response:
    return web.json_response({"deleted": store.forget_conversation(_log(request),
                                                                   request.match_info["conversation"])})


async def export_csv(request: web.Request) -> web.Response:
    rows = store.entries(_log(request), _filters(request), limit=1_000_000)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["id", "date (UTC)", "conversation", "question", "motif", "statut", "intentions",
                     "réponse", "entrée"])
    for row in rows:
        intents = ", ".join(f"{i['name']} {i['confidence']:.2f}" for i in row["intents"])
        writer.writerow([row["id"], row["created_at"], row["conversation"], row["text"],
                         row["reason"], row["status"], intents, row["reply"], row["entry"] or ""])
    # UTF-8 with BOM and ";" so that a spreadsheet in French opens it as is.
    return web.Response(body=("\ufeff" + buffer.getvalue()).encode("utf-8"),
                        content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": 'attachment; filename="questions.csv"'})


async def export_json(request: web.Request) -> web.Response:
    return web.json_response(store.entries(_log(request), _filters(request), limit=1_000_000),
                             headers={"Content-Disposition": 'attachment; filename="questions.json"'})


async def login(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    token = request.app["settings"].review_token
    given = str(form.get("token", ""))
    if not token or not hmac.compare_digest(given.encode(), token.encode()):
        return web.Response(status=401, content_type="text/html", text=_login_page(token is None, failed=True))
    response = web.HTTPSeeOther("/review")
    response.set_cookie(COOKIE, given, httponly=True, samesite="Strict", path="/review")
    return response


async def page_action(request: web.Request) -> web.StreamResponse:
    """The page's buttons: mark the selected groups, or promote one question."""
    form = await request.post()
    ids = [int(i) for i in ",".join(form.getall("ids", [])).split(",") if i.strip().isdigit()]
    action = form.get("action")
    if action in ("resolved", "ignored", "new") and ids:
        store.set_status(_log(request), ids, str(action))
    elif action == "promote" and ids:
        _promote(request, ids[0], str(form.get("intent", "")))
    raise web.HTTPSeeOther(request.headers.get("Referer") or "/review")


async def page(request: web.Request) -> web.Response:
    filters = _filters(request)
    rows = store.entries(_log(request), filters)
    return web.Response(content_type="text/html",
                        text=render_page(filters, store.groups(rows), _dashboard(request),
                                         sorted(promote.domain_intents())))


def _options(values: dict[str, str], selected: Optional[str]) -> str:
    return "".join(f'<option value="{escape(k)}"{" selected" if k == selected else ""}>{escape(v)}</option>'
                   for k, v in values.items())


def render_page(filters: store.Filters, groups: list[dict[str, Any]], figures: dict[str, Any],
                intents: list[str]) -> str:
    """The review page; every logged text is escaped."""
    intent_options = "".join(f'<option value="{escape(i)}">{escape(i)}</option>' for i in intents)
    group_rows = []
    for group in groups:
        reasons = ", ".join(f"{escape(REASON_LABELS.get(r, r))} ({n})" for r, n in group["reasons"].items())
        statuses = ", ".join(f"{escape(STATUS_LABELS.get(s, s))} ({n})" for s, n in group["statuses"].items())
        ids = ",".join(str(i) for i in group["ids"])
        group_rows.append(
            f'<tr><td><input type="checkbox" name="ids" value="{ids}" aria-label="Sélectionner"></td>'
            f'<td>{escape(group["text"])}</td><td>{group["count"]}</td><td>{reasons}</td>'
            f'<td>{statuses}</td><td>{escape(group["last"])}</td></tr>')
    days = "".join(f"<tr><td>{escape(d['day'])}</td><td>{d['conversations']}</td><td>{d['messages']}</td></tr>"
                   for d in figures["per_day"]) or '<tr><td colspan="3">Aucune conversation</td></tr>'
    topics = "".join(f"<li>{escape(t['topic'])} : {t['answers']}</li>" for t in figures["top_topics"]) or "<li>—</li>"
    top = "".join(f"<li>{escape(t['text'])} ({t['count']})</li>" for t in figures["top_unanswered"]) or "<li>—</li>"
    rate = "—" if figures["fallback_rate"] is None else f"{figures['fallback_rate'] * 100:.1f} %"
    query = "&".join(f"{k}={escape(str(v))}" for k, v in (
        ("reason", filters.reason), ("status", filters.status), ("since", filters.since),
        ("until", filters.until)) if v)
    return f"""<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Questions sans réponse — assistant CESTES</title>
<style>body{{font-family:system-ui,sans-serif;margin:1.5rem;color:#1a1a1a}}table{{border-collapse:collapse;width:100%}}
td,th{{border:1px solid #999;padding:.3rem .5rem;text-align:left;vertical-align:top}}
th{{background:#eee}}.grid{{display:flex;gap:2rem;flex-wrap:wrap}}button,select,input{{font-size:1rem}}</style></head>
<body><h1>Questions sans réponse</h1>
<section aria-labelledby="tableau"><h2 id="tableau">Tableau de bord ({DASHBOARD_DAYS} derniers jours)</h2>
<div class="grid"><table><caption>Activité par jour</caption><tr><th>Jour</th><th>Conversations</th><th>Messages</th></tr>{days}</table>
<div><p>Taux de repli (non compris, ambigu, hors sujet) : <strong>{rate}</strong></p>
<h3>Thèmes les plus demandés</h3><ul>{topics}</ul><h3>Questions sans réponse les plus fréquentes</h3><ul>{top}</ul></div></div></section>
<section aria-labelledby="journal"><h2 id="journal">Journal</h2>
<form method="get" action="/review"><label>Motif <select name="reason"><option value="">tous</option>{_options(REASON_LABELS, filters.reason)}</select></label>
<label>Statut <select name="status"><option value="">tous</option>{_options(STATUS_LABELS, filters.status)}</select></label>
<label>Du <input type="date" name="since" value="{escape(str(filters.since or ''))}"></label>
<label>au <input type="date" name="until" value="{escape(str(filters.until or ''))}"></label>
<button type="submit">Filtrer</button> <a href="/review/export.csv?{query}">Exporter en CSV</a> · <a href="/review/export.json?{query}">JSON</a></form>
<p>Les questions semblables sont regroupées : même texte une fois la casse, les accents, la ponctuation et les espaces ignorés.</p>
<form method="post" action="/review/action"><table><tr><th>✓</th><th>Question</th><th>Nombre</th><th>Motifs</th><th>Statuts</th><th>Dernière fois (UTC)</th></tr>
{''.join(group_rows) or '<tr><td colspan="6">Aucune question</td></tr>'}</table>
<p><button name="action" value="resolved">Marquer résolu</button> <button name="action" value="ignored">Ignorer</button>
<button name="action" value="new">Remettre à traiter</button>
<label>Promouvoir comme exemple de <select name="intent">{intent_options}</select></label>
<button name="action" value="promote">Promouvoir la première sélection</button></p></form></section>
</body></html>"""


def _login_page(disabled: bool, failed: bool = False) -> str:
    message = ("La page de revue est désactivée : définissez REVIEW_TOKEN pour l'ouvrir." if disabled
               else "Jeton incorrect." if failed else "Cette page est réservée à l'équipe du CESTES.")
    return f"""<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Accès réservé</title></head>
<body><h1>Accès réservé</h1><p>{escape(message)}</p><form method="post" action="/review/login">
<label>Jeton d'accès <input type="password" name="token" autocomplete="current-password"></label>
<button type="submit">Entrer</button></form></body></html>"""


def create_app(settings: Settings) -> web.Application:
    """The review application; its databases open on startup, not at import."""
    app = web.Application(middlewares=[require_token], client_max_size=MAX_BODY)
    app["settings"] = settings

    async def open_databases(app: web.Application) -> None:
        app["log"] = store.open_log(settings.review_db_url)
        store.purge(app["log"], settings.retention_days)
        app["tracker"] = make_engine(settings.tracker_db_url)

    async def close_databases(app: web.Application) -> None:
        app["log"].dispose()
        app["tracker"].dispose()

    app.on_startup.append(open_databases)
    app.on_cleanup.append(close_databases)
    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app.add_routes([
        web.get("/health", health),
        web.get("/review", page), web.post("/review/login", login), web.post("/review/action", page_action),
        web.get("/review/api/unanswered", api_unanswered), web.get("/review/api/dashboard", api_dashboard),
        web.post("/review/api/status", api_status), web.post("/review/api/promote", api_promote),
        web.delete("/review/api/conversations/{conversation}", api_forget),
        web.get("/review/export.csv", export_csv), web.get("/review/export.json", export_json),
    ])
    return app
