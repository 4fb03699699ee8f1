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
from aiohttp.test_utils import TestClient, TestServer, make_mocked_request
from aiohttp.web_urldispatcher import PrefixedSubAppResource
from sqlalchemy import text, update
from sqlalchemy.orm import Session

from actions.feedback import ActionFeedbackNegative
from actions.review_log import fallback_reason
from actions.topics import ACTIONS
from bot import db
from bot.handoff import store as handoff_store
from bot.review import dashboard, promote, store
from bot.review.__main__ import main as review_cli
from bot.review.models import LoggedQuestion
from bot.settings import ROOT, Settings
from bot.web.app import create_app
from knowledge.db import make_engine
from tests.conftest import free_port

TOKEN = "s3cret-review-token"


@pytest.fixture()
def log_url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'review.db'}"
    monkeypatch.setenv("REVIEW_DB_URL", url)
    return url


def add(url, *items):
    """Record entries in one transaction; their ids."""
    with store.session(url) as session, session.begin():
        return [store.record(session=session, item=item) for item in items]


def logged(url, **filters):
    """The log, newest first."""
    with store.session(url) as session:
        return store.entries(session=session, filters=store.Filters(**filters), limit=10_000)


def test_groups_ignore_case_accents_and_punctuation(log_url):
    add(log_url, *(store.Entry("a", text, "out_of_scope")
                   for text in ("Où est la cantine ?", "ou est la CANTINE", "quel temps demain")))
    groups = store.groups(logged(log_url))
    assert [(g["group"], g["count"]) for g in groups] == [("ou est la cantine", 2), ("quel temps demain", 1)]


def test_near_duplicates_are_grouped_with_their_variants(log_url):
    add(log_url, *(store.Entry("a", text, "fallback") for text in (
        "combien coûte la formation ?", "Combien coute la formation", "combien coute la formaton",
        "la formation coûte combien", "c'est où la formation ?", "quel temps demain")))
    groups = store.groups(logged(log_url))
    assert [(g["group"], g["count"]) for g in groups] == [
        ("combien coute la formation", 4), ("c est ou la formation", 1), ("quel temps demain", 1)]
    assert sorted(groups[0]["variants"]) == ["combien coute la formation", "combien coute la formaton",
                                             "la formation coute combien"]


