"""Teaching from the review page: each group's own form (a topic in French, "Enseigner",
"Hors sujet", "Ignorer"), the JSON API (/review/api/teach), the examples written as Rasa NLU
data with who taught them and when, and the name given at login signing teaching and edits."""
from __future__ import annotations

import asyncio
import datetime
from html.parser import HTMLParser
from typing import Any, Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.review import promote, store
from bot.settings import Settings
from bot.review import topic_labels
from bot.web.app import create_app
from tests.conftest import NEW_PAGE, STAFF_TOKEN

TOKEN = "jeton-de-test-enseigner"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
WHEN = datetime.datetime(2026, 12, 1, 10, 12, 3)
LATER = datetime.datetime(2026, 12, 2, 8, 0, 0)
HEADER = promote.HEADER


def load(path) -> list[tuple[str, str]]:
    """(text, intent) of every example, as Rasa's loader reads the file."""
    from rasa.shared.nlu.training_data.loading import load_data

    return sorted((m.get("text"), m.get("intent")) for m in load_data(str(path)).intent_examples)


# --- the file --------------------------------------------------------------------------------

def test_taught_examples_are_rasa_nlu_data_with_who_and_when(tmp_path):
    path = tmp_path / "var" / "promoted.yml"
    written = promote.teach(path, [("combien ça coûte", 12), ("Combien  ça coûte", 13), ("combien ça coûte", 14),
                                   ("c'est cher [la] formation ?", None)], "ask_cost", "Marie", WHEN)
    assert written == ["combien ça coûte", "Combien ça coûte", "c'est cher la formation ?"]
    assert path.read_text("utf-8") == HEADER + """version: '3.1'
nlu:
- intent: ask_cost
  examples:
  - text: combien ça coûte
    metadata:
      author: Marie
      taught_at: '2026-12-01T10:12:03Z'
      question: 12
  - text: Combien ça coûte
    metadata:
      author: Marie
      taught_at: '2026-12-01T10:12:03Z'
      question: 13
  - text: c'est cher la formation ?
    metadata:
      author: Marie
      taught_at: '2026-12-01T10:12:03Z'
"""
    assert load(path) == [("Combien ça coûte", "ask_cost"), ("c'est cher la formation ?", "ask_cost"),
                          ("combien ça coûte", "ask_cost")]

    before = path.read_text("utf-8")
    promote.teach(path, [("combien ça coûte", 20)], "ask_cost", "Paul", LATER)  # same intent: first author and date
    assert path.read_text("utf-8") == before

    promote.teach(path, [("combien ça coûte", 21), ("2026", None)], "ask_cpf", "Paul", LATER)  # another: it moves
    assert path.read_text("utf-8") == HEADER + """version: '3.1'
nlu:
- intent: ask_cost
  examples:
  - text: Combien ça coûte
    metadata:
      author: Marie
      taught_at: '2026-12-01T10:12:03Z'
      question: 13
  - text: c'est cher la formation ?
    metadata:
      author: Marie
      taught_at: '2026-12-01T10:12:03Z'
- intent: ask_cpf
  examples:
  - text: combien ça coûte
    metadata:
      author: Paul
      taught_at: '2026-12-02T08:00:00Z'
      question: 21
  - text: '2026'
    metadata:
      author: Paul
      taught_at: '2026-12-02T08:00:00Z'
"""
    assert load(path) == [("2026", "ask_cpf"), ("Combien ça coûte", "ask_cost"), ("c'est cher la formation ?", "ask_cost"),
                          ("combien ça coûte", "ask_cpf")]
    assert promote.read_examples(path) == {"ask_cost": ["Combien ça coûte", "c'est cher la formation ?"],
                                           "ask_cpf": ["combien ça coûte", "2026"]}


