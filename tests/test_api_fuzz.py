"""The /review API fuzzed from its OpenAPI document (bot/web/openapi.yml) over real HTTP.

For every operation: its documented example, a body over the size limit, then requests that
hypothesis-jsonschema generates from the document's schemas mixed with requests that break them
(other types, any JSON, bytes that are not JSON, lone surrogates, unknown filters). Every answer
must be a status the operation documents, never a 5xx, with a body its schema accepts; every
error is {"error": "<French>"}; a refused request, and any GET, changes neither the knowledge
base, the review log nor the promoted examples. A fixed, derandomised budget per operation.

schemathesis is not used: every 3.x release that accepts pytest 8 needs jsonschema >= 4.18, and
Rasa 3.6 pins jsonschema < 4.18. hypothesis-jsonschema 0.22.1 generates the requests instead and
openapi-schema-validator checks the answers against the document.
"""
from __future__ import annotations

import asyncio
import json
import re
import threading
import urllib.error
import urllib.request
from typing import Any, Iterator, Optional
from urllib.parse import quote, urlencode

import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema import RefResolver
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from sqlalchemy import MetaData, create_engine, select

from bot.db import utcnow
from bot.review import store
from bot.review.models import TrainingJob
from bot.settings import Settings
from bot.web import openapi
from bot.web.app import create_app
from bot.web.common import REVIEW_PREFIX
from tests.conftest import STAFF_TOKEN, free_port

# A server per operation and about a minute in all: the integration tier (tests/conftest.py).
pytestmark = pytest.mark.integration
BUDGET = settings(max_examples=30, deadline=None, derandomize=True,
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                         HealthCheck.filter_too_much, HealthCheck.data_too_large])
METHODS = ("get", "put", "post", "delete")
# POST /api/train is not fuzzed: each call it accepts starts a real training of several minutes.
NOT_FUZZED = {("/api/train", "post")}
TOO_LARGE = b"x" * 70_000  # over the 64 KiB the web app accepts
# Words of aiohttp's and Python's English messages, looked for outside the quoted parts (what
# the client sent, echoed back).
ENGLISH = re.compile(r"\b(the|not|found|unknown|must|allowed|invalid|expected|only|request|body|nothing|"
                     r"error|exceeded|maximum|method|value|holds|is|are|and|of|to|missing|required|too)\b", re.I)
QUOTED = re.compile(r"«[^»]*»|'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
TEXT = st.text(max_size=30) | st.sampled_from(["\x00", "a\x00b", "%", "é", " "])
# Path segments that are not names: NUL (which PostgreSQL refuses), dots, a slash, a percent.
SEGMENTS = st.sampled_from(["\x00", "a\x00b", ".", "..", "a/b", "%", "%00", " ", "é", "x" * 300])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT
    | st.integers(0xD800, 0xDFFF).map(chr),  # a lone surrogate: JSON writes it "\udxxx"
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4), max_leaves=12)


def operations() -> list[tuple[str, str]]:
    """(path, method) of every operation of the document that is fuzzed."""
    document = openapi.load()
    return sorted((path, method) for path, item in document["paths"].items() for method in item
                  if method in METHODS and (path, method) not in NOT_FUZZED)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "operation" in metafunc.fixturenames:
        found = operations()
        metafunc.parametrize("operation", found, ids=[f"{method.upper()} {path}" for path, method in found])