def test_many_conversations_writing_at_once_lose_nothing(log_url):
    errors = []
    store.session(log_url).close()  # the table, created once as any process's first write would

    def conversation(n: int) -> None:
        try:
            if n % 2:  # the process's shared engine, as the action server's worker threads use it
                for turn in range(4):
                    add(log_url, store.Entry(f"visitor-{n}", f"question {n}-{turn}", "fallback"))
                return
            engine = make_engine(log_url)  # an engine of its own, as a separate process would have
            for turn in range(4):
                with Session(engine, future=True) as session, session.begin():
                    store.record(session=session, item=store.Entry(f"visitor-{n}", f"question {n}-{turn}",
                                                                   "fallback"))
            engine.dispose()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(repr(error))

    threads = [threading.Thread(target=conversation, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    rows = logged(log_url)
    assert len(rows) == 200
    assert len({r["text"] for r in rows}) == 200 and len({r["id"] for r in rows}) == 200


def test_purge_keeps_what_is_recent_and_forget_removes_one_conversation(log_url):
    old, _, _ = add(log_url, store.Entry("old", "vieille question", "fallback"),
                    store.Entry("recent", "question récente", "fallback"),
                    store.Entry("other", "autre question", "fallback"))
    with store.session(log_url) as session, session.begin():
        session.execute(update(LoggedQuestion).where(LoggedQuestion.id == old)
                        .values(created_at=datetime.datetime(2020, 1, 1)))
    with store.session(log_url) as session, session.begin():
        assert store.purge(session=session, days=180) == 1
    with store.session(log_url) as session, session.begin():
        assert store.forget_conversation(session=session, conversation="recent") == 1
    assert [r["text"] for r in logged(log_url)] == ["autre question"]
    assert logged(log_url)[0]["conversation"] == store.pseudonym("other") != "other"


@pytest.mark.parametrize("intent, ranking, reason", [
    ("out_of_scope", [{"name": "out_of_scope", "confidence": 0.9}], "out_of_scope"),
    ("nlu_fallback", [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "ask_cost", "confidence": 0.31},
                      {"name": "ask_cpf", "confidence": 0.29}], "ambiguity"),
    ("nlu_fallback", [{"name": "ask_cost", "confidence": 0.3}, {"name": "ask_cpf", "confidence": 0.1}], "fallback"),
])
def test_fallback_reason(intent, ranking, reason):
    assert fallback_reason({"intent": {"name": intent}, "intent_ranking": ranking}) == reason


@pytest.fixture()
def visitor(make_tracker):
    """A tracker of visitor-1, whose message was classified with this ranking."""

    def tracker(text, intent, confidence=0.95, events=None, slots=None):
        ranking = [{"name": intent, "confidence": confidence}, {"name": "ask_cpf", "confidence": 0.02}]
        return make_tracker(text, intent, slots=slots, sender="visitor-1", events=events,
                            confidence=confidence, intent_ranking=ranking)

    return tracker


def test_fallback_and_doubtful_answers_are_logged(use_kb, log_url, visitor, run_action):
    run_action(ACTIONS["action_fallback"], visitor("quel temps ?", "out_of_scope"))
    run_action(ACTIONS["action_answer_overview"], visitor("c koi ?", "ask_overview", 0.45))
    run_action(ACTIONS["action_answer_overview"], visitor("c'est quoi ?", "ask_overview"))
    rows = logged(log_url)
    assert [(r["text"], r["reason"], r["entry"]) for r in rows] == [
        ("c koi ?", "low_confidence", "action_answer_overview"), ("quel temps ?", "out_of_scope", "action_fallback")]
    assert "par_cestes@lecnam.net" in rows[1]["reply"]
    assert rows[0]["intents"][0] == {"name": "ask_overview", "confidence": 0.45}


def test_answers_carry_feedback_buttons(use_kb, visitor, run_action, monkeypatch):
    messages, _ = run_action(ACTIONS["action_answer_overview"], visitor("c'est quoi ?", "ask_overview"))
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/feedback_positive", "/feedback_negative"]
    monkeypatch.setenv("FEEDBACK_BUTTONS", "false")
    messages, _ = run_action(ACTIONS["action_answer_overview"], visitor("c'est quoi ?", "ask_overview"))
    assert messages[0]["buttons"] == []


def test_thumbs_down_logs_the_question_and_the_answer_shown(use_kb, log_url, visitor, run_action):
    events = [
        {"event": "user", "text": "combien ça coûte ?",
         "parse_data": {"text": "combien ça coûte ?", "intent": {"name": "ask_cost"},
                        "intent_ranking": [{"name": "ask_cost", "confidence": 0.9}]}},
        {"event": "bot", "text": "Coût de la formation : 10 005 €"},
        {"event": "user", "text": "/feedback_negative"},
    ]
    tracker = visitor("/feedback_negative", "feedback_negative", events=events,
                      slots={"last_topic": "action_answer_cost"})
    messages, _ = run_action(ActionFeedbackNegative, tracker)
    assert [m["response"] for m in messages] == ["utter_feedback_negative"]
    [row] = logged(log_url)
    assert (row["text"], row["reason"], row["entry"], row["reply"]) == (
        "combien ça coûte ?", "negative_feedback", "action_answer_cost", "Coût de la formation : 10 005 €")


def test_promote_writes_valid_rasa_yaml(tmp_path):
    from rasa.shared.nlu.training_data.loading import load_data

    path = tmp_path / "var" / "not-yet" / "promoted.yml"  # any PROMOTE_FILE, its folder created
    assert promote.promote(path, "c'est combien [la] formation {x} ?", "ask_cost") == "c'est combien la formation x ?"
    promote.promote(path, "c'est combien la formation x ?", "ask_cost")  # once only
    promote.promote(path, "ça dure combien ?", "ask_duration")
    data = load_data(str(path))
    assert sorted((m.get("text"), m.get("intent")) for m in data.intent_examples) == [
        ("c'est combien la formation x ?", "ask_cost"), ("ça dure combien ?", "ask_duration")]
    with pytest.raises(ValueError, match="intention inconnue"):
        promote.promote(path, "x", "ask_nothing")


def test_promotions_at_once_lose_no_example(tmp_path):
    path = tmp_path / "promoted.yml"
    threads = [threading.Thread(target=promote.promote, args=(path, f"question {n}", "ask_cost"))
               for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(promote.read_examples(path)["ask_cost"]) == sorted(f"question {n}" for n in range(20))


def test_forget_deletes_one_conversation_everywhere(log_url, tmp_path, monkeypatch, capsys):
    handoff_url, tracker_url = f"sqlite:///{tmp_path / 'handoff.db'}", f"sqlite:///{tmp_path / 'tracker.db'}"
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("HANDOFF_DB_URL", handoff_url)
    with db.session(tracker_url) as session, session.begin():
        session.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT)"))
        session.execute(text("INSERT INTO events (sender_id) VALUES ('visitor-1'), ('visitor-1'), ('other')"))
    add(log_url, store.Entry("visitor-1", "bonjour ?", "fallback"), store.Entry("other", "salut ?", "fallback"))
    with handoff_store.session(handoff_url) as session, session.begin():
        handoff_store.record(session=session, new=handoff_store.NewRequest(
            conversation=store.pseudonym("visitor-1"), name="A", email="a@b.fr", question="q"))
    assert review_cli(["forget", "visitor-1"]) == 0
    assert "deleted: 1 logged question(s), 1 handoff request(s), 2 tracker event(s)" in capsys.readouterr().out
    with db.session(tracker_url) as session:
        assert session.execute(text("SELECT sender_id FROM events")).fetchall() == [("other",)]
    assert [r["text"] for r in logged(log_url)] == ["salut ?"]


def test_cli_lists_exports_resolves_and_purges(log_url, tmp_path, capsys):
    [first] = add(log_url, store.Entry("a", "où est le parking ?", "out_of_scope"))
    assert review_cli(["resolve", str(first)]) == 0
    output = tmp_path / "export.csv"
    assert review_cli(["export", "--format", "csv", "--output", str(output)]) == 0
    content = output.read_bytes()
    assert content.startswith("\ufeff".encode("utf-8"))
    [row] = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert (row["question"], row["statut"]) == ("où est le parking ?", "resolved")  # as the web export
    assert review_cli(["export", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out.split("\n", 1)[1])[0]["text"] == "où est le parking ?"
    assert review_cli(["purge", "--days", "1"]) == 0 and len(logged(log_url)) == 1


def test_dashboard_counts_conversations_messages_and_topics(tmp_path):
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    today = datetime.date(2024, 5, 10)

    def at(days_ago):
        moment = datetime.datetime.combine(today, datetime.time(12), tzinfo=datetime.timezone.utc)
        return (moment - datetime.timedelta(days=days_ago)).timestamp()

    with db.session(url) as session, session.begin():
        session.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT, "
                             "action_name TEXT, timestamp REAL)"))
        session.execute(text("INSERT INTO events (sender_id, type_name, action_name, timestamp) "
                             "VALUES (:s, :k, :a, :t)"), [
            {"s": "a", "k": "user", "a": None, "t": at(0)}, {"s": "a", "k": "user", "a": None, "t": at(0)},
            {"s": "b", "k": "user", "a": None, "t": at(0)},
            {"s": "b", "k": "action", "a": "action_answer_cost", "t": at(0)},
            {"s": "a", "k": "user", "a": None, "t": at(1)}, {"s": "c", "k": "user", "a": None, "t": at(20)}])
    with db.session(url) as session:
        activity = dashboard.tracker_activity(session=session, days=14, today=today)
    assert activity == {"per_day": [{"day": "2024-05-09", "conversations": 1, "messages": 1},
                                    {"day": "2024-05-10", "conversations": 2, "messages": 3}],
                        "topics": [("cost", 1)], "messages": 4}
    with db.session(f"sqlite:///{tmp_path / 'empty.db'}") as session:  # Rasa has stored nothing yet
        assert dashboard.tracker_activity(session=session, days=14, today=today) == dashboard.no_activity()