def test_a_file_of_the_earlier_form_is_read_and_rewritten_in_the_new_one(tmp_path):
    path = tmp_path / "promoted.yml"
    path.write_text('version: "3.1"\nnlu:\n- intent: ask_cost\n  examples: |\n    - c koi le tarif ?\n'
                    '    - et le prix ?\n- intent: ask_vae\n  examples: |\n    - et la VAE ?\n', "utf-8")
    assert promote.read_examples(path) == {"ask_cost": ["c koi le tarif ?", "et le prix ?"], "ask_vae": ["et la VAE ?"]}
    promote.teach(path, [("et le prix ?", 3)], "ask_cpf", "Marie", WHEN)
    assert path.read_text("utf-8") == HEADER + """version: '3.1'
nlu:
- intent: ask_cost
  examples:
  - text: c koi le tarif ?
- intent: ask_cpf
  examples:
  - text: et le prix ?
    metadata:
      author: Marie
      taught_at: '2026-12-01T10:12:03Z'
      question: 3
- intent: ask_vae
  examples:
  - text: et la VAE ?
"""
    assert load(path) == [("c koi le tarif ?", "ask_cost"), ("et la VAE ?", "ask_vae"), ("et le prix ?", "ask_cpf")]


@pytest.mark.parametrize("questions, intent, error", [
    ([("combien ?", 1)], "ask_nothing", "intention inconnue : 'ask_nothing'"),
    ([("[ ] ( )", 1), ("{}", 2)], "ask_cost", "rien à enseigner : la question est vide une fois les caractères "
                                               "[ ] { } ( ) retirés"),
])
def test_nothing_is_written_for_an_unknown_intent_or_questions_without_text(tmp_path, questions, intent, error):
    path = tmp_path / "promoted.yml"
    with pytest.raises(ValueError) as raised:
        promote.teach(path, questions, intent, "Marie", WHEN)
    assert str(raised.value) == error and not path.exists()


# --- the page and the API ----------------------------------------------------------------------

@pytest.fixture()
def settings(monkeypatch) -> Settings:
    """The web app's settings (review token TOKEN), the clock of teaching at WHEN."""
    monkeypatch.setenv("REVIEW_TOKEN", TOKEN)
    monkeypatch.setattr(promote, "utcnow", lambda: WHEN)
    return Settings.from_env()


def log(settings: Settings, *texts: str, reason: str = "fallback") -> list[int]:
    """Log questions (in this order) in one transaction; their ids."""
    with store.session(settings.review_db_url) as session, session.begin():
        return [store.record(session=session, item=store.Entry("visitor", text, reason)) for text in texts]


def marks(settings: Settings) -> dict[int, tuple[str, Any]]:
    """Each row's status and promoted intent."""
    with store.session(settings.review_db_url) as session:
        return {r["id"]: (r["status"], r["promoted_intent"]) for r in store.entries(session=session)}


def serve(scenario: Callable[[TestClient], Awaitable[Any]]) -> Any:
    async def run() -> Any:
        async with TestClient(TestServer(create_app(Settings.from_env()))) as client:
            return await scenario(client)
    return asyncio.run(run())


async def error_of(response) -> str:
    """The French message of an error: {"error"} from the API, the text from a page."""
    if response.content_type == "application/json":
        return (await response.json())["error"]
    return (await response.text()).strip()


