"""Facts maintained by staff, over HTTP (the /review API, same token): a newer document added, a
fact updated from it and answered and cited at once, a quote not in its document refused with
nothing changed, the history, a restore, and builds that never erase staff changes. Each test
runs on SQLite, then on a PostgreSQL database of its own (tests/conftest.py, staff_kb)."""
from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.orm import Session

from actions.topics import ACTIONS
from bot.settings import Settings
from bot.web.app import create_app
from knowledge import edits, revision
from knowledge.build import build
from knowledge.db import SEEDS_DIR, make_engine
from knowledge.loader import read_dataset
from tests.conftest import NEW_PAGE, NEW_QUOTE, NEW_VALUES, STAFF_TOKEN

TOKEN = STAFF_TOKEN
BEARER = {"Authorization": f"Bearer {TOKEN}"}
QUOTE = NEW_QUOTE
VALUES = NEW_VALUES



def http(*calls: Any) -> list[tuple[int, Any]]:
    """Run (method, path, json) calls against the web app over HTTP: [(status, body)]."""
    async def scenario() -> list[tuple[int, Any]]:
        results = []
        async with TestClient(TestServer(create_app(Settings.from_env()))) as client:
            for method, path, body, *headers in calls:
                response = await client.request(method, "/review/api" + path, json=body,
                                                headers=headers[0] if headers else BEARER)
                results.append((response.status, await response.json()))
        return results
    return asyncio.run(scenario())


def cost_answer(run_action, make_tracker, render, route: str = "employeur") -> str:
    entities = [{"entity": "funding_route", "value": route}]
    slots = {"funding_route": route, "subject": "diploma"}
    messages, _ = run_action(ACTIONS["action_answer_cost"], make_tracker("et mon employeur ?", "ask_cost", entities, slots))
    return render(messages[0], slots)


def test_a_fact_updated_from_a_new_document_is_answered_and_cited_at_once(staff_kb, domain, run_action, make_tracker, render):
    assert "10 005 €" in cost_answer(run_action, make_tracker, render)
    [(added, source), (updated, fact)] = http(
        ("POST", "/sources", {"id": "cestes-2026", "title": "page de la formation sur le site du CESTES (34e promotion)",
                              "date": "2026-11-15", "text": NEW_PAGE, "author": "Claire"}),
        ("PUT", "/facts/cost.third_party", {"values": VALUES, "source": "cestes-2026", "quote": QUOTE,
                                            "reason": "tarifs de la 34e promotion", "author": "Claire"}))
    assert added == 201 and source == {"id": "cestes-2026", "title": "page de la formation sur le site du CESTES (34e promotion)",
                                       "date": "2026-11-15", "added_by": "Claire"}
    assert updated == 200 and fact["version"] == 2 and fact["edited"] is True and fact["values"] == VALUES
    answer = cost_answer(run_action, make_tracker, render)
    assert "la formation coûte alors 10 500 € (pour les deux années)" in answer
    # The price from the new document; the e-mail address still from the 2024 page.
    assert answer.endswith("Source : page de la formation sur le site du CESTES (34e promotion), novembre 2026 ; "
                           "page de la formation sur le site du CESTES (33e promotion), novembre 2024")


@pytest.mark.parametrize("change, error", [
    ({"quote": QUOTE + ", garanti jusqu'en 2030"}, "refusé : la citation n'est pas dans le document"),
    ({"values": {**VALUES, "amount": "9 999 €"}}, "refusé : la valeur '9 999 €' (amount) n'est pas dans la citation"),
    ({"values": {"amount": "10 500 €"}}, "« values » : les valeurs attendues sont amount, funding, period"),
    ({"source": "inconnu"}, "document inconnu : 'inconnu'"),
    ({"reason": "  "}, "« reason » est obligatoire"),
    ({"review_by": "bientôt"}, "« review_by » : une date AAAA-MM-JJ est attendue"),
    ({"values": {**VALUES, "amount": True}}, "« values » : la valeur « amount » contient true : seuls du texte et des entiers sont permis"),
    ({"values": {**VALUES, "amount": []}}, "« values » : la valeur « amount » est une liste vide"),
])
def test_a_change_the_document_does_not_back_is_refused_and_changes_nothing(staff_kb, change, error):
    body = {"values": VALUES, "source": "cestes-2026", "quote": QUOTE, "reason": "tarifs 2026", **change}
    results = http(
        ("POST", "/sources", {"id": "cestes-2026", "title": "page 2026", "date": "2026-11-15", "text": NEW_PAGE}),
        ("PUT", "/facts/cost.third_party", body),
        ("GET", "/facts/cost.third_party", None),
        ("GET", "/facts/cost.third_party/history", None))
    assert results[1] == (422, {"error": error})
    status, fact = results[2]
    assert status == 200 and fact["version"] == 1 and fact["values"]["amount"] == "10 005 €" and not fact["edited"]
    assert [v["version"] for v in results[3][1]["versions"]] == [1]


