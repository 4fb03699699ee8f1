"""Fuzzing with hypothesis, on a fixed derandomised budget: the REST channel, the NLU components,
the eligibility reader and the review API never fail on what a visitor or a client can send,
and junk never gets a programme figure."""
from __future__ import annotations

import datetime
import json
import re
import urllib.error
import urllib.request

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.guards import JunkGuard, LengthGuard, is_junk
from bot.nlu.language import language_of
from bot.nlu.multi_question import has_two_parts
from bot.nlu.normalise import normalise_text
from bot.nlu.profile_entities import ProfileEntityExtractor, profile_entities

# Fixed budgets: the same examples at every run (derandomize), so a failure is reproducible.
UNIT = settings(max_examples=200, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
SERVER = settings(max_examples=60, deadline=None, derandomize=True,
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
# What the assistant states about the programme: none of it may answer junk.
FIGURES = re.compile(r"10 005|5 000,50|490 heures|41336|CPN0700A|\b400 €|\b200 €")

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)
# Junk: no letter at all, or letters from scripts the assistant does not speak.
JUNK = st.one_of(
    st.text(st.characters(whitelist_categories=("Po", "Sm", "So", "Zs", "Nd")), min_size=1, max_size=60),
    st.text(st.characters(min_codepoint=0x0400, max_codepoint=0x04FF), min_size=3, max_size=60),  # Cyrillic
    st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF), min_size=1, max_size=30),  # CJK
    st.text(st.characters(whitelist_categories=("Lu", "Ll")), min_size=41, max_size=80).map(lambda s: s.replace(" ", "")),
)
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                    max_leaves=12)


@UNIT
@given(TEXT)
def test_text_functions_never_raise(text):
    assert isinstance(normalise_text(text), str)
    assert language_of(text) in ("fr", "en")
    assert isinstance(is_junk(text, 40), bool) and isinstance(has_two_parts(text), bool)


@UNIT
@given(TEXT)
def test_the_guards_never_raise_and_keep_the_cut(text):
    [message] = LengthGuard(config={"max_chars": 1000}).process([Message(data={"text": text})])
    assert len(message.get("text")) <= 1000
    message.set("intent", {"name": "ask_cost", "confidence": 0.9})
    [message] = JunkGuard(config={"max_word": 40}).process([message])
    assert message.get("intent")["name"] in ("ask_cost", "out_of_scope")


@UNIT
@given(TEXT)
def test_the_profile_reader_never_raises(nlp, text):
    entities = profile_entities(nlp(text), datetime.date(2026, 12, 1))
    for entity in entities:
        assert 0 <= entity["start"] <= entity["end"] <= len(text)
        if entity["entity"] in ("experience_years", "experience_pro_years", "duration"):
            assert entity["value"] >= 0
    message = Message(data={"text": text})
    message.set(SPACY_DOCS["text"], nlp(text))
    ProfileEntityExtractor().process([message])


def _post(assistant, body: bytes) -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{assistant.bot_port}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


@SERVER
@given(JSON)
def test_the_rest_channel_never_answers_5xx(assistant, body):
    status, _ = _post(assistant, json.dumps(body).encode("utf-8"))
    assert status < 500


@SERVER
@given(JUNK)
def test_junk_never_gets_a_programme_figure(assistant, junk):
    status, text = _post(assistant, json.dumps({"sender": "fuzz", "message": junk}).encode("utf-8"))
    assert status == 200
    assert not FIGURES.search(text), text


REVIEW_PATHS = ["/review/api/unanswered", "/review/export.csv", "/review/export.json", "/review/api/dashboard"]


@SERVER
@given(st.sampled_from(REVIEW_PATHS), st.dictionaries(st.sampled_from(["reason", "status", "since", "until"]),
                                                    TEXT, max_size=4))
def test_review_queries_never_answer_5xx(assistant, path, query):
    from urllib.parse import urlencode

    from tests.running_assistant import REVIEW_TOKEN

    url = f"http://127.0.0.1:{assistant.web_port}{path}?{urlencode(query)}"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {REVIEW_TOKEN}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    assert status in (200, 400)


@SERVER
@given(st.sampled_from(["/review/api/status", "/review/api/promote"]), JSON)
def test_review_writes_never_answer_5xx(assistant, path, body):
    from tests.running_assistant import REVIEW_TOKEN

    request = urllib.request.Request(f"http://127.0.0.1:{assistant.web_port}{path}",
                                     data=json.dumps(body).encode("utf-8"), method="POST",
                                     headers={"Authorization": f"Bearer {REVIEW_TOKEN}",
                                              "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    assert status in (200, 400, 404)


@pytest.mark.parametrize("junk", ["☃☃☃", "!!!???", "ж" * 50, "x" * 60])
def test_known_junk_never_gets_a_programme_figure(assistant, junk):
    status, text = _post(assistant, json.dumps({"sender": "fuzz-known", "message": junk}).encode("utf-8"))
    assert status == 200 and not FIGURES.search(text)
