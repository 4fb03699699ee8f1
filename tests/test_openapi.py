"""The /review API's OpenAPI document (bot/web/openapi.yml): valid OpenAPI 3.0, served with the
token, listing exactly the routes the sub-application has; and the API's errors, every one
{"error": "<French>"} with its status, while the HTML pages keep theirs."""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from openapi_spec_validator import validate_spec

from bot.review import store
from bot.settings import Settings
from bot.web import openapi, review
from bot.web.app import create_app
from bot.web.common import REVIEW_PREFIX
from tests.conftest import STAFF_TOKEN

BEARER = {"Authorization": f"Bearer {STAFF_TOKEN}"}
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def documented(document: dict[str, Any]) -> set[tuple[str, str]]:
    """(METHOD, path) of every operation of the document."""
    return {(method.upper(), path) for path, item in document["paths"].items() for method in item if method in METHODS}


def registered(app: web.Application) -> set[tuple[str, str]]:
    """(METHOD, path) of every route of the review sub-application under /api or an export
    (HEAD, which aiohttp adds to each GET, left out)."""
    return {(route.method, route.resource.canonical) for route in app.router.routes()
            if route.resource is not None and route.method != "HEAD"
            and route.resource.canonical.startswith(("/api/", "/export"))}


def test_the_document_is_valid_openapi_3():
    document = openapi.load()
    validate_spec(document)
    assert document["openapi"].startswith("3.0.")
    assert document["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer",
                                                                   "description": "REVIEW_TOKEN"}
    assert document["security"] == [{"bearer": []}, {"cookie": []}]


def test_the_document_lists_exactly_the_routes_of_the_api():
    app = review.create_review_app(Settings.from_env())
    routes, operations = registered(app), documented(openapi.load())
    assert routes - operations == set(), "routes missing from bot/web/openapi.yml"
    assert operations - routes == set(), "operations of bot/web/openapi.yml that no route serves"
    assert {("POST", "/api/train"), ("GET", "/api/train"), ("GET", "/api/train/{job}"),
            ("GET", "/api/openapi.json"), ("PUT", "/api/facts/{key}")} <= routes


def test_every_operation_says_its_errors_and_its_security():
    document = openapi.load()
    error = {"$ref": "#/components/schemas/Error"}
    for path, item in document["paths"].items():
        for method, operation in ((m, o) for m, o in item.items() if m in METHODS):
            responses = operation["responses"]
            assert {"401", "429"} <= set(responses), (method, path)
            if "requestBody" in operation:
                assert {"400", "413"} <= set(responses), (method, path)
                body = operation["requestBody"]["content"]["application/json"]["schema"]
                assert body["additionalProperties"] is False, (method, path)
            for status, response in responses.items():
                if status.startswith("4"):
                    response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]] \
                        if "$ref" in response else response
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == error or error in schema.get("allOf", []), (method, path, status)


def run(*calls: Any, app_of: Any = None) -> list[tuple[int, str, Any]]:
    """Send (method, path, body bytes or None[, headers]) to the web app over HTTP:
    [(status, content type, JSON body or text)]."""
    async def scenario() -> list[tuple[int, str, Any]]:
        results = []
        app = app_of() if app_of else create_app(Settings.from_env())
        async with TestClient(TestServer(app)) as client:
            for method, path, data, *headers in calls:
                response = await client.request(method, path, data=data, headers=headers[0] if headers else BEARER)
                text = await response.text()
                body = json.loads(text) if response.content_type == "application/json" else text
                results.append((response.status, response.content_type, body))
        return results
    return asyncio.run(scenario())


@pytest.fixture()
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    """The review token STAFF_TOKEN, for the tests that need no knowledge base."""
    monkeypatch.setenv("REVIEW_TOKEN", STAFF_TOKEN)


def test_the_document_is_served_with_the_token(token):
    [(status, _, served), (refused, _, error)] = run(("GET", "/review/api/openapi.json", None),
                                                     ("GET", "/review/api/openapi.json", None, {}))
    assert status == 200 and served == {**json.loads(json.dumps(openapi.load())), "servers": [{"url": "/review"}]}
    assert (refused, error) == (401, {"error": "authentification requise"})


@pytest.fixture()
def one_question(staff_kb) -> int:
    """A logged question in the review log; its id."""
    with store.session(Settings.from_env().review_db_url) as session, session.begin():
        return store.record(session=session, item=store.Entry("visitor-1", "c koi le tarif ?", "low_confidence"))