def test_the_web_app_purges_old_rows_at_start_and_guards_every_review_path(log_url, monkeypatch):
    monkeypatch.setenv("REVIEW_TOKEN", TOKEN)
    old, recent = add(log_url, store.Entry("a", "vieille question", "fallback"),
                      store.Entry("b", "question récente", "fallback"))
    with store.session(log_url) as session, session.begin():
        session.execute(update(LoggedQuestion).where(LoggedQuestion.id == old)
                        .values(created_at=datetime.datetime(2020, 1, 1)))
    bearer = {"Authorization": f"Bearer {TOKEN}"}

    async def scenario():
        async with TestClient(TestServer(create_app(Settings.from_env()))) as client:
            assert [r["id"] for r in logged(log_url)] == [recent]  # purged when the server started
            page = await client.get("/review/")
            assert page.status == 401 and page.content_type == "text/html"
            api = await client.get("/review/api/nothing")
            assert api.status == 401 and (await api.json()) == {"error": "authentification requise"}
            assert (await client.get("/review/api/nothing", headers=bearer)).status == 404
            too_big = await client.post("/review/api/status", headers=bearer, data=b"x" * 70_000)
            assert too_big.status == 413

    asyncio.run(scenario())


@pytest.fixture(scope="module")
def review_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("review")
    port = free_port()
    env = {**os.environ, "WEB_PORT": str(port), "REVIEW_TOKEN": TOKEN, "VAR_DIR": str(tmp),
           "REVIEW_DB_URL": f"sqlite:///{tmp / 'review.db'}", "PROMOTE_FILE": str(tmp / "promoted.yml")}
    env.pop("TRACKER_DB_URL", None)  # under VAR_DIR: Rasa has not created it
    ids = dict(zip(("weather", "script", "cost"), add(
        env["REVIEW_DB_URL"],
        store.Entry("visitor-9", "quel temps fait-il ?", "out_of_scope", [{"name": "out_of_scope", "confidence": 0.97}]),
        store.Entry("visitor-8", "<script>alert(1)</script>", "fallback"),
        store.Entry("visitor-7", "c koi le tarif ?", "low_confidence"))))
    process = subprocess.Popen([sys.executable, "-m", "bot.web"], cwd=ROOT, env=env,
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
    # A wrong token each (8) and one wrong login below: under the server's limit of 10 a minute.
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
    assert "Path=/review" in set_cookie and "Secure" not in set_cookie  # plain HTTP here
    cookie = set_cookie.split(";")[0]
    assert call(base + "/review", cookie=cookie)[0] == 200
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(base + "/review/login", data=b"token=wrong"), timeout=10)
    assert refused.value.code == 401 and "Jeton incorrect." in refused.value.read().decode()


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
    written = (tmp / "promoted.yml").read_text("utf-8")  # no name given: the team's
    assert "- intent: ask_cost\n  examples:\n  - text: c koi le tarif ?\n    metadata:\n      author: équipe CESTES\n" in written
    assert written.endswith(f"Z'\n      question: {ids['cost']}\n")
    assert call(base + "/review/api/promote", "POST", TOKEN, {"id": ids["cost"], "intent": "nope"})[0] == 400
    assert call(base + "/review/api/promote", "POST", TOKEN, {"id": 999999, "intent": "ask_cost"})[0] == 404
    items = {i["id"]: i for i in json.loads(call(base + "/review/api/unanswered", token=TOKEN)[1])["items"]}
    assert items[ids["weather"]]["status"] == "resolved"
    assert (items[ids["cost"]]["status"], items[ids["cost"]]["promoted_intent"]) == ("promoted", "ask_cost")


