"""Rasa's channels, hardened: socket.io with the CORS allow-list, REST refusing bad bodies.

Rasa 3.6 builds its socket.io server with `cors_allowed_origins=[]`, which accepts every
origin; RestrictedSocketIOInput applies CORS_ORIGINS (bot/settings.py) to socket.io as `--cors`
does to REST. Rasa's REST channel answers a JSON body that is not an object (a list, a
number) with a 500; SafeRestInput answers 400 with a clear message instead.
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint
from sanic.exceptions import InvalidUsage
from sanic.request import Request

from bot.settings import Settings


class RestrictedSocketIOInput(SocketIOInput):
    """socket.io for standard Rasa clients, from the allowed origins only."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        # Engine.IO checks this list on every request that carries an Origin header.
        self.sio.eio.cors_allowed_origins = list(Settings.from_env().cors_origins)
        return blueprint


class SafeRestInput(RestInput):
    """The REST channel (same URL), with a 400 for a body that is not a JSON object."""

    async def _extract_sender(self, req: Request) -> Optional[Text]:
        if not isinstance(req.json, dict):
            raise InvalidUsage('Le corps doit être un objet JSON : {"sender": "...", "message": "..."}')
        sender = req.json.get("sender")
        return None if sender is None else str(sender)