class Forms(HTMLParser):
    """The page's forms, each with its controls; the controls outside any form; nested forms."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self.outside: list[dict[str, Any]] = []
        self.open = 0
        self.nested = 0
        self._option: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        if tag == "form":
            self.nested += self.open > 0
            self.open += 1
            self.forms.append({**attrs, "controls": []})
        elif tag in ("input", "select", "button", "option"):
            control = {"tag": tag, **attrs, "text": ""}
            (self.forms[-1]["controls"] if self.open else self.outside).append(control)
            self._option = control if tag in ("button", "option") else None

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.open -= 1
        self._option = None

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option["text"] += data


def test_each_group_has_its_own_form_with_the_topics_in_french(settings):
    first, second = log(settings, "combien coûte la formation ?", "quel temps fait-il ?")
    third, = log(settings, "combien coute la formaton", reason="out_of_scope")

    async def scenario(client):
        response = await client.get("/review?reason=fallback", headers=BEARER)
        assert response.status == 200
        return await response.text()

    forms = Forms()
    forms.feed(serve(scenario))
    assert forms.nested == 0 and forms.open == 0
    rows = [f for f in forms.forms if any(c.get("value") == "teach" for c in f["controls"])]
    assert len(rows) == 2 and all(f["action"] == "/review/action?reason=fallback" for f in rows)
    assert [[c["value"] for c in f["controls"] if c["tag"] == "input"] for f in rows] == [[str(first)], [str(second)]]
    controls = rows[0]["controls"]
    assert [(c["value"], c["text"]) for c in controls if c["tag"] == "button"] == [
        ("teach", "Enseigner"), ("out_of_scope", "Hors sujet"), ("ignored", "Ignorer")]
    assert ["formnovalidate" in c for c in controls if c["tag"] == "button"] == [False, True, True]
    [select] = [c for c in controls if c["tag"] == "select"]
    assert select["name"] == "intent" and "required" in select
    options = [(c["value"], c["text"]) for c in controls if c["tag"] == "option"]
    assert options[:6] == [("", "— choisir un thème —"), ("ask_old_edition", "Ancienne édition (Dijon)"),
                           ("stop", "Arrêter"), ("goodbye", "Au revoir"),
                           ("ask_other_certificate", "Autre certificat du Cnam"), ("near_miss", "Autre formation (refus)")]
    assert ("ask_cost", "Coût") in options and ("check_eligibility", "Éligibilité") in options
    assert [label for _, label in options[1:]] == [topic_labels.label(i) for i in topic_labels.by_label(
        promote.domain_intents() - {"out_of_scope"})]  # "Hors sujet" is a button of its own
    # The bulk form stays: its checkboxes, outside it, name it.
    [bulk] = [f for f in forms.forms if f.get("id") == "selection"]
    assert [c["value"] for c in bulk["controls"] if c["tag"] == "button"] == ["resolved", "ignored", "new", "promote"]
    assert [(c["type"], c["form"], c["value"]) for c in forms.outside] == [
        ("checkbox", "selection", str(first)), ("checkbox", "selection", str(second))]
    assert str(third) not in [c.get("value") for f in forms.forms for c in f["controls"]]  # filtered out


async def login(client: TestClient, name: str | None = None):
    data = {"token": TOKEN} if name is None else {"token": TOKEN, "author": name}
    response = await client.post("/review/login", data=data, allow_redirects=False)
    assert response.status == 303
    return response


def test_login_keeps_the_name_given_in_a_cookie_like_the_token(settings):
    async def scenario(client):
        named = await login(client, "  Marie   Curie ")
        long = await login(client, "é" * 70)
        anonymous = await login(client, "  ")  # a name left by an earlier login is removed
        return named, long, anonymous

    named, long, anonymous = serve(scenario)
    assert named.headers.getall("Set-Cookie") == [
        f"review_token={TOKEN}; HttpOnly; Path=/review; SameSite=Strict",
        "review_author=Marie%20Curie; HttpOnly; Path=/review; SameSite=Strict"]
    assert long.headers.getall("Set-Cookie")[1] == f"review_author={'%C3%A9' * 60}; HttpOnly; Path=/review; SameSite=Strict"
    assert anonymous.headers.getall("Set-Cookie")[1] == (
        'review_author=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/review')


def test_the_login_form_asks_for_an_optional_name(settings):
    async def scenario(client):
        response = await client.get("/review")
        return response.status, await response.text()

    status, html = serve(scenario)
    assert status == 401
    assert ('<label>Votre nom (facultatif) <input type="text" name="author" maxlength="60" autocomplete="name">'
            '</label>') in html


def test_a_group_is_taught_marked_out_of_scope_or_ignored_in_one_click(settings):
    cost = log(settings, "combien coûte la formation ?", "Combien coute la formation", "combien coûte la formation ?")
    weather = log(settings, "quel temps fait-il ?")
    hello = log(settings, "coucou toi")

    def ids(group: list[int]) -> str:
        return ",".join(map(str, group))

    async def scenario(client):
        await login(client, "Marie")
        locations = []
        for form in ({"ids": ids(cost), "action": "teach", "intent": "ask_cost"},
                     {"ids": ids(weather), "action": "out_of_scope", "intent": ""},
                     {"ids": ids(hello), "action": "ignored", "intent": ""}):
            response = await client.post("/review/action?reason=fallback&since=2026-11-01", data=form,
                                         allow_redirects=False)
            locations.append((response.status, response.headers["Location"]))
        return locations

    assert serve(scenario) == [(303, "/review?reason=fallback&since=2026-11-01")] * 3
    assert settings.promote_file.read_text("utf-8") == HEADER + f"""version: '3.1'
