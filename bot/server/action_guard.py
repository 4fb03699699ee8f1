"""The action server seen from the Rasa server: a polite answer when it is down or too slow.

Rasa 3.6 waits up to five minutes for a custom action (DEFAULT_REQUEST_TIMEOUT; endpoints.yml
has no timeout key), and when the action server cannot be reached it logs the error and the
visitor gets no reply at all. `python -m bot` therefore points Rasa's action endpoint at
this channel's route, in the Rasa server itself, with the real action server and a timeout
(ACTION_TIMEOUT_S) as extra keys of the endpoint. The guard forwards each call unchanged; when
the action server refuses, fails or does not answer in time, it answers in its place with
`utter_action_unavailable`, which Rasa renders from the model's domain, filled with the CESTES
address read from the knowledge base, and logs the question for review ("action_unavailable").
This uses only the action server protocol, so it works for every channel (REST, socket.io).
"""
from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, Optional, Text, Tuple, Union

import aiohttp
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.utils.endpoints import EndpointConfig
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError

from bot import db
from bot.review import store
from bot.settings import Settings
from knowledge import queries
from knowledge.db import KnowledgeUnavailable

logger = logging.getLogger(__name__)

RESPONSE = "utter_action_unavailable"
# Said instead when the address cannot be read, or the model predates RESPONSE.
NO_CONTACT_RESPONSE = "utter_knowledge_unavailable"
REASON = "action_unavailable"
# Rasa's own answers: 400 is a form's validation rejecting a value, to be passed on as it is.
PASSED_ON = (200, 400)
# While these forms run, the visitor types a name, an e-mail, a phone: not copied to the log.
PRIVATE_LOOPS = ("handoff_form",)
APOLOGIES_KEPT = 1000
_PLACEHOLDER = re.compile(r"{([^\n{}]+?)}")


@dataclass(frozen=True)
class Upstream:
    """The real action server and how long to wait for it."""

    url: str
    timeout_s: float

    @classmethod
    def of(cls, endpoint: Optional[EndpointConfig]) -> Optional["Upstream"]:
        """From the extra keys of Rasa's action endpoint (see bot/__main__.py action_endpoint)."""
        extra = endpoint.kwargs if endpoint is not None else {}
        if not extra.get("upstream") or not extra.get("upstream_timeout_s"):
            return None
        return cls(str(extra["upstream"]), float(extra["upstream_timeout_s"]))


def authorised(token: Optional[str], endpoint: Optional[EndpointConfig]) -> bool:
    """Only Rasa itself may call the guard: it sends the random token of its action endpoint."""
    expected = endpoint.token if endpoint is not None else None
    return bool(expected and token) and hmac.compare_digest(str(token), str(expected))


async def forward(body: bytes, headers: Dict[str, str], upstream: Upstream) -> Union[Tuple[int, bytes], str]:
    """The action server's status and body, or why it could not answer."""
    try:
        timeout = aiohttp.ClientTimeout(total=upstream.timeout_s)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.post(upstream.url, data=body, headers=headers) as answer:
                content = await answer.read()
                if answer.status in PASSED_ON:
                    return answer.status, content
                return f"status {answer.status}"
    except asyncio.TimeoutError:
        return f"no answer within {upstream.timeout_s:g} s"
    except aiohttp.ClientError as error:
        return f"{error.__class__.__name__}: {error}"


def action_call(body: bytes, encoding: Optional[str]) -> Dict[str, Any]:
    """Rasa's action call (compressed when COMPRESS_ACTION_SERVER_REQUEST is set); {} if unreadable."""
    try:
        if encoding in ("deflate", "gzip"):
            body = zlib.decompress(body, zlib.MAX_WBITS | 32)
        call = json.loads(body)
    except (ValueError, zlib.error):
        return {}
    return call if isinstance(call, dict) else {}


def contact_email(knowledge_db_url: str) -> Optional[str]:
    """The CESTES address of the knowledge base, or None if it cannot be read."""
    try:
        with db.existing_session(knowledge_db_url) as session:
            address = queries.contact_address(session)
    except (KnowledgeUnavailable, SQLAlchemyError) as error:
        logger.error("action guard: no contact address (%s)", error)
        return None
    if address is None:
        logger.error("action guard: no contact.email in the knowledge base")
    return address