def test_dashboard_and_forgetting_a_conversation(review_server):
    base, ids, tmp = review_server
    status, body, _ = call(base + "/review/api/dashboard", token=TOKEN)
    figures = json.loads(body)
    assert status == 200 and {"per_day", "fallback_rate", "top_topics", "top_unanswered"} <= set(figures)
    status, body, _ = call(base + "/review/api/conversations/visitor-8", "DELETE", TOKEN)
    assert json.loads(body) == {"deleted": 1}
    items = json.loads(call(base + "/review/api/unanswered", token=TOKEN)[1])["items"]
    assert ids["script"] not in {i["id"] for i in items} and len(items) == 2
    assert not (tmp / "tracker.db").exists()  # the dashboard did not create Rasa's database


REVIEW_ROUTES = [
    ("GET", "/review"), ("POST", "/review/login"), ("POST", "/review/action"),
    ("GET", "/review/api/unanswered"), ("GET", "/review/api/dashboard"), ("POST", "/review/api/status"),
    ("POST", "/review/api/promote"), ("POST", "/review/api/teach"), ("DELETE", "/review/api/conversations/x"),
    ("GET", "/review/export.csv"), ("GET", "/review/export.json"),
]


def test_the_review_feature_is_a_sub_application(review_server):
    app = create_app(Settings.from_env())

    async def resolve(method, path):
        # With the port in Host, as browsers send it (see bot/web/app.py, _PathResolvedSubApp).
        return await app.router.resolve(make_mocked_request(method, path, {"Host": "127.0.0.1:8080"}, app=app))

    health = asyncio.run(resolve("GET", "/health"))
    assert health.http_exception is None and health.apps == ()
    [mount] = [r for r in app.router.resources() if isinstance(r, PrefixedSubAppResource)]
    review = mount.get_info()["app"]
    assert mount.canonical == "/review" and review is not app
    for method, path in REVIEW_ROUTES:
        found = asyncio.run(resolve(method, path))
        assert found.http_exception is None and found.apps == (review,), path
    assert [m.__name__ for m in review.middlewares] == ["require_token", "json_errors"]
    assert not app.middlewares  # the token guards the review routes only
    base, _, _ = review_server
    assert call(base + "/health")[0] == 200 and call(base + "/widget/widget.js")[0] == 200
    assert call(base + "/review")[0] == 401 and call(base + "/review/api/unanswered")[0] == 401


