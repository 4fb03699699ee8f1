"""Trainings started from the review page ("Mettre à jour l'assistant"), run by the web process,
one at a time, each in four phases:

1. entraînement: `rasa train` on the repository's data plus the questions staff taught
   (settings.promote_file, copied into the job's folder), the model written to $VAR_DIR/models;
2. vérification: bot/tools/model_check.py in its own process: the held-out floors of
   `make test` and every taught question; a model below them is refused, with the figures;
3. mise en service: a release row (bot/review/releases.py) that every Rasa server follows, and a
   wait until every server seen lately serves the new model;
4. terminé.

Each job's log is $VAR_DIR/training/<job>/log.txt; its state is a row of training_job (review
database), so that the page and GET /review/api/train/<job> can follow it.
"""
from __future__ import annotations

import asyncio
import datetime
import json
import os
import shutil
import sys
import threading
import uuid
from pathlib import Path
from typing import Any, Optional

from sqlalchemy import select, update

from bot import db
from bot.review import releases
from bot.review.models import Base, TrainingJob
from bot.settings import ROOT, Settings

LOG_TAIL = 6000
# How long the servers get to switch to a released model.
SWITCH_TIMEOUT_S = 600.0
# How often the servers' reports are read meanwhile.
SWITCH_POLL_S = 1.0
PHASES = {"training": "entraînement", "checking": "vérification", "releasing": "mise en service",
          "done": "terminé", "refused": "refusé", "failed": "échec"}
_starting = threading.Lock()


class TrainingBusy(RuntimeError):
    """A training is already running."""

    def __init__(self, job: str) -> None:
        super().__init__("une mise à jour est déjà en cours")
        self.job = job


def job_dir(settings: Settings, job: str) -> Path:
    return settings.var_dir / "training" / job


def _session(settings: Settings):
    return db.session(settings.review_db_url, Base.metadata)


def start(settings: Settings, author: str) -> str:
    """Record a new running job and return its id; TrainingBusy if one is running."""
    with _starting, _session(settings) as session, session.begin():
        running = session.scalars(select(TrainingJob.id).where(TrainingJob.status == "running")).first()
        if running:
            raise TrainingBusy(running)
        job = uuid.uuid4().hex[:12]
        session.add(TrainingJob(id=job, author=author, started_at=db.utcnow(), status="running",
                                phase="training"))
    return job


def update_job(settings: Settings, job: str, **values: Any) -> None:
    with _session(settings) as session, session.begin():
        session.execute(update(TrainingJob).where(TrainingJob.id == job).values(**values))


def interrupted(settings: Settings) -> int:
    """Jobs left running by a web process that stopped: failed. Called when the web app starts."""
    with _session(settings) as session, session.begin():
        return session.execute(update(TrainingJob).where(TrainingJob.status == "running").values(
            status="failed", phase="failed", finished_at=db.utcnow(),
            error="interrompue : le serveur web s'est arrêté pendant la mise à jour")).rowcount


def log_tail(settings: Settings, job: str) -> str:
    path = job_dir(settings, job) / "log.txt"
    if not path.is_file():
        return ""
    with path.open("rb") as log:
        log.seek(max(0, path.stat().st_size - LOG_TAIL))
        text = log.read().decode("utf-8", errors="replace")
    return text.replace("\r", "\n")


def as_json(settings: Settings, row: TrainingJob, with_log: bool = True) -> dict[str, Any]:
    def stamp(value: Optional[datetime.datetime]) -> Optional[str]:
        return value.isoformat(timespec="seconds") + "Z" if value else None

    return {"job": row.id, "status": row.status, "phase": PHASES.get(row.phase, row.phase),
            "author": row.author, "started_at": stamp(row.started_at), "finished_at": stamp(row.finished_at),
            "model": row.model, "heldout": row.heldout, "error": row.error,
            **({"log": log_tail(settings, row.id)} if with_log else {})}


def get(settings: Settings, job: str) -> Optional[dict[str, Any]]:
    if "\x00" in job:  # no job id holds NUL, which PostgreSQL refuses even in a query
        return None
    with _session(settings) as session:
        row = session.get(TrainingJob, job)
        return as_json(settings, row) if row else None


def recent(settings: Settings, limit: int = 10) -> list[dict[str, Any]]:
    with _session(settings) as session:
        rows = session.scalars(select(TrainingJob).order_by(TrainingJob.started_at.desc()).limit(limit))
        return [as_json(settings, row, with_log=False) for row in rows]


