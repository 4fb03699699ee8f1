"""The Rasa server follows the models released from the review page, without a restart and
without failing a message (a channel of bot/credentials.yml, so that it runs in every Sanic
worker of every server).

Every MODEL_POLL_S seconds each server process reads the newest release (bot/review/releases.py).
When it wants another model than the one it serves, it builds the new model's message processor
in a worker thread, while the running one keeps answering, then switches the agent to it in one
step on the event loop: a message already being handled finishes with the processor it started
with, the next one gets the new model. It then reports what it serves, which the training waits
for. A model that cannot be loaded is reported with its error, and not tried again until
another release.

    GET /webhooks/model_swap/      {"model": "<file name served>", "error": null}
"""
from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import logging
import os
import socket
from pathlib import Path
from typing import Any, Awaitable, Callable, Optional

from rasa.core.agent import Agent
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.processor import MessageProcessor
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sqlalchemy.exc import SQLAlchemyError

from bot.review import releases
from bot.settings import Settings

logger = logging.getLogger(__name__)
# Reported at least this often while nothing changes.
REPORT_EVERY_S = 10.0
# The old model is freed once the messages it was handling are answered (at most the action
# timeout plus the time to answer).
RELEASE_AFTER_S = 15.0


async def release_later() -> None:
    await asyncio.sleep(RELEASE_AFTER_S)
    release_memory()


def release_memory() -> None:
    """Free the old model: its objects form reference cycles (Keras layers, TensorFlow
    functions) that only a collection frees, and glibc keeps freed memory until trimmed."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def build_processor(agent: Agent, model: Path) -> MessageProcessor:
    """The new model's processor, on the running agent's stores (slow: run it in a thread)."""
    return MessageProcessor(model_path=model, tracker_store=agent.tracker_store, lock_store=agent.lock_store,
                            action_endpoint=agent.action_endpoint, generator=agent.nlg,
                            http_interpreter=agent.http_interpreter)


def switch(agent: Agent, processor: MessageProcessor) -> None:
    """What Agent.load_model does once its processor is built: one step, on the event loop."""
    agent.processor = processor
    agent.domain = processor.domain
    agent._set_fingerprint(None)
    agent.tracker_store.domain = processor.domain
    if isinstance(agent.nlg, TemplatedNaturalLanguageGenerator):
        agent.nlg.responses = processor.domain.responses if processor.domain else {}


class Follower:
    """One server process's loop: read the newest release, switch when it changes, report."""

    def __init__(self, settings: Settings, instance: str) -> None:
        self.settings = settings
        self.instance = instance
        self.error: Optional[str] = None
        self.failed: Optional[Path] = None
        self.since_report = REPORT_EVERY_S
        self.releasing: Optional[asyncio.Task] = None

    def served(self, agent: Agent) -> str:
        return agent.processor.model_path.name if agent.processor else ""

    async def step(self, agent: Agent) -> None:
        newest = await asyncio.to_thread(releases.latest, self.settings)
        model = releases.wanted(self.settings, newest)
        changed = False
        if model.name != self.served(agent) and model != self.failed:
            changed = True
            try:
                if not model.is_file():
                    raise FileNotFoundError(f"{model} introuvable sur {socket.gethostname()}")
                processor = await asyncio.to_thread(build_processor, agent, model)
            except Exception as error:  # any failure to load: keep serving, say why
                logger.exception("model_swap: cannot load %s", model)
                self.failed, self.error = model, f"{error.__class__.__name__}: {error}"[:2000]
            else:
                switch(agent, processor)
                self.failed, self.error = None, None
                logger.info("model_swap: now serving %s", model.name)
                del processor
                self.releasing = asyncio.create_task(release_later())
        self.since_report += self.settings.model_poll_s
        if changed or self.since_report >= REPORT_EVERY_S:
            await asyncio.to_thread(releases.report, self.settings, self.instance, self.served(agent), self.error)
            self.since_report = 0.0

    async def run(self, app: Sanic) -> None:
        while True:
            agent = getattr(app.ctx, "agent", None)
            if agent is not None and agent.is_ready():
                try:
                    await self.step(agent)
                except SQLAlchemyError as error:
                    logger.warning("model_swap: review database unavailable (%s)", error.__class__.__name__)
            await asyncio.sleep(self.settings.model_poll_s)


class ModelSwapInput(InputChannel):
    """Not for visitors: the loop that follows the released models, and its status route."""

    @classmethod
    def name(cls) -> str:
        return "model_swap"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = Blueprint("model_swap", __name__)
        state: dict[str, Any] = {}

        @blueprint.listener("after_server_start")
        async def follow(app: Sanic, _loop: Any) -> None:
            settings = Settings.from_env()
            state["follower"] = follower = Follower(settings, f"{socket.gethostname()}:{os.getpid()}")
            state["task"] = asyncio.create_task(follower.run(app))

        @blueprint.listener("before_server_stop")
        async def stop(_app: Sanic, _loop: Any) -> None:
            task = state.get("task")
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

        @blueprint.route("/", methods=["GET"])
        async def status(request: Request) -> response.HTTPResponse:
            agent = request.app.ctx.agent
            follower = state.get("follower")
            return response.json({"model": follower.served(agent) if follower else None,
                                  "error": follower.error if follower else None})

        return blueprint