nlu:
- intent: ask_cost
  examples:
  - text: combien coûte la formation ?
    metadata:
      author: Marie
      taught_at: '2026-12-01T10:12:03Z'
      question: {cost[0]}
  - text: Combien coute la formation
    metadata:
      author: Marie
      taught_at: '2026-12-01T10:12:03Z'
      question: {cost[1]}
- intent: out_of_scope
  examples:
  - text: quel temps fait-il ?
    metadata:
      author: Marie
      taught_at: '2026-12-01T10:12:03Z'
      question: {weather[0]}
"""
    assert marks(settings) == {**{i: ("promoted", "ask_cost") for i in cost},
                               weather[0]: ("promoted", "out_of_scope"), hello[0]: ("ignored", None)}


def test_the_api_teaches_a_group_and_promotes_one_question_with_an_author(settings):
    group = log(settings, "c koi le tarif ?", "c koi le tarif", "le tarif c koi ?")

    async def scenario(client):
        taught = await client.post("/review/api/teach", json={"ids": group[:2] + [999_999], "intent": "ask_cost",
                                                              "author": "Paul"}, headers=BEARER)
        promoted = await client.post("/review/api/promote", json={"id": group[2], "intent": "ask_cost",
                                                                  "author": " Léa "}, headers=BEARER)
        return (taught.status, await taught.json()), (promoted.status, await promoted.json())

    taught, promoted = serve(scenario)
    assert taught == (200, {"taught": 2, "intent": "ask_cost", "examples": ["c koi le tarif ?", "c koi le tarif"]})
    assert promoted == (200, {"file": str(settings.promote_file), "intent": "ask_cost", "example": "le tarif c koi ?"})
    examples = promote.read_taught(settings.promote_file)
    assert [(e.text, e.metadata) for e in examples] == [
        ("c koi le tarif ?", {"author": "Paul", "taught_at": "2026-12-01T10:12:03Z", "question": group[0]}),
        ("c koi le tarif", {"author": "Paul", "taught_at": "2026-12-01T10:12:03Z", "question": group[1]}),
        ("le tarif c koi ?", {"author": "Léa", "taught_at": "2026-12-01T10:12:03Z", "question": group[2]})]
    assert set(marks(settings).values()) == {("promoted", "ask_cost")}


@pytest.mark.parametrize("body, status, error", [
    ({"ids": [999_998], "intent": "ask_cost"}, 404, "question 999998 introuvable"),
    ({"ids": [999_998, 999_997], "intent": "ask_cost"}, 404, "aucune de ces 2 questions n'existe"),
    ({"ids": [], "intent": "ask_cost"}, 400, 'attendu : {"ids": [entiers, 1000 au plus], "intent": "nom"}'),
    ({"ids": "1", "intent": "ask_cost"}, 400, 'attendu : {"ids": [entiers, 1000 au plus], "intent": "nom"}'),
    ({"ids": [True], "intent": "ask_cost"}, 400, 'attendu : {"ids": [entiers, 1000 au plus], "intent": "nom"}'),
    ({"ids": list(range(1, 1002)), "intent": "ask_cost"}, 400,
     'attendu : {"ids": [entiers, 1000 au plus], "intent": "nom"}'),
    ({"ids": "ROW", "intent": 3}, 400, 'attendu : {"ids": [entiers, 1000 au plus], "intent": "nom"}'),
    ({"ids": "ROW", "intent": "ask_nothing"}, 400, "intention inconnue : 'ask_nothing'"),
    ({"ids": "ROW", "intent": "ask_cost", "author": "x" * 121}, 400,
     "« author » : un nom de 120 caractères au plus est attendu"),
    ({"ids": "ROW", "intent": "ask_cost", "author": 5}, 400, "« author » : un nom de 120 caractères au plus est attendu"),
])
def test_bad_teaching_requests_are_refused_and_change_nothing(settings, body, status, error):
    [row] = log(settings, "combien ça coûte ?")
    body = {**body, "ids": [row]} if body["ids"] == "ROW" else body

    async def scenario(client):
        response = await client.post("/review/api/teach", json=body, headers=BEARER)
        return response.status, await error_of(response)

    assert serve(scenario) == (status, error)
    assert not settings.promote_file.exists() and marks(settings) == {row: ("new", None)}


def test_teaching_needs_the_token(settings):
    [row] = log(settings, "combien ça coûte ?")

    async def scenario(client):
        api = await client.post("/review/api/teach", json={"ids": [row], "intent": "ask_cost"})
        page = await client.post("/review/action", data={"ids": str(row), "action": "teach", "intent": "ask_cost"},
                                 allow_redirects=False)
        return api.status, await error_of(api), page.status

    assert serve(scenario) == (401, "authentification requise", 401)
    assert not settings.promote_file.exists() and marks(settings) == {row: ("new", None)}


def test_knowledge_edits_are_signed_with_the_name_given_at_login(staff_kb):
    async def scenario(client):
        response = await client.post("/review/login", data={"token": STAFF_TOKEN, "author": "Claire"},
                                     allow_redirects=False)
        assert response.status == 303
        unsigned = await client.post("/review/api/sources", json={"id": "cestes-2026", "title": "page 2026",
                                                                  "date": "2026-11-15", "text": NEW_PAGE})
        signed = await client.post("/review/api/sources", json={"id": "cestes-2027", "title": "page 2027",
                                                                "date": "2026-11-16", "text": NEW_PAGE,
                                                                "author": "Marc"})
        form = await client.post("/review/connaissances/cost.third_party/restore", data={"version": "1"},
                                 allow_redirects=False)
        history = await client.get("/review/api/facts/cost.third_party/history")
        return ((await unsigned.json())["added_by"], (await signed.json())["added_by"], form.status,
                [(v["version"], v["author"]) for v in (await history.json())["versions"]])

    assert serve(scenario) == ("Claire", "Marc", 303, [(2, "Claire"), (1, "données du dépôt")])


def test_without_a_name_edits_are_signed_by_the_team(staff_kb):
    async def scenario(client):
        response = await client.post("/review/api/sources", json={"id": "cestes-2026", "title": "page 2026",
                                                                   "date": "2026-11-15", "text": NEW_PAGE},
                                     headers={"Authorization": f"Bearer {STAFF_TOKEN}"})
        return (await response.json())["added_by"]

    assert serve(scenario) == "équipe CESTES"


@pytest.mark.parametrize("ids", ["²", "1" * 40, "-1", "1e3", ""])
def test_the_page_buttons_ignore_ids_that_are_not_row_ids(settings, ids):
    [row] = log(settings, "combien pour la formation")

    async def scenario(client: TestClient):
        response = await client.post("/review/action", data={"ids": f"{ids},{row}", "action": "ignored"},
                                     headers={"Authorization": f"Bearer {TOKEN}"}, allow_redirects=False)
        return response.status, response.headers["Location"]

    assert serve(scenario) == (303, "/review")
    assert marks(settings) == {row: ("ignored", None)}
