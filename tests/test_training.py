"""Training from the review page, without a trained model: the verdict on a new model's figures,
which model each server wants, the jobs' states and the training API over real HTTP (the job
itself replaced where it would train). The real training, check and switch while visitors talk:
tests/test_training_live.py."""
from __future__ import annotations

import asyncio
import datetime
import json
import os
import time
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot import db
from bot.review import releases, training
from bot.review.floors import FLOORS, verdict
from bot.tools import model_check
from bot.settings import Settings
from bot.web.app import create_app

TOKEN = "training-token"
GOOD = {key: (floor + 0.02 if at_least else floor - 0.01) for key, (floor, at_least, _) in FLOORS.items()}


@pytest.fixture()
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("REVIEW_DB_URL", f"sqlite:///{tmp_path / 'var' / 'review.db'}")
    monkeypatch.setenv("MODEL_PATH", str(tmp_path / "repository.tar.gz"))
    monkeypatch.setenv("REVIEW_TOKEN", TOKEN)
    return Settings.from_env()


def test_a_model_at_its_floors_passes():
    assert verdict(GOOD, []) == []
    assert verdict({key: floor for key, (floor, _, _) in FLOORS.items()}, []) == []


def test_a_model_below_a_floor_is_refused_with_its_figure():
    figures = {**GOOD, "accuracy": 0.931, "in_scope_false_fallback": 0.042}
    assert verdict(figures, []) == [
        "questions du jeu de test comprises : 93,1 %, il en faut au moins 94,5 %",
        "questions sur la formation non comprises : 4,2 %, il en faut au plus 3,0 %",
    ]


def test_every_taught_question_must_be_understood():
    taught = [{"text": "la douloureuse", "intent": "ask_cost", "got": "ask_cost"},
              {"text": "il pleut ?", "intent": "out_of_scope", "got": "nlu_fallback"},
              {"text": "et le cpf", "intent": "ask_cpf", "got": "ask_cost"}]
    assert verdict(GOOD, taught) == [
        "question enseignée mal comprise : « et le cpf » (enseignée : CPF, comprise : Coût)"]


def test_the_figures_are_computed_as_make_test_computes_them(monkeypatch):
    sets = {model_check.HELDOUT: [("a", "ask_cost"), ("b", "out_of_scope"), ("c", "ask_cpf"), ("d", "out_of_scope")],
            model_check.NEAR_MISSES: [("e", "near_miss"), ("f", "near_miss")],
            model_check.NEAR_MISSES_FRESH: [("g", "near_miss")],
            model_check.TYPOS: [("h", "ask_cost"), ("i", "ask_vae")]}
    monkeypatch.setattr(model_check, "examples", lambda path: sets[path])
    answers = {"a": "ask_cost", "b": "nlu_fallback", "c": "near_miss", "d": "ask_cost", "e": "out_of_scope",
               "f": "ask_cost", "g": "near_miss", "h": "ask_cost", "i": "ask_cost"}
    assert model_check.figures(lambda texts: [answers[t] for t in texts]) == {
        "accuracy": 0.5, "off_topic_recall": 0.5, "in_scope_false_fallback": 0.5,
        "near_miss_refusal": 0.5, "near_miss_fresh_refusal": 1.0, "typo_accuracy": 0.5}


def _model(path: Path, mtime: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"model")
    os.utime(path, (mtime, mtime))
    return path


def test_servers_want_the_newest_release_unless_the_repository_model_is_newer(settings):
    _model(settings.model_path, time.time() - 3600)
    assert releases.wanted(settings, releases.latest(settings)) == settings.model_path
    staff = _model(releases.models_dir(settings) / "staff-1.tar.gz", time.time())
    releases.release(settings, "job1", staff)
    assert releases.wanted(settings, releases.latest(settings)) == staff
    _model(settings.model_path, time.time() + 60)  # `make train` on new data, after the release
    assert releases.wanted(settings, releases.latest(settings)) == settings.model_path


def test_only_servers_seen_lately_count(settings):
    releases.report(settings, "host:1", "a.tar.gz")
    releases.report(settings, "host:2", "b.tar.gz", "OSError: disque plein")
    with db.session(settings.review_db_url) as session, session.begin():
        from bot.review.models import ServedModel
        session.get(ServedModel, "host:1").seen_at -= datetime.timedelta(seconds=releases.SEEN_WITHIN_S + 1)
    assert releases.serving(settings) == [{"instance": "host:2", "model": "b.tar.gz", "error": "OSError: disque plein"}]


def test_pruning_keeps_the_released_models_it_is_asked_to(settings):
    folder = releases.models_dir(settings)
    for name in ("staff-1", "staff-2", "staff-3", "refused"):
        _model(folder / f"{name}.tar.gz", time.time())
    for name in ("staff-1", "staff-2", "staff-3"):
        releases.release(settings, name, folder / f"{name}.tar.gz")
    deleted = releases.prune(settings, keep=2)
    assert sorted(p.name for p in deleted) == ["refused.tar.gz", "staff-1.tar.gz"]
    assert sorted(p.name for p in folder.iterdir()) == ["staff-2.tar.gz", "staff-3.tar.gz"]


