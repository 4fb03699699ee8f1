"""Errors of the /review JSON API and exports, in one place: every one is {"error": "<French>"}.

Handlers raise aiohttp's HTTP exceptions with a French text (web.HTTPBadRequest(text=...));
json_errors, a middleware of the /review sub-application placed after require_token, turns
them into JSON with the same status and headers. aiohttp's own errors (unknown route, method
not allowed, body too large) get a French message here. The HTML pages keep their behaviour.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Awaitable, Callable, Optional

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
logger = logging.getLogger(__name__)

# For an exception raised without a text of its own (aiohttp writes "404: Not Found").
DEFAULT_MESSAGES = {400: "requête invalide", 401: "authentification requise", 403: "accès refusé",
                    404: "introuvable", 405: "méthode non permise", 409: "conflit avec l'état actuel",
                    411: "longueur du corps requise", 413: "corps de la requête trop volumineux",
                    415: "type de contenu non pris en charge", 422: "requête refusée",
                    429: "trop de requêtes", 500: "erreur interne du serveur",
                    503: "service momentanément indisponible"}
INTERNAL_ERROR = "erreur interne du serveur"
# Headers the JSON response sets itself; the others (Allow, Retry-After...) are kept.
_OWN_HEADERS = {"content-type", "content-length", "content-encoding"}


def wants_json(request: web.Request) -> bool:
    """Whether the request is for the JSON API or the exports (JSON errors), not a page."""
    root = str(request.app.router["page"].url_for())
    return request.path[len(root):].startswith(("/api", "/export"))


def _json_error(text: Optional[str]) -> Optional[dict[str, Any]]:
    """The body, when a handler already wrote it as {"error": ...} (extra keys kept)."""
    try:
        body = json.loads(text or "")
    except ValueError:
        return None
    return body if isinstance(body, dict) and isinstance(body.get("error"), str) else None


def error_body(request: web.Request, error: web.HTTPException) -> dict[str, Any]:
    """The JSON body for an HTTP error raised while serving the request."""
    status = error.status
    if request.match_info.http_exception is not None:  # aiohttp's routing: no such route or method
        if status == 405:
            allowed = ", ".join(sorted(getattr(error, "allowed_methods", ())))
            return {"error": f"méthode non permise (permises : {allowed})"}
        return {"error": "route inconnue" if status == 404 else DEFAULT_MESSAGES.get(status, f"erreur {status}")}
    if isinstance(error, web.HTTPRequestEntityTooLarge):
        return {"error": DEFAULT_MESSAGES[413]}
    if error.content_type == "application/json":
        written = _json_error(error.text)
        if written is not None:
            return written
    text = (error.text or "").strip()
    if not text or text == f"{status}: {error.reason}":
        return {"error": DEFAULT_MESSAGES.get(status, f"erreur {status}")}
    return {"error": text}


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """HTTP errors of the API and the exports as {"error": "..."}; pages unchanged. An
    unexpected exception is logged and answered 500 {"error"} there too."""
    if not wants_json(request):
        return await handler(request)
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        headers = {k: v for k, v in error.headers.items() if k.lower() not in _OWN_HEADERS}
        return web.json_response(error_body(request, error), status=error.status, headers=headers)
    except Exception:  # noqa: BLE001 - logged, and answered as the API answers every error
        logger.exception("error while serving %s %s", request.method, request.path)
        return web.json_response({"error": INTERNAL_ERROR}, status=500)
