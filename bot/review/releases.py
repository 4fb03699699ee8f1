"""Which model every Rasa server serves: the releases of trainings started from the review page,
and what each server process reports it serves.

A training that passes its checks writes its model under $VAR_DIR/models and adds a release row
to the review database; every Rasa server process (each Sanic worker, on every machine that
shares the database) reads the newest release every few seconds, loads it beside the running
model and switches to it (bot/server/model_swap.py), then reports the model it serves. The
training is done when every server seen in the last SEEN_WITHIN_S seconds serves it.

The repository's model (models/assistant.tar.gz, `make train`) is served instead when it is
newer than the newest release: a developer's training on new data wins, and staff then train
again from the page to add their taught questions to it.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from sqlalchemy import delete, select

from bot import db
from bot.review.models import Base, ModelRelease, ServedModel
from bot.settings import Settings

# A server that has not reported for this long is taken as gone.
SEEN_WITHIN_S = 30.0
# Staff models kept on disk: the one served and the ones before it, to go back to.
KEPT_MODELS = 3


def models_dir(settings: Settings) -> Path:
    """Where trainings started from the review page write their models."""
    return settings.var_dir / "models"


@dataclass(frozen=True)
class Release:
    job: str
    model: str
    size: int
    released_at: datetime.datetime


def latest(settings: Settings) -> Optional[Release]:
    """The newest release, or None."""
    with db.session(settings.review_db_url, Base.metadata) as session:
        row = session.scalars(select(ModelRelease).order_by(ModelRelease.id.desc()).limit(1)).first()
        return Release(row.job, row.model, row.size, row.released_at) if row else None


def release(settings: Settings, job: str, model: Path) -> None:
    """Make `model` (a file of models_dir) the one every server serves."""
    with db.session(settings.review_db_url, Base.metadata) as session, session.begin():
        session.add(ModelRelease(job=job, model=model.name, size=model.stat().st_size))


def wanted(settings: Settings, newest: Optional[Release]) -> Path:
    """The model a server should serve: the newest release, unless the repository's model was
    trained after it."""
    if newest is None:
        return settings.model_path
    repository = settings.model_path
    if repository.is_file():
        trained = datetime.datetime.utcfromtimestamp(repository.stat().st_mtime)
        if trained > newest.released_at:
            return repository
    return models_dir(settings) / newest.model


def report(settings: Settings, instance: str, model: str, error: Optional[str] = None) -> None:
    """Record what one server process serves (and why it could not switch, if it could not)."""
    with db.session(settings.review_db_url, Base.metadata) as session, session.begin():
        row = session.get(ServedModel, instance)
        if row is None:
            session.add(ServedModel(instance=instance, model=model, error=error, seen_at=db.utcnow()))
        else:
            row.model, row.error, row.seen_at = model, error, db.utcnow()


def serving(settings: Settings) -> list[dict[str, Optional[str]]]:
    """The servers seen lately and what they serve."""
    since = db.utcnow() - datetime.timedelta(seconds=SEEN_WITHIN_S)
    with db.session(settings.review_db_url, Base.metadata) as session:
        session.execute(delete(ServedModel).where(ServedModel.seen_at < since - datetime.timedelta(days=1)))
        session.commit()
        rows = session.scalars(select(ServedModel).where(ServedModel.seen_at >= since)
                               .order_by(ServedModel.instance))
        return [{"instance": r.instance, "model": r.model, "error": r.error} for r in rows]


def prune(settings: Settings, keep: int = KEPT_MODELS) -> list[Path]:
    """Delete the staff models older than the `keep` newest released ones, and the files of
    models that were never released; return what was deleted."""
    with db.session(settings.review_db_url, Base.metadata) as session:
        kept = set(session.scalars(select(ModelRelease.model).order_by(ModelRelease.id.desc()).limit(keep)))
    deleted = []
    for path in sorted(models_dir(settings).glob("*.tar.gz")):
        if path.name not in kept:
            path.unlink(missing_ok=True)
            deleted.append(path)
    return deleted