async def _run(command: list[str], log: Path) -> int:
    """Run a command with its output appended to the log; its exit status."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(*command, cwd=ROOT, env=env, stdout=out,
                                                       stderr=asyncio.subprocess.STDOUT)
        try:
            return await process.wait()
        except asyncio.CancelledError:
            process.kill()
            raise


def _note(log: Path, line: str) -> None:
    with log.open("a", encoding="utf-8") as out:
        out.write(f"\n== {datetime.datetime.utcnow():%H:%M:%S} UTC — {line}\n")


async def _wait_until_served(settings: Settings, model: str, log: Path) -> Optional[str]:
    """None once every server seen lately serves `model`; else why not, after SWITCH_TIMEOUT_S."""
    deadline = asyncio.get_running_loop().time() + SWITCH_TIMEOUT_S
    while True:
        servers = await asyncio.to_thread(releases.serving, settings)
        failing = [s for s in servers if s["error"]]
        if servers and all(s["model"] == model for s in servers):
            _note(log, f"modèle servi par {len(servers)} serveur(s) : {', '.join(s['instance'] for s in servers)}")
            return None
        if failing:
            return "; ".join(f"{s['instance']} n'a pas pu charger le modèle ({s['error']})" for s in failing)
        if asyncio.get_running_loop().time() > deadline:
            waiting = [s["instance"] for s in servers if s["model"] != model] or ["aucun serveur n'a répondu"]
            return f"les serveurs ne sont pas passés au nouveau modèle en {SWITCH_TIMEOUT_S:.0f} s : {', '.join(waiting)}"
        await asyncio.sleep(SWITCH_POLL_S)


async def run(settings: Settings, job: str) -> None:
    """Train, check, release; the job's row says where it is and how it ended."""
    folder = job_dir(settings, job)
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "log.txt"
    models = releases.models_dir(settings)
    name = f"staff-{db.utcnow():%Y%m%d-%H%M%S}-{job}"
    model = models / f"{name}.tar.gz"
    try:
        data = [str(ROOT / "data" / "nlu"), str(ROOT / "bot" / "rules"), str(ROOT / "bot" / "stories")]
        taught = None
        if settings.promote_file.is_file():
            taught = folder / "taught.yml"
            shutil.copyfile(settings.promote_file, taught)
            data.append(str(taught))
        _note(log, f"entraînement ({'avec les questions enseignées' if taught else 'aucune question enseignée'})")
        code = await _run([sys.executable, "-m", "rasa", "train", "--domain", str(ROOT / "bot" / "domain"),
                           "--data", *data, "--config", str(ROOT / "config.yml"), "--out", str(models),
                           "--fixed-model-name", name], log)
        if code != 0 or not model.is_file():
            raise RuntimeError(f"l'entraînement a échoué (code {code}) : voir le journal")
        await asyncio.to_thread(update_job, settings, job, phase="checking", model=model.name)
        _note(log, "vérification sur les jeux de test et les questions enseignées")
        output = folder / "check.json"
        code = await _run([sys.executable, "-m", "bot.tools.model_check", "--model", str(model),
                           *(["--taught", str(taught)] if taught else []), "--output", str(output)], log)
        result = json.loads(output.read_text("utf-8")) if output.is_file() else None
        if code not in (0, 1) or result is None:
            raise RuntimeError(f"la vérification a échoué (code {code}) : voir le journal")
        await asyncio.to_thread(update_job, settings, job, heldout=result)
        if not result["passed"]:
            model.unlink(missing_ok=True)
            await asyncio.to_thread(update_job, settings, job, status="failed", phase="refused",
                                    finished_at=db.utcnow(),
                                    error="modèle refusé : " + " ; ".join(result["reasons"]))
            return
        await asyncio.to_thread(update_job, settings, job, phase="releasing")
        _note(log, "mise en service")
        await asyncio.to_thread(releases.release, settings, job, model)
        problem = await _wait_until_served(settings, model.name, log)
        if problem:
            raise RuntimeError(problem)
        await asyncio.to_thread(releases.prune, settings)
        await asyncio.to_thread(update_job, settings, job, status="done", phase="done", finished_at=db.utcnow())
    except Exception as error:  # the job ends failed, with the reason, whatever broke
        _note(log, f"échec : {error}")
        await asyncio.to_thread(update_job, settings, job, status="failed", phase="failed",
                                finished_at=db.utcnow(), error=str(error)[:2000])
