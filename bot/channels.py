"""Rasa's socket.io channel, with the CORS allow-list of the settings.

Rasa 3.6 builds its socket.io server with `cors_allowed_origins=[]`, which accepts every
origin; this subclass applies CORS_ORIGINS (bot/settings.py) to socket.io as `--cors` does to REST.
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

from bot.settings import Settings


class RestrictedSocketIOInput(SocketIOInput):
    """socket.io for standard Rasa clients, from the allowed origins only."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        # Engine.IO checks this list on every request that carries an Origin header.
        self.sio.eio.cors_allowed_origins = list(Settings.from_env().cors_origins)
        return blueprint
