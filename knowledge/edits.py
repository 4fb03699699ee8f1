"""Staff changes to the knowledge base: new documents, new versions of facts, restores.

The provenance rule of the tests applies at save: the quote must be in the document it cites
and every value in the quote (knowledge/provenance.py); otherwise the change is refused with
the reason, in French, and nothing is written. Every change is a new version (who, when, why);
the history is kept and any version can be restored. Every change records a new stamp
(knowledge/revision.py), with which the action server sees that the database changed
(actions/knowledge_base.py): the new value is answered at once.
"""
from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from knowledge.freshness import month_year
from knowledge.loader import KnowledgeDataError, _check_values
from knowledge.models import Fact, FactVersion, Source
from knowledge.provenance import provenance_problems
from knowledge.queries import utcnow
from knowledge.revision import record_change

_SOURCE_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,80}$")
MAX_TEXT = 200_000
MAX_FIELD = 2_000


class EditRefused(ValueError):
    """A change that cannot be saved; the message says why, in French."""


class NotFound(LookupError):
    """No such fact, document or version."""


def _text(value: Any, name: str, limit: int = MAX_FIELD) -> str:
    if not isinstance(value, str) or not value.strip():
        raise EditRefused(f"« {name} » est obligatoire")
    if len(value) > limit:
        raise EditRefused(f"« {name} » est trop long ({len(value)} caractères, {limit} au plus)")
    return value.strip()


def document_text(source: Source, seeds: Path) -> Optional[str]:
    """The text of a document: pasted by staff, or the seed file."""
    if source.text is not None:
        return source.text
    path = seeds / source.file
    return path.read_text("utf-8") if path.is_file() else None


def add_source(session: Session, file: Any, title: Any, day: Any, text: Any, author: str) -> Source:
    """A document staff paste (a newer page, a new sheet): current, dated, with its text."""
    file = _text(file, "id")
    if not _SOURCE_ID.match(file):
        raise EditRefused("« id » : de 3 à 80 caractères, minuscules, chiffres, « . », « - » ou « _ »")
    if session.scalar(select(Source).where(Source.file == file)) is not None:
        raise EditRefused(f"un document « {file} » existe déjà")
    try:
        published = datetime.date.fromisoformat(_text(day, "date"))
    except ValueError:
        raise EditRefused("« date » : une date AAAA-MM-JJ est attendue") from None
    source = Source(file=file, label=_text(title, "title", 300), date=month_year(published),
                    validity=f"document ajouté par l'équipe ({author})", status="current",
                    published=published, text=_text(text, "text", MAX_TEXT), added_by=author)
    session.add(source)
    session.flush()
    record_change(session)
    return source


def get_fact(session: Session, key: str, lock: bool = False) -> Fact:
    """A fact with its document; NotFound if there is none. With `lock`, on PostgreSQL, its row
    stays locked until the transaction ends: a second change of the fact waits for the first,
    then reads its version, instead of writing the same version number and failing on the
    unique (key, version). SQLite has no row locks (FOR UPDATE is left out there)."""
    statement = select(Fact).options(joinedload(Fact.source)).where(Fact.key == key)
    if lock:
        statement = statement.with_for_update(of=Fact).execution_options(populate_existing=True)
    # No key holds NUL, which PostgreSQL refuses even in a query: such a key is simply unknown.
    fact = session.scalar(statement) if "\x00" not in key else None
    if fact is None:
        raise NotFound(f"aucune information « {key} »")
    return fact


def _apply(session: Session, fact: Fact, values: dict, source: Source, quote: str,
           review_by: Optional[datetime.date], author: str, reason: str) -> Fact:
    fact.values, fact.quote, fact.source_id, fact.source = values, quote, source.id, source
    fact.review_by, fact.version, fact.edited = review_by, fact.version + 1, True
    session.add(FactVersion(key=fact.key, version=fact.version, values=values, quote=quote,
                            source_file=source.file, review_by=review_by, author=author,
                            reason=reason, created_at=utcnow()))
    session.flush()
    record_change(session)
    return fact