def apology(email: Optional[str], responses: Dict[str, Any]) -> Dict[str, Any]:
    """The action server's answer the guard gives in its place: no events, one response."""
    if email and RESPONSE in responses:
        return {"events": [], "responses": [{"response": RESPONSE, "contact_email_address": email}]}
    if RESPONSE not in responses:
        logger.error("action guard: the model has no %s: run `make train`", RESPONSE)
    return {"events": [], "responses": [{"response": NO_CONTACT_RESPONSE}]}


def reply_text(answer: Dict[str, Any], responses: Dict[str, Any]) -> str:
    """The first variant of the apology, filled, as staff will read it in the review log."""
    [said] = answer["responses"]
    variants = responses.get(said["response"]) or [{}]
    template = variants[0].get("text") or ""
    return _PLACEHOLDER.sub(lambda m: str(said.get(m.group(1), m.group(0))), template)


def review_entry(call: Dict[str, Any], reply: str) -> Optional[store.Entry]:
    """What the review log keeps of a call that got no answer; None without a visitor message."""
    tracker = call.get("tracker") or {}
    message = tracker.get("latest_message") or {}
    sender = call.get("sender_id") or tracker.get("sender_id")
    if not sender or message.get("text") is None:
        return None
    private = (tracker.get("active_loop") or {}).get("name") in PRIVATE_LOOPS or any(
        call.get("next_action") == f"validate_{loop}" for loop in PRIVATE_LOOPS)
    ranking = [r for r in message.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
    return store.Entry(sender_id=str(sender), text="" if private else str(message["text"]),
                       reason=REASON, intents=ranking[:3], reply=reply, entry=call.get("next_action"))


def record(url: str, entry: store.Entry) -> None:
    """Add the row; a review log that cannot be written never stops the answer."""
    try:
        with store.session(url) as session, session.begin():
            store.record(session=session, item=entry)
    except (SQLAlchemyError, ValueError, OSError) as error:
        logger.error("review log: could not record an %s message (%s)", REASON, error.__class__.__name__)


class ActionGuardInput(InputChannel):
    """Not a channel for visitors: the route Rasa's action endpoint points at."""

    def __init__(self) -> None:
        # (conversation, message id) already apologised for: one apology per visitor message,
        # even when a turn runs several custom actions.
        self._apologised: "OrderedDict[tuple[str, str], None]" = OrderedDict()

    @classmethod
    def name(cls) -> Text:
        return "action_guard"

    def first_failure(self, call: Dict[str, Any]) -> bool:
        """True for the first failed call of a visitor message, then False for that message."""
        message_id = ((call.get("tracker") or {}).get("latest_message") or {}).get("message_id")
        if message_id is None:
            return True
        key = (str(call.get("sender_id")), str(message_id))
        if key in self._apologised:
            return False
        self._apologised[key] = None
        while len(self._apologised) > APOLOGIES_KEPT:
            self._apologised.popitem(last=False)
        return True

    async def answer_instead(self, request: Request, cause: str) -> HTTPResponse:
        """Apologise (once per visitor message) and log the question for review."""
        call = action_call(request.body, request.headers.get("Content-Encoding"))
        logger.error("action server unavailable for %s (%s): answering %s",
                     call.get("next_action"), cause, RESPONSE)
        if not self.first_failure(call):
            return response.json({"events": [], "responses": []})
        settings = Settings.from_env()
        responses = request.app.ctx.agent.domain.responses
        answer = apology(await asyncio.to_thread(contact_email, settings.knowledge_db_url), responses)
        entry = review_entry(call, reply_text(answer, responses))
        if entry is not None:
            await asyncio.to_thread(record, settings.review_db_url, entry)
        return response.json(answer)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        guard = Blueprint("action_guard", __name__)

        @guard.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            agent = getattr(request.app.ctx, "agent", None)
            endpoint = agent.action_endpoint if agent is not None else None
            token_name = endpoint.token_name if endpoint is not None else "token"
            if not authorised(request.args.get(token_name), endpoint):
                return response.json({"error": "forbidden"}, status=403)
            upstream = Upstream.of(endpoint)
            if upstream is None:
                return await self.answer_instead(request, "no upstream in the action endpoint")
            headers = {name: value for name, value in request.headers.items()
                       if name.lower() in ("content-type", "content-encoding")}
            result = await forward(request.body, headers, upstream)
            if isinstance(result, str):
                return await self.answer_instead(request, result)
            status, content = result
            return response.raw(content, status=status, content_type="application/json")

        return guard