def test_one_training_at_a_time_and_an_interrupted_one_is_failed(settings):
    job = training.start(settings, "Marie")
    with pytest.raises(training.TrainingBusy) as busy:
        training.start(settings, "Paul")
    assert busy.value.job == job
    assert training.interrupted(settings) == 1
    found = training.get(settings, job)
    assert (found["status"], found["phase"], found["author"]) == ("failed", "échec", "Marie")
    assert found["error"] == "interrompue : le serveur web s'est arrêté pendant la mise à jour"
    assert training.start(settings, "Paul") != job


def _fake_steps(monkeypatch, settings, check: dict | None, train_code: int = 0):
    """training.run with the two commands replaced: the training writes a model file (or fails),
    the check writes `check` as its JSON (exit 0 if it passes, else 1)."""
    async def fake_run(command, log):
        log.write_text(log.read_text() + " ".join(command[2:4]) + "\n") if log.exists() else log.write_text("")
        if command[2] == "rasa":
            out, name = Path(command[command.index("--out") + 1]), command[command.index("--fixed-model-name") + 1]
            if train_code == 0:
                _model(out / f"{name}.tar.gz", time.time())
            return train_code
        output = Path(command[command.index("--output") + 1])
        output.write_text(json.dumps(check))
        return 0 if check["passed"] else 1

    monkeypatch.setattr(training, "_run", fake_run)
    monkeypatch.setattr(training, "SWITCH_POLL_S", 0.02)


def _check(passed: bool, reasons=()) -> dict:
    return {"figures": GOOD, "floors": {}, "taught": {"total": 1, "understood": 1, "misunderstood": []},
            "passed": passed, "reasons": list(reasons)}


def test_a_failed_training_says_so_and_releases_nothing(settings, monkeypatch):
    _fake_steps(monkeypatch, settings, None, train_code=1)
    job = training.start(settings, "Marie")
    asyncio.run(training.run(settings, job))
    found = training.get(settings, job)
    assert (found["status"], found["phase"]) == ("failed", "échec")
    assert found["error"] == "l'entraînement a échoué (code 1) : voir le journal"
    assert releases.latest(settings) is None


def test_a_refused_model_is_deleted_with_its_figures_kept(settings, monkeypatch):
    _fake_steps(monkeypatch, settings, _check(False, ["questions hors sujet reconnues : 90,0 %, il en faut au moins 93,0 %"]))
    job = training.start(settings, "Marie")
    asyncio.run(training.run(settings, job))
    found = training.get(settings, job)
    assert (found["status"], found["phase"]) == ("failed", "refusé")
    assert found["error"] == "modèle refusé : questions hors sujet reconnues : 90,0 %, il en faut au moins 93,0 %"
    assert found["heldout"]["figures"] == GOOD
    assert releases.latest(settings) is None
    assert list(releases.models_dir(settings).glob("*.tar.gz")) == []


def test_a_passing_model_is_released_and_done_once_every_server_serves_it(settings, monkeypatch):
    _fake_steps(monkeypatch, settings, _check(True))
    settings.promote_file.parent.mkdir(parents=True, exist_ok=True)
    settings.promote_file.write_text('version: "3.1"\nnlu: []\n')

    async def scenario():
        job = training.start(settings, "Marie")
        releases.report(settings, "host:1", "assistant.tar.gz")
        releases.report(settings, "host:2", "assistant.tar.gz")
        running = asyncio.create_task(training.run(settings, job))
        while releases.latest(settings) is None:
            await asyncio.sleep(0.05)
        new = releases.latest(settings).model
        releases.report(settings, "host:1", new)
        await asyncio.sleep(0.3)
        assert training.get(settings, job)["status"] == "running"  # host:2 still on the old one
        releases.report(settings, "host:2", new)
        await asyncio.wait_for(running, 10)
        return job, new

    job, new = asyncio.run(scenario())
    found = training.get(settings, job)
    assert (found["status"], found["phase"], found["model"]) == ("done", "terminé", new)
    assert (settings.var_dir / "training" / job / "taught.yml").read_text() == 'version: "3.1"\nnlu: []\n'
    assert "modèle servi par 2 serveur(s) : host:1, host:2" in found["log"]


def test_a_server_that_cannot_load_the_model_fails_the_job(settings, monkeypatch):
    _fake_steps(monkeypatch, settings, _check(True))

    async def scenario():
        job = training.start(settings, "Marie")
        running = asyncio.create_task(training.run(settings, job))
        while releases.latest(settings) is None:
            await asyncio.sleep(0.05)
        releases.report(settings, "host:1", "assistant.tar.gz", "FileNotFoundError: introuvable")
        await asyncio.wait_for(running, 10)
        return job

    found = training.get(settings, asyncio.run(scenario()))
    assert (found["status"], found["error"]) == (
        "failed", "host:1 n'a pas pu charger le modèle (FileNotFoundError: introuvable)")