def test_the_page_buttons_mark_questions_and_go_back_to_the_filtered_page(review_server):
    base, ids, _ = review_server

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def press(query):
        # The page sends no Referer (Referrer-Policy: no-referrer): its form's action keeps the filters.
        request = urllib.request.Request(base + "/review/action" + query, method="POST",
                                         data=f"ids={ids['weather']}&action=ignored".encode(),
                                         headers={"Authorization": f"Bearer {TOKEN}",
                                                  "Referer": "https://elsewhere.example/review?x=1"})
        try:
            urllib.request.build_opener(NoRedirect).open(request, timeout=10)
            raise AssertionError("expected a redirection")
        except urllib.error.HTTPError as error:
            return error.code, error.headers["Location"]

    page = call(base + "/review?reason=out_of_scope&status=", token=TOKEN)[1].decode()
    assert '<form method="post" action="/review/action?reason=out_of_scope">' in page
    assert press("?reason=out_of_scope") == (303, "/review?reason=out_of_scope")
    assert press("") == (303, "/review")
    assert press("?reason=nonsense") == (303, "/review")
    assert press("?next=https://elsewhere.example/&since=2026-01-02") == (303, "/review?since=2026-01-02")
    items = {i["id"]: i for i in json.loads(call(base + "/review/api/unanswered", token=TOKEN)[1])["items"]}
    assert items[ids["weather"]]["status"] == "ignored"


def test_the_csv_export_survives_control_characters():
    from bot.review.export import csv_export

    row = {"id": 1, "created_at": "2026-12-01T10:00:00Z", "conversation": "c", "text": "a\x00b\x1bc\td\ud800",
           "reason": "fallback", "status": "new", "intents": [{"name": "x", "confidence": None}],
           "reply": "ok\r\nfin\x85", "entry": None}
    parsed = list(csv.reader(io.StringIO(csv_export([row]).decode("utf-8-sig"), newline=""), delimiter=";"))
    assert parsed[1][3] == "abc\td" and parsed[1][6] == "x" and parsed[1][7] == "ok\nfin"


def test_the_page_shows_a_groups_variants(log_url, monkeypatch):
    monkeypatch.setenv("REVIEW_TOKEN", TOKEN)
    add(log_url, store.Entry("a", "combien coûte la formation ?", "fallback"),
        store.Entry("b", "combien coute la formaton", "fallback"))

    async def scenario():
        async with TestClient(TestServer(create_app(Settings.from_env()))) as client:
            page = await client.get("/review", headers={"Authorization": f"Bearer {TOKEN}"})
            return page.status, await page.text()

    status, html = asyncio.run(scenario())
    assert status == 200 and "<small>variantes : combien coute la formaton</small>" in html


def test_the_page_shows_the_answer_given_and_the_guesses_as_french_topics(log_url, monkeypatch):
    monkeypatch.setenv("REVIEW_TOKEN", TOKEN)
    add(log_url, store.Entry("a", "et le tarif du module ?", "low_confidence",
                             [{"name": "ask_coop_module", "confidence": 0.41}, {"name": "ask_cost", "confidence": 0.39}],
                             "Le module coopératif coûte 400 €."))

    async def scenario():
        async with TestClient(TestServer(create_app(Settings.from_env()))) as client:
            page = await client.get("/review", headers={"Authorization": f"Bearer {TOKEN}"})
            return await page.text()

    html = asyncio.run(scenario())
    assert "<small>l'assistant a pensé à : Module coopératif, Coût</small>" in html
    assert "<summary>Réponse donnée</summary><p>Le module coopératif coûte 400 €.</p>" in html
    assert '<option value="ask_cost">Coût</option>' in html