def update_fact(session: Session, key: str, values: Any, source_file: Any, quote: Any,
                reason: Any, author: str, seeds: Path, review_by: Any = None) -> Fact:
    """A new version of a fact, from a document that states it; EditRefused otherwise."""
    fact = get_fact(session, key, lock=True)
    if not isinstance(values, dict):
        raise EditRefused("« values » : un objet est attendu")
    if set(values) != set(fact.values):
        expected = ", ".join(sorted(fact.values))
        raise EditRefused(f"« values » : les valeurs attendues sont {expected}")
    try:
        _check_values(Path("api"), key, values)
    except KnowledgeDataError as error:
        raise EditRefused(f"« values » : {_french_values(error.problem)}") from None
    quote, reason = _text(quote, "quote", MAX_TEXT), _text(reason, "reason")
    source = session.scalar(select(Source).where(Source.file == source_file)) if isinstance(source_file, str) else None
    if source is None:
        raise EditRefused(f"document inconnu : {source_file!r}")
    if source.status != fact.status:
        raise EditRefused(f"ce document est « {source.status} », l'information « {fact.status} »")
    text = document_text(source, seeds)
    if text is None:
        raise EditRefused(f"le texte du document « {source.file} » est introuvable")
    problems = provenance_problems(quote, values, text)
    if problems:
        raise EditRefused("refusé : " + "; ".join(_french(p) for p in problems))
    day = None
    if review_by not in (None, ""):
        try:
            day = datetime.date.fromisoformat(str(review_by))
        except ValueError:
            raise EditRefused("« review_by » : une date AAAA-MM-JJ est attendue") from None
    return _apply(session, fact, values, source, quote, day, author, reason)


def _french(problem: str) -> str:
    if problem.startswith("quote not found"):
        return "la citation n'est pas dans le document"
    match = re.match(r"value ([^=]+)=(.*) not found in the quote$", problem)
    return f"la valeur {match.group(2)} ({match.group(1)}) n'est pas dans la citation" if match else problem


def _french_values(problem: str) -> str:
    """The loader's reason (knowledge/loader.py, in English for the data files) said to staff."""
    holds = re.match(r"value '([^']*)' holds (.*): only text and integers$", problem)
    if holds:
        shown = {"True": "true", "False": "false", "None": "null"}.get(holds.group(2), holds.group(2))  # as JSON
        return f"la valeur « {holds.group(1)} » contient {shown} : seuls du texte et des entiers sont permis"
    empty = re.match(r"value '([^']*)' is an empty list$", problem)
    if empty:
        return f"la valeur « {empty.group(1)} » est une liste vide"
    return "du texte, des entiers, ou des listes non vides de ceux-ci sont attendus"


def history(session: Session, key: str) -> list[dict[str, Any]]:
    """The versions of a fact, newest first."""
    get_fact(session, key)
    rows = session.scalars(select(FactVersion).where(FactVersion.key == key)
                           .order_by(FactVersion.version.desc()))
    return [{"version": r.version, "values": r.values, "quote": r.quote, "source": r.source_file,
             "review_by": r.review_by.isoformat() if r.review_by else None, "author": r.author,
             "reason": r.reason, "created_at": r.created_at.isoformat(timespec="seconds")}
            for r in rows]


def restore(session: Session, key: str, version: Any, author: str, reason: Any) -> Fact:
    """Make an older version the current one, as a new version."""
    fact = get_fact(session, key, lock=True)
    if not isinstance(version, int) or isinstance(version, bool):
        raise EditRefused("« version » : un entier est attendu")
    # Versions run from 1 to the current one: nothing else is looked up (nor overflows a column).
    old = None if not 1 <= version <= fact.version else session.scalar(select(FactVersion).where(FactVersion.key == key, FactVersion.version == version))
    if old is None:
        raise NotFound(f"aucune version {version} de « {key} »")
    source = session.scalar(select(Source).where(Source.file == old.source_file))
    if source is None:
        raise EditRefused(f"le document « {old.source_file} » de cette version n'existe plus")
    reason = _text(reason or f"retour à la version {version}", "reason")
    return _apply(session, fact, dict(old.values), source, old.quote, old.review_by, author, reason)
