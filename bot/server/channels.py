"""Rasa's channels, hardened: socket.io with the CORS allow-list, REST refusing bad bodies.

Rasa 3.6 builds its socket.io server with `cors_allowed_origins=[]`, which accepts every
origin; RestrictedSocketIOInput applies CORS_ORIGINS (bot/settings.py) to socket.io as `--cors`
does to REST. Rasa's REST channel answers a JSON body that is not an object (a list, a
number) with a 500; SafeRestInput answers 400 with a clear message instead.

One layer answers CORS for each URL, once: browsers refuse a response that carries
Access-Control-Allow-Origin twice. Engine.IO owns the socket.io path: it refuses any other
origin on every transport (a WebSocket has no CORS to protect it) and adds the CORS headers
to its own responses, preflights included. Rasa's Sanic CORS (`--cors`, rasa.server.configure_cors)
covers every other URL (REST, the API) and leaves the socket.io path alone.
"""
from __future__ import annotations

import re
from typing import Any, Awaitable, Callable, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint, Sanic
from sanic.exceptions import InvalidUsage
from sanic.request import Request

from bot.settings import Settings


def leave_path_to_engineio(app: Sanic, path: Text) -> None:
    """Make Sanic CORS's resources (`/*` from Rasa's configure_cors) skip `path` and what is under it.

    Sanic-Cors reads them on each request (its preflight answer, its response middleware and
    its error handler), first match wins; without a match it adds nothing.
    """
    context = getattr(app.ctx, "sanic_cors", None)
    if context is None:  # no Sanic CORS on this app: nothing to leave
        return
    outside = rf"(?!{re.escape('/' + path.strip('/'))}(?:/|$))"
    resources = []
    for pattern, options in context.resources:
        if isinstance(pattern, re.Pattern):
            pattern = re.compile(f"{outside}(?:{pattern.pattern})", pattern.flags)
        else:  # Sanic-Cors takes a string as a case-insensitive regex (Rasa's "/*" is one)
            pattern = re.compile(f"{outside}(?:{pattern})", re.IGNORECASE)
        resources.append((pattern, options))
    context.resources = resources


class RestrictedSocketIOInput(SocketIOInput):
    """socket.io for standard Rasa clients, from the allowed origins only."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        # Engine.IO checks this list on every request that carries an Origin header, and
        # answers CORS for the socket.io path: the only layer that does.
        self.sio.eio.cors_allowed_origins = list(Settings.from_env().cors_origins)
        path = self.socketio_path

        @blueprint.listener("before_server_start")
        async def socketio_cors_by_engineio(app: Sanic, _loop: Any) -> None:
            leave_path_to_engineio(app, path)

        return blueprint


class SafeRestInput(RestInput):
    """The REST channel (same URL), with a 400 for a body that is not a JSON object."""

    async def _extract_sender(self, req: Request) -> Optional[Text]:
        if not isinstance(req.json, dict):
            raise InvalidUsage('Le corps doit être un objet JSON : {"sender": "...", "message": "..."}')
        sender = req.json.get("sender")
        return None if sender is None else str(sender)