def test_history_restore_and_builds_keep_staff_changes(staff_kb, domain, run_action, make_tracker, render):
    http(("POST", "/sources", {"id": "cestes-2026", "title": "page 2026", "date": "2026-11-15", "text": NEW_PAGE}),
         ("PUT", "/facts/cost.third_party", {"values": VALUES, "source": "cestes-2026", "quote": QUOTE,
                                             "reason": "tarifs 2026", "author": "Claire"}))
    engine = make_engine(staff_kb)
    build(engine, read_dataset())  # `make run` builds again: the staff change stays
    engine.dispose()
    assert "10 500 €" in cost_answer(run_action, make_tracker, render)
    [(_, history), (restored, fact), (_, after)] = http(
        ("GET", "/facts/cost.third_party/history", None),
        ("POST", "/facts/cost.third_party/restore", {"version": 1, "author": "Marc"}),
        ("GET", "/facts/cost.third_party/history", None))
    assert [(v["version"], v["author"], v["source"]) for v in history["versions"]] == [
        (2, "Claire", "cestes-2026"), (1, "données du dépôt", "001_0804f255e4d6d6ac.txt")]
    assert restored == 200 and fact["version"] == 3 and fact["values"]["amount"] == "10 005 €"
    assert after["versions"][0]["reason"] == "retour à la version 1" and after["versions"][0]["author"] == "Marc"
    answer = cost_answer(run_action, make_tracker, render)
    assert "10 005 €" in answer and "10 500" not in answer


def test_every_change_gives_a_new_stamp_that_the_action_server_compares(staff_kb):
    engine = make_engine(staff_kb)

    def stamp():
        with Session(engine, future=True) as session:
            return revision.stamp(session)

    built = stamp()
    build(engine, read_dataset())  # nothing to change: the same stamp
    assert built is not None and stamp() == built
    http(("POST", "/sources", {"id": "cestes-2026", "title": "page 2026", "date": "2026-11-15", "text": NEW_PAGE}))
    added = stamp()
    http(("PUT", "/facts/cost.third_party", {"values": VALUES, "source": "cestes-2026", "quote": QUOTE,
                                             "reason": "tarifs 2026"}))
    updated = stamp()
    engine.dispose()
    assert len({built, added, updated}) == 3


