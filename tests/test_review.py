"""The review log, its page and API over real HTTP, the CLI, feedback and retention."""
from __future__ import annotations

import asyncio
import csv
import datetime
import io
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import update
from sqlalchemy.orm import Session

from actions.answers import ActionAnswerOverview, ActionFallback
from actions.feedback import ActionFeedbackNegative
from actions.review_log import fallback_reason
from bot.review import promote, store
from bot.review.__main__ import main as review_cli
from bot.review.models import LoggedQuestion
from bot.settings import ROOT
from tests.conftest import free_port

TOKEN = "s3cret-review-token"


@pytest.fixture()
def log_url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'review.db'}"
    monkeypatch.setenv("REVIEW_DB_URL", url)
    return url


def test_groups_ignore_case_accents_and_punctuation(log_url):
    engine = store.open_log(log_url)
    for text in ("Où est la cantine ?", "ou est la CANTINE", "quel temps demain"):
        store.record(engine, store.Entry("a", text, "out_of_scope"))
    groups = store.groups(store.entries(engine))
    assert [(g["group"], g["count"]) for g in groups] == [("ou est la cantine", 2), ("quel temps demain", 1)]


def test_many_conversations_writing_at_once_lose_nothing(log_url):
    errors = []

    def conversation(n: int) -> None:
        try:
            engine = store.open_log(log_url)  # one engine each, as separate processes would have
            for turn in range(4):
                store.record(engine, store.Entry(f"visitor-{n}", f"question {n}-{turn}", "fallback"))
            engine.dispose()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(repr(error))

    threads = [threading.Thread(target=conversation, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    rows = store.entries(store.open_log(log_url), limit=10_000)
    assert len(rows) == 200
    assert len({r["text"] for r in rows}) == 200 and len({r["id"] for r in rows}) == 200


def test_purge_keeps_what_is_recent_and_forget_removes_one_conversation(log_url):
    engine = store.open_log(log_url)
    old = store.record(engine, store.Entry("old", "vieille question", "fallback"))
    store.record(engine, store.Entry("recent", "question récente", "fallback"))
    store.record(engine, store.Entry("other", "autre question", "fallback"))
    with Session(engine) as session, session.begin():
        session.execute(update(LoggedQuestion).where(LoggedQuestion.id == old)
                        .values(created_at=datetime.datetime(2020, 1, 1)))
    assert store.purge(engine, 180) == 1
    assert store.forget_conversation(engine, "recent") == 1
    assert [r["text"] for r in store.entries(engine)] == ["autre question"]
    assert store.entries(engine)[0]["conversation"] == store.pseudonym("other") != "other"


@pytest.mark.parametrize("intent, ranking, reason", [
    ("out_of_scope", [{"name": "out_of_scope", "confidence": 0.9}], "out_of_scope"),
    ("nlu_fallback", [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "ask_cost", "confidence": 0.31},
                      {"name": "ask_cpf", "confidence": 0.29}], "ambiguity"),
    ("nlu_fallback", [{"name": "ask_cost", "confidence": 0.3}, {"name": "ask_cpf", "confidence": 0.1}], "fallback"),
])
def test_fallback_reason(intent, ranking, reason):
    assert fallback_reason({"intent": {"name": intent}, "intent_ranking": ranking}) == reason


def make_tracker(text, intent, confidence=0.95, events=None, slots=None):
    ranking = [{"name": intent, "confidence": confidence}, {"name": "ask_cpf", "confidence": 0.02}]
    return Tracker("visitor-1", slots or {}, {"text": text, "intent": {"name": intent, "confidence": confidence},
                                              "intent_ranking": ranking, "entities": []},
                   events or [], False, None, {}, "action_listen")


def test_fallback_and_doubtful_answers_are_logged(use_kb, log_url, domain):
    asyncio.run(ActionFallback().run(CollectingDispatcher(), make_tracker("quel temps ?", "out_of_scope"), domain))
    asyncio.run(ActionAnswerOverview().run(CollectingDispatcher(), make_tracker("c koi ?", "ask_overview", 0.45), domain))
    asyncio.run(ActionAnswerOverview().run(CollectingDispatcher(), make_tracker("c'est quoi ?", "ask_overview"), domain))
    rows = store.entries(store.open_log(log_url))
    assert [(r["text"], r["reason"], r["entry"]) for r in rows] == [
        ("c koi ?", "low_confidence", "action_answer_overview"), ("quel temps ?", "out_of_scope", None)]
    assert "par_cestes@lecnam.net" in rows[1]["reply"]
    assert rows[0]["intents"][0] == {"name": "ask_overview", "confidence": 0.45}


def test_answers_carry_feedback_buttons(use_kb, domain, monkeypatch):
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionAnswerOverview().run(dispatcher, make_tracker("c'est quoi ?", "ask_overview"), domain))
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == ["/feedback_positive", "/feedback_negative"]
    monkeypatch.setenv("FEEDBACK_BUTTONS", "false")
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionAnswerOverview().run(dispatcher, make_tracker("c'est quoi ?", "ask_overview"), domain))
    assert dispatcher.messages[0]["buttons"] == []