def resolve(document: dict[str, Any], item: Any) -> Any:
    """An object of the document, its $ref followed."""
    while isinstance(item, dict) and "$ref" in item:
        target: Any = document
        for part in item["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        item = target
    return item


def json_schema(document: dict[str, Any], schema: Any) -> Any:
    """An OpenAPI 3.0 schema as plain JSON Schema, for hypothesis-jsonschema: references
    inlined, "nullable" as an alternative null, the keywords JSON Schema lacks left out."""
    schema = resolve(document, schema)
    if not isinstance(schema, dict):
        return schema
    plain: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("nullable", "example", "description"):
            continue
        if key == "properties":
            plain[key] = {name: json_schema(document, sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            plain[key] = json_schema(document, value)
        elif key in ("allOf", "anyOf", "oneOf"):
            plain[key] = [json_schema(document, sub) for sub in value]
        else:
            plain[key] = value
    return {"anyOf": [plain, {"type": "null"}]} if schema.get("nullable") else plain


def parameters(document: dict[str, Any], path: str, method: str) -> list[dict[str, Any]]:
    item = document["paths"][path]
    return [resolve(document, p) for p in item.get("parameters", []) + item[method].get("parameters", [])]


def encoded(value: Any) -> bytes:
    return json.dumps(value).encode("utf-8")


def requests(document: dict[str, Any], path: str, method: str) -> st.SearchStrategy[dict[str, Any]]:
    """Requests of the operation: parameters and bodies its schemas accept, and others."""
    found = parameters(document, path, method)
    in_path = {p["name"]: st.one_of(from_schema(json_schema(document, p["schema"])), st.just(p.get("example", "x")),
                                    SEGMENTS) for p in found if p["in"] == "path"}
    in_query = {p["name"]: st.one_of(from_schema(json_schema(document, p["schema"])), TEXT)
                for p in found if p["in"] == "query"}
    body: st.SearchStrategy[Optional[bytes]] = st.none()
    if "requestBody" in document["paths"][path][method]:
        schema = json_schema(document, document["paths"][path][method]["requestBody"]["content"]
                             ["application/json"]["schema"])
        other_types = st.fixed_dictionaries({}, optional={name: JSON for name in schema.get("properties", {})})
        body = st.one_of(from_schema(schema).map(encoded), other_types.map(encoded), JSON.map(encoded),
                         st.binary(max_size=40), st.none())
    return st.fixed_dictionaries({"path": st.fixed_dictionaries(in_path),
                                  "query": st.fixed_dictionaries({}, optional=in_query), "body": body})


def documented_example(document: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    """The request the document gives as an example (its body None when it gives none)."""
    operation = document["paths"][path][method]
    media = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    return {"path": {p["name"]: p["example"] for p in parameters(document, path, method) if p["in"] == "path"},
            "query": {}, "body": json.dumps(media["example"]).encode() if "example" in media else None}


def send(base: str, path: str, method: str, request: dict[str, Any]) -> tuple[int, str, bytes]:
    """One request over HTTP: (status, Content-Type, body)."""
    url = base + path.format(**{name: quote(value, safe="") for name, value in request["path"].items()})
    if request["query"]:
        url += "?" + urlencode(request["query"])
    headers = {"Authorization": f"Bearer {STAFF_TOKEN}"}
    if request["body"] is not None:
        headers["Content-Type"] = "application/json"
    sent = urllib.request.Request(url, data=request["body"], method=method.upper(), headers=headers)
    try:
        with urllib.request.urlopen(sent, timeout=30) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def french(message: Any) -> bool:
    """A message staff can read: text, with no word of the English messages outside quotes."""
    return isinstance(message, str) and bool(message.strip()) and not ENGLISH.search(QUOTED.sub("", message))


def check(document: dict[str, Any], path: str, method: str, status: int, content_type: str, raw: bytes) -> None:
    """The answer is one the operation documents, with a body its schema accepts."""
    assert status < 500, raw[:500]
    responses = document["paths"][path][method]["responses"]
    assert str(status) in responses, (status, raw[:500])
    media = content_type.split(";")[0].strip()
    content = resolve(document, responses[str(status)])["content"]
    assert media in content, (status, content_type)
    body = json.loads(raw) if media == "application/json" else raw.decode("utf-8")
    OAS30Validator(content[media]["schema"], resolver=RefResolver.from_schema(document),
                   format_checker=oas30_format_checker).validate(body)
    if status >= 400:
        assert french(body["error"]), body


class Snapshot:
    """Every row of the knowledge base and of the review log, and the promoted examples."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        urls = dict.fromkeys((settings.knowledge_db_url, settings.review_db_url))  # one database on PostgreSQL
        self.engines = [create_engine(url, future=True) for url in urls]
        self.tables = []
        for engine in self.engines:
            metadata = MetaData()
            metadata.reflect(bind=engine)
            self.tables.append(list(metadata.sorted_tables))

    def take(self) -> list[Any]:
        rows: list[Any] = []
        for engine, tables in zip(self.engines, self.tables):
            with engine.connect() as connection:
                rows += [connection.execute(select(table).order_by(*table.primary_key.columns)).all()
                         for table in tables]
        promoted = self.settings.promote_file
        return rows + [promoted.read_bytes() if promoted.is_file() else None]

    def close(self) -> None:
        for engine in self.engines:
            engine.dispose()


def seed(settings: Settings, job: str) -> None:
    """Questions in the review log (ids 1 to 3, as the document's examples use) and a finished training."""
    with store.session(settings.review_db_url) as session, session.begin():
        for sender, text, reason in (("visitor-1", "c koi le tarif ?", "low_confidence"),
                                     ("visitor-1", "combien ça coûte ?", "fallback"),
                                     ("visitor-2", "quel temps fait-il ?", "out_of_scope")):
            store.record(session=session, item=store.Entry(sender, text, reason))
        session.add(TrainingJob(id=job, author="Marie", started_at=utcnow(), finished_at=utcnow(), status="done",
                                phase="done", model="assistant-2026.tar.gz", heldout={"intent_f1": 0.93}))


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return openapi.load()


@pytest.fixture()
def api(staff_kb: str, document: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Snapshot]]:
    """The whole web application on a free port, in a thread of its own, on a knowledge base
    and a review log of this test: both in staff_kb's PostgreSQL database when it is one, else
    the review log in the temporary VAR_DIR (tests/conftest.py)."""
    if staff_kb.startswith("postgresql"):
        monkeypatch.setenv("REVIEW_DB_URL", staff_kb)
    settings = Settings.from_env()
    seed(settings, document["paths"]["/api/train/{job}"]["get"]["parameters"][0]["example"])
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def call(coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout=60)

    runner, port = web.AppRunner(create_app(settings)), free_port()
    call(runner.setup())
    call(web.TCPSite(runner, "127.0.0.1", port).start())
    snapshot = Snapshot(settings)
    try:
        yield f"http://127.0.0.1:{port}{REVIEW_PREFIX}", snapshot
    finally:
        snapshot.close()
        call(runner.cleanup())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def test_every_operation_answers_as_documented(api, document, operation):
    base, snapshot = api
    path, method = operation
    has_body = "requestBody" in document["paths"][path][method]
    statuses: list[int] = []

    def exchange(request: dict[str, Any]) -> None:
        before = snapshot.take()
        status, content_type, raw = send(base, path, method, request)
        check(document, path, method, status, content_type, raw)
        if method == "get" or status >= 400:
            assert snapshot.take() == before, f"{method.upper()} {path} answered {status} and changed data"
        statuses.append(status)

    example = documented_example(document, path, method)
    exchange(example)
    if example["body"] is not None or not has_body:
        assert 200 <= statuses[0] < 300, statuses  # the document's example is accepted
    if has_body:
        exchange({**example, "body": TOO_LARGE})
        assert statuses[-1] == 413

    @BUDGET
    @given(request=requests(document, path, method))
    def fuzz(request: dict[str, Any]) -> None:
        exchange(request)

    fuzz()
    if has_body:  # the fuzz reached the checks of the body, not only the examples
        assert any(400 <= status < 500 for status in statuses[2:]), statuses