def test_the_facts_in_memory_stand_while_a_server_database_cannot_be_read(staff_kb, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from actions import knowledge_base

    if staff_kb.startswith("sqlite"):
        pytest.skip("a SQLite file's stamp is its modification time, not a row")
    monkeypatch.setattr(knowledge_base, "REFRESH_S", 1e9)  # one period for the whole test
    facts = knowledge_base.all_facts(staff_kb)

    def unreachable(session):
        raise OperationalError("SELECT stamp", {}, Exception("connection refused"))

    monkeypatch.setattr(knowledge_base.revision, "stamp", unreachable)
    assert knowledge_base.all_facts(staff_kb) is facts


def test_two_changes_of_one_fact_at_once_each_get_a_version(staff_kb):
    if staff_kb.startswith("sqlite"):
        pytest.skip("row locks are PostgreSQL's (SQLite has none)")
    engine = make_engine(staff_kb)
    with Session(engine, future=True) as session, session.begin():
        edits.add_source(session, "cestes-2026", "page 2026", "2026-11-15", NEW_PAGE, "Claire")
    first = Session(engine, future=True)
    first.begin()
    edits.update_fact(first, "cost.third_party", VALUES, "cestes-2026", QUOTE, "tarifs 2026", "Claire", SEEDS_DIR)
    errors: list[str] = []

    def second() -> None:
        try:
            with Session(engine, future=True) as session, session.begin():
                edits.restore(session, "cost.third_party", 1, "Marc", None)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(repr(error))

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(1.0)
    assert thread.is_alive()  # waiting for the first change to end
    first.commit()
    first.close()
    thread.join(10)
    with Session(engine, future=True) as session:
        versions = [(v["version"], v["author"]) for v in edits.history(session, "cost.third_party")]
    engine.dispose()
    assert errors == [] and versions == [(3, "Marc"), (2, "Claire"), (1, "données du dépôt")]


def test_the_facts_list_shows_documents_dates_and_review_dates(staff_kb):
    [(status, body)] = http(("GET", "/facts", None))
    facts = {f["key"]: f for f in body["facts"]}
    assert status == 200 and len(facts) == len(read_dataset().facts)
    cost = facts["cost.individual"]
    assert (cost["source_date"], cost["review_by"], cost["to_recheck"]) == ("novembre 2024", "2025-09-01", True)
    assert facts["contact.email"]["to_recheck"] is False


@pytest.mark.parametrize("method, path, body, status, error", [
    ("GET", "/facts/nope.nope", None, 404, "aucune information « nope.nope »"),
    ("PUT", "/facts/nope.nope", {}, 404, "aucune information « nope.nope »"),
    ("POST", "/facts/cost.individual/restore", {"version": 9}, 404, "aucune version 9 de « cost.individual »"),
    ("POST", "/facts/cost.individual/restore", {"version": "1"}, 422, "« version » : un entier est attendu"),
    ("POST", "/sources", {"id": "A b", "title": "t", "date": "2026-01-01", "text": "x"}, 422,
     "« id » : de 3 à 80 caractères, minuscules, chiffres, « . », « - » ou « _ »"),
    ("POST", "/sources", {"id": "doc-1", "title": "t", "date": "01/02/2026", "text": "x"}, 422,
     "« date » : une date AAAA-MM-JJ est attendue"),
    ("POST", "/sources", {"id": "001_0804f255e4d6d6ac.txt", "title": "t", "date": "2026-01-01", "text": "x"}, 422,
     "un document « 001_0804f255e4d6d6ac.txt » existe déjà"),
])
def test_bad_requests_get_a_french_error(staff_kb, method, path, body, status, error):
    assert http((method, path, body)) == [(status, {"error": error})]


def test_the_knowledge_api_needs_the_token(staff_kb):
    assert http(("GET", "/facts", None, {})) == [(401, {"error": "authentification requise"})]


def test_export_writes_staff_changes_back_and_a_build_from_them_gives_the_same_facts(staff_kb, tmp_path):
    import shutil

    from sqlalchemy.orm import Session

    from knowledge.export import export
    from knowledge.loader import DATA_DIR, document_path
    from knowledge.provenance import provenance_problems
    from tests.conftest import SEEDS

    http(("POST", "/sources", {"id": "cestes-2026", "title": "page 2026", "date": "2026-11-15", "text": NEW_PAGE,
                               "author": "Claire"}),
         ("PUT", "/facts/cost.third_party", {"values": VALUES, "source": "cestes-2026", "quote": QUOTE,
                                             "reason": "tarifs 2026", "review_by": "2027-09-01", "author": "Claire"}))
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    engine = make_engine(staff_kb)
    with Session(engine, future=True) as session:
        report = export(session, data)
        again = export(session, data)
    engine.dispose()
    assert (report.documents, report.facts) == (["cestes-2026"], ["cost.third_party"])
    assert (again.documents, again.facts) == ([], [])  # a second export changes nothing
    dataset = read_dataset(data)
    fact = next(f for f in dataset.facts if f.key == "cost.third_party")
    source = next(s for s in dataset.sources if s.file == "cestes-2026")
    assert fact.values == VALUES and fact.source == "cestes-2026" and str(fact.review_by) == "2027-09-01"
    assert provenance_problems(fact.quote, fact.values, document_path(source, SEEDS, data).read_text("utf-8")) == []
    assert len(dataset.facts) == len(read_dataset().facts)  # every other fact still there
    text = (data / "costs.yml").read_text("utf-8")
    assert "# Version 2, by Claire on" in text and "tarifs 2026" in text
    assert text.count("- key: cost.third_party") == 1 and "- key: cost.individual" in text
    rebuilt = f"sqlite:///{tmp_path / 'rebuilt.db'}"
    engine = make_engine(rebuilt)
    build(engine, dataset)
    engine.dispose()
    from sqlalchemy import select

    from knowledge.models import Fact
    engine = make_engine(rebuilt)
    with Session(engine, future=True) as session:
        row = session.scalars(select(Fact).where(Fact.key == "cost.third_party")).one()
        assert row.values == VALUES and row.source.text == NEW_PAGE
    engine.dispose()