def test_thumbs_down_logs_the_question_and_the_answer_shown(use_kb, log_url, domain):
    events = [
        {"event": "user", "text": "combien ça coûte ?",
         "parse_data": {"text": "combien ça coûte ?", "intent": {"name": "ask_cost"},
                        "intent_ranking": [{"name": "ask_cost", "confidence": 0.9}]}},
        {"event": "bot", "text": "Coût de la formation : 10 005 €"},
        {"event": "user", "text": "/feedback_negative"},
    ]
    tracker = make_tracker("/feedback_negative", "feedback_negative", events=events,
                           slots={"last_topic": "action_answer_cost"})
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionFeedbackNegative().run(dispatcher, tracker, domain))
    assert [m["response"] for m in dispatcher.messages] == ["utter_feedback_negative"]
    [row] = store.entries(store.open_log(log_url))
    assert (row["text"], row["reason"], row["entry"], row["reply"]) == (
        "combien ça coûte ?", "negative_feedback", "action_answer_cost", "Coût de la formation : 10 005 €")


def test_promote_writes_valid_rasa_yaml(tmp_path):
    from rasa.shared.nlu.training_data.loading import load_data

    path = tmp_path / "promoted.yml"
    assert promote.promote(path, "c'est combien [la] formation {x} ?", "ask_cost") == "c'est combien la formation x ?"
    promote.promote(path, "c'est combien la formation x ?", "ask_cost")  # once only
    promote.promote(path, "ça dure combien ?", "ask_duration")
    data = load_data(str(path))
    assert sorted((m.get("text"), m.get("intent")) for m in data.intent_examples) == [
        ("c'est combien la formation x ?", "ask_cost"), ("ça dure combien ?", "ask_duration")]
    with pytest.raises(ValueError, match="unknown intent"):
        promote.promote(path, "x", "ask_nothing")


def test_forget_deletes_one_conversation_everywhere(log_url, tmp_path, monkeypatch, capsys):
    from bot.handoff import store as handoff_store
    from knowledge.db import make_engine

    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("HANDOFF_DB_URL", f"sqlite:///{tmp_path / 'handoff.db'}")
    tracker = make_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    with tracker.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT)")
        connection.exec_driver_sql("INSERT INTO events (sender_id) VALUES ('visitor-1'), ('visitor-1'), ('other')")
    store.record(store.open_log(log_url), store.Entry("visitor-1", "bonjour ?", "fallback"))
    store.record(store.open_log(log_url), store.Entry("other", "salut ?", "fallback"))
    handoff_store.record(handoff_store.open_store(f"sqlite:///{tmp_path / 'handoff.db'}"), handoff_store.NewRequest(
        conversation=store.pseudonym("visitor-1"), name="A", email="a@b.fr", question="q"))
    assert review_cli(["forget", "visitor-1"]) == 0
    assert "deleted: 1 logged question(s), 1 handoff request(s), 2 tracker event(s)" in capsys.readouterr().out
    with tracker.connect() as connection:
        assert connection.exec_driver_sql("SELECT sender_id FROM events").fetchall() == [("other",)]
    assert [r["text"] for r in store.entries(store.open_log(log_url))] == ["salut ?"]