@pytest.fixture()
def client(settings, monkeypatch):
    """The web app over real HTTP; the job's work replaced by a wait on `release`."""
    release = asyncio.Event()

    async def fake_run(settings_, job):
        await release.wait()
        training.update_job(settings_, job, status="done", phase="done")

    monkeypatch.setattr(training, "run", fake_run)

    async def make():
        client = TestClient(TestServer(create_app(settings)), headers={"Authorization": f"Bearer {TOKEN}"})
        await client.start_server()
        return client

    loop = asyncio.new_event_loop()
    started = loop.run_until_complete(make())
    yield loop, started, release
    loop.run_until_complete(started.close())
    loop.close()


def test_the_training_api(client):
    loop, http, release = client

    async def scenario():
        refused = [await http.post("/review/api/train", data=body, headers={"Content-Type": "application/json"})
                   for body in ("[1]", "{", '"x"')]
        assert [(r.status, (await r.json())["error"]) for r in refused] == [
            (400, "un objet JSON est attendu"), (400, "corps JSON invalide"), (400, "un objet JSON est attendu")]
        assert (await (await http.get("/review/api/train")).json()) == {"jobs": []}
        first = await http.post("/review/api/train")
        job = (await first.json())["job"]
        second = await http.post("/review/api/train", json={"author": "Paul"})
        running = await (await http.get(f"/review/api/train/{job}")).json()
        release.set()
        await asyncio.sleep(0.1)
        done = await (await http.get(f"/review/api/train/{job}")).json()
        listed = await (await http.get("/review/api/train")).json()
        missing = await http.get("/review/api/train/nope")
        return (first.status, job, second.status, await second.json(), running, done, listed,
                missing.status, await missing.json())

    first, job, second, busy, running, done, listed, missing, error = loop.run_until_complete(scenario())
    assert (first, second, missing) == (202, 409, 404)
    assert busy == {"error": "une mise à jour est déjà en cours", "job": job}
    assert (running["status"], running["phase"], running["author"]) == ("running", "entraînement", "équipe CESTES")
    assert (done["status"], done["phase"]) == ("done", "terminé")
    assert [j["job"] for j in listed["jobs"]] == [job]
    assert error == {"error": "mise à jour introuvable"}


def test_the_page_button_starts_a_training_and_shows_it(client):
    loop, http, _release = client

    async def scenario():
        started = await http.post("/review/entrainement", allow_redirects=False, cookies={"review_author": "Marie%20D."})
        page = await http.get(started.headers["Location"])
        review = await http.get("/review")
        return started.status, started.headers["Location"], await page.text(), await review.text()

    status, location, page, review = loop.run_until_complete(scenario())
    assert status == 303 and location.startswith("/review/entrainement/")
    assert '<meta http-equiv="refresh" content="5">' in page
    assert "lancée par Marie D." in page and "<strong>en cours</strong> (étape : entraînement)" in page
    assert '<button type="submit">Mettre à jour l\'assistant</button>' in review
    assert f'<a href="{location}">' in review


class _Processor:
    def __init__(self, model):
        self.model_path, self.domain = Path(model), None


class _Agent:
    """What the follower touches of Rasa's Agent."""

    def __init__(self, model):
        self.processor, self.domain, self.nlg = _Processor(model), None, None
        self.tracker_store = type("Store", (), {"domain": None})()

    def is_ready(self):
        return True

    def _set_fingerprint(self, fingerprint):
        self.fingerprint = fingerprint


def test_each_server_switches_to_the_release_once_and_reports_it(settings, monkeypatch):
    from bot.server import model_swap

    built = []
    monkeypatch.setattr(model_swap, "build_processor", lambda agent, model: built.append(model.name) or _Processor(model))
    _model(settings.model_path, time.time() - 3600)
    agent, follower = _Agent(settings.model_path), model_swap.Follower(settings, "host:7")
    asyncio.run(follower.step(agent))
    assert built == [] and releases.serving(settings) == [{"instance": "host:7", "model": "repository.tar.gz", "error": None}]
    staff = _model(releases.models_dir(settings) / "staff-1.tar.gz", time.time())
    releases.release(settings, "job1", staff)
    asyncio.run(follower.step(agent))
    asyncio.run(follower.step(agent))
    assert built == ["staff-1.tar.gz"] and agent.processor.model_path == staff
    assert releases.serving(settings) == [{"instance": "host:7", "model": "staff-1.tar.gz", "error": None}]


def test_a_model_that_cannot_be_loaded_is_reported_and_not_retried(settings, monkeypatch):
    from bot.server import model_swap

    attempts = []

    def broken(agent, model):
        attempts.append(model.name)
        raise OSError("archive illisible")

    monkeypatch.setattr(model_swap, "build_processor", broken)
    _model(settings.model_path, time.time() - 3600)
    releases.release(settings, "job1", _model(releases.models_dir(settings) / "staff-1.tar.gz", time.time()))
    agent, follower = _Agent(settings.model_path), model_swap.Follower(settings, "host:7")
    asyncio.run(follower.step(agent))
    asyncio.run(follower.step(agent))
    assert attempts == ["staff-1.tar.gz"] and agent.processor.model_path == settings.model_path
    assert releases.serving(settings) == [{"instance": "host:7", "model": "repository.tar.gz",
                                           "error": "OSError: archive illisible"}]