JSON_ERRORS = [
    ("GET", "/review/api/nothing", None, 404, {"error": "route inconnue"}),
    ("DELETE", "/review/api/unanswered", None, 405, {"error": "méthode non permise (permises : GET, HEAD)"}),
    ("PATCH", "/review/api/train", None, 405, {"error": "méthode non permise (permises : GET, HEAD, POST)"}),
    ("POST", "/review/api/status", b"x" * 70_000, 413, {"error": "corps de la requête trop volumineux"}),
    ("POST", "/review/api/status", b"not json", 400, {"error": "corps JSON invalide"}),
    ("POST", "/review/api/status", b"", 400, {"error": "corps JSON invalide"}),
    ("POST", "/review/api/status", b'{"ids": [1], "status": NaN}', 400, {"error": "corps JSON invalide"}),
    ("POST", "/review/api/status", b"[" * 10_000 + b"]" * 10_000, 400, {"error": "corps JSON invalide"}),
    ("POST", "/review/api/status", b'{"ids": [1' + b"0" * 5000 + b'], "status": "new"}', 400,
     {"error": "corps JSON invalide"}),
    ("POST", "/review/api/status", b"[1]", 400, {"error": "un objet JSON est attendu"}),
    ("PUT", "/review/api/facts/cost.individual", b'{"values": {}, "reason": "\\ud800"}', 400,
     {"error": "corps JSON invalide : caractère nul ou substitut isolé"}),
    ("POST", "/review/api/sources", b'{"id": "doc-1", "title": "a\\u0000b", "date": "2026-01-01", "text": "x"}', 400,
     {"error": "corps JSON invalide : caractère nul ou substitut isolé"}),
    ("GET", "/review/api/facts/a%00b", None, 404, {"error": "aucune information « a\x00b »"}),
    ("POST", "/review/api/facts/a%00b/restore", b'{"version": 1}', 404, {"error": "aucune information « a\x00b »"}),
    ("GET", "/review/api/train/a%00b", None, 404, {"error": "mise à jour introuvable"}),
    ("DELETE", "/review/api/conversations/a%00b", None, 200, {"deleted": 0}),
    ("POST", "/review/api/status", b'{"ids": [true], "status": "resolved"}', 400,
     {"error": 'attendu : {"ids": [entiers, 1000 au plus], "status": "resolved|ignored|new"}'}),
    ("POST", "/review/api/status", b'{"ids": [1], "status": "promoted"}', 400,
     {"error": 'attendu : {"ids": [entiers, 1000 au plus], "status": "resolved|ignored|new"}'}),
    ("POST", "/review/api/promote", b'{"id": 9223372036854775808, "intent": "ask_cost"}', 400,
     {"error": 'attendu : {"id": entier, "intent": "nom"}'}),
    ("POST", "/review/api/promote", b'{"id": 999999, "intent": "ask_cost"}', 404,
     {"error": "question 999999 introuvable"}),
    ("POST", "/review/api/promote", b'{"id": 1, "intent": "nope"}', 400, {"error": "intention inconnue : 'nope'"}),
    ("GET", "/review/api/unanswered?reason=x", None, 400, {"error": "motif ou statut inconnu"}),
    ("GET", "/review/export.csv?since=hier", None, 400, {"error": "date invalide : 'hier' (attendu AAAA-MM-JJ)"}),
    ("GET", "/review/api/facts/nope", None, 404, {"error": "aucune information « nope »"}),
    ("POST", "/review/api/facts/cost.individual/restore", b'{"version": 9223372036854775808}', 404,
     {"error": "aucune version 9223372036854775808 de « cost.individual »"}),
    ("GET", "/review/api/train/nope", None, 404, {"error": "mise à jour introuvable"}),
]


def test_errors_of_the_api_are_json_in_french(one_question):
    """Each of JSON_ERRORS, on one server (on SQLite, then on PostgreSQL: staff_kb)."""
    assert one_question == 1
    headers = {**BEARER, "Content-Type": "application/json"}
    answers = run(*((method, path, data, headers) for method, path, data, _, _ in JSON_ERRORS))
    assert answers == [(status, "application/json", body) for _, _, _, status, body in JSON_ERRORS]


def test_the_pages_keep_their_errors(token):
    assert run(("GET", "/review/nothing", None), ("DELETE", "/review", None)) == [
        (404, "text/plain", "404: Not Found"), (405, "text/plain", "405: Method Not Allowed")]


def test_an_unexpected_failure_is_logged_and_answered_in_json(token, caplog):
    async def broken(_request: web.Request) -> web.Response:
        raise RuntimeError("boom")

    def app_of() -> web.Application:
        app = web.Application()
        sub = review.create_review_app(Settings.from_env())
        sub.router.add_get("/api/broken", broken)
        sub.router.add_get("/broken", broken)
        app.add_subapp(REVIEW_PREFIX, sub)
        return app

    with caplog.at_level(logging.ERROR, logger="bot.web.api_errors"):
        [api, page] = run(("GET", "/review/api/broken", None), ("GET", "/review/broken", None), app_of=app_of)
    assert api == (500, "application/json", {"error": "erreur interne du serveur"})
    assert page[:2] == (500, "text/plain")  # aiohttp's own page, as before
    assert [r.message for r in caplog.records if r.name == "bot.web.api_errors"] == [
        "error while serving GET /review/api/broken"]