def test_cli_lists_exports_resolves_and_purges(log_url, tmp_path, capsys):
    engine = store.open_log(log_url)
    first = store.record(engine, store.Entry("a", "où est le parking ?", "out_of_scope"))
    assert review_cli(["resolve", str(first)]) == 0
    output = tmp_path / "export.csv"
    assert review_cli(["export", "--format", "csv", "--output", str(output)]) == 0
    content = output.read_bytes()
    assert content.startswith("\ufeff".encode("utf-8"))
    [row] = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert (row["text"], row["status"]) == ("où est le parking ?", "resolved")
    assert review_cli(["export", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out.split("\n", 1)[1])[0]["text"] == "où est le parking ?"
    assert review_cli(["purge", "--days", "1"]) == 0 and len(store.entries(engine)) == 1


@pytest.fixture(scope="module")
def review_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("review")
    port = free_port()
    env = {**os.environ, "WEB_PORT": str(port), "REVIEW_TOKEN": TOKEN, "VAR_DIR": str(tmp),
           "REVIEW_DB_URL": f"sqlite:///{tmp / 'review.db'}", "PROMOTE_FILE": str(tmp / "promoted.yml")}
    engine = store.open_log(env["REVIEW_DB_URL"])
    ids = {
        "weather": store.record(engine, store.Entry("visitor-9", "quel temps fait-il ?", "out_of_scope",
                                                    [{"name": "out_of_scope", "confidence": 0.97}])),
        "script": store.record(engine, store.Entry("visitor-8", "<script>alert(1)</script>", "fallback")),
        "cost": store.record(engine, store.Entry("visitor-7", "c koi le tarif ?", "low_confidence")),
    }
    process = subprocess.Popen([sys.executable, "-m", "bot.webserver"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/health", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("review server did not start")
            time.sleep(0.2)
    yield base, ids, tmp
    process.terminate()
    process.wait(timeout=10)


def call(url, method="GET", token=None, body=None, cookie=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if cookie:
        headers["Cookie"] = cookie
    data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


@pytest.mark.parametrize("path, method", [
    ("/review", "GET"), ("/review/api/unanswered", "GET"), ("/review/api/dashboard", "GET"),
    ("/review/export.csv", "GET"), ("/review/api/status", "POST"), ("/review/api/promote", "POST"),
    ("/review/api/conversations/x", "DELETE"), ("/review/action", "POST"),
])
def test_every_route_refuses_without_the_token(review_server, path, method):
    base, _, _ = review_server
    assert call(base + path, method, body={} if method == "POST" else None)[0] == 401
    assert call(base + path, method, token="wrong", body={} if method == "POST" else None)[0] == 401


def test_the_api_returns_the_logged_questions(review_server):
    base, ids, _ = review_server
    status, body, _ = call(base + "/review/api/unanswered", token=TOKEN)
    items = json.loads(body)["items"]
    assert status == 200
    weather = next(i for i in items if i["id"] == ids["weather"])
    assert weather["text"] == "quel temps fait-il ?" and weather["reason"] == "out_of_scope"
    assert weather["intents"] == [{"name": "out_of_scope", "confidence": 0.97}]
    status, body, _ = call(base + "/review/api/unanswered?reason=out_of_scope", token=TOKEN)
    assert [i["id"] for i in json.loads(body)["items"]] == [ids["weather"]]
    assert call(base + "/review/api/unanswered?since=hier", token=TOKEN)[0] == 400


def test_the_page_escapes_what_visitors_wrote(review_server):
    base, _, _ = review_server
    status, body, headers = call(base + "/review", token=TOKEN)
    page = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert '<html lang="fr">' in page and "Questions sans réponse" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page


def test_login_form_sets_a_cookie(review_server):
    base, _, _ = review_server
    request = urllib.request.Request(base + "/review/login", data=f"token={TOKEN}".encode(), method="POST")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        urllib.request.build_opener(NoRedirect).open(request, timeout=10)
        raise AssertionError("expected a redirection")
    except urllib.error.HTTPError as error:
        code, set_cookie = error.code, error.headers["Set-Cookie"]
    assert code == 303
    assert "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie
    cookie = set_cookie.split(";")[0]
    assert call(base + "/review", cookie=cookie)[0] == 200


def test_csv_export_opens_in_a_spreadsheet(review_server):
    base, _, _ = review_server
    status, body, headers = call(base + "/review/export.csv", token=TOKEN)
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert body.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:5] == ["id", "date (UTC)", "conversation", "question", "motif"]
    assert "quel temps fait-il ?" in [r[3] for r in rows[1:]]


def test_mark_resolved_and_promote(review_server):
    base, ids, tmp = review_server
    status, body, _ = call(base + "/review/api/status", "POST", TOKEN, {"ids": [ids["weather"]], "status": "resolved"})
    assert (status, json.loads(body)) == (200, {"updated": 1})
    assert call(base + "/review/api/status", "POST", TOKEN, {"ids": "x", "status": "resolved"})[0] == 400
    assert call(base + "/review/api/status", "POST", TOKEN, b"not json")[0] == 400
    status, body, _ = call(base + "/review/api/promote", "POST", TOKEN, {"id": ids["cost"], "intent": "ask_cost"})
    assert status == 200 and json.loads(body)["example"] == "c koi le tarif ?"
    assert "    - c koi le tarif ?" in (tmp / "promoted.yml").read_text("utf-8")
    assert call(base + "/review/api/promote", "POST", TOKEN, {"id": ids["cost"], "intent": "nope"})[0] == 400
    assert call(base + "/review/api/promote", "POST", TOKEN, {"id": 999999, "intent": "ask_cost"})[0] == 404
    items = {i["id"]: i for i in json.loads(call(base + "/review/api/unanswered", token=TOKEN)[1])["items"]}
    assert items[ids["weather"]]["status"] == "resolved"
    assert (items[ids["cost"]]["status"], items[ids["cost"]]["promoted_intent"]) == ("promoted", "ask_cost")


def test_dashboard_and_forgetting_a_conversation(review_server):
    base, ids, _ = review_server
    status, body, _ = call(base + "/review/api/dashboard", token=TOKEN)
    figures = json.loads(body)
    assert status == 200 and {"per_day", "fallback_rate", "top_topics", "top_unanswered"} <= set(figures)
    status, body, _ = call(base + "/review/api/conversations/visitor-8", "DELETE", TOKEN)
    assert json.loads(body) == {"deleted": 1}
    items = json.loads(call(base + "/review/api/unanswered", token=TOKEN)[1])["items"]
    assert ids["script"] not in {i["id"] for i in items} and len(items) == 2
