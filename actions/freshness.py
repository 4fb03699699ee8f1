"""How old an answer's facts are: the clause after an answer, and the "c'est à jour ?" answer.

Today comes from Settings.today() (ASSISTANT_TODAY fixes it in tests); the rules are in
knowledge/freshness.py, the sentences in bot/domain/freshness.yml.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from actions.rendering import Variables, dated_source, render_text
from knowledge.freshness import facts_to_recheck, month_year, only_expired, source_expired
from knowledge.queries import FactView

# The generic clause, and the knowledge topics that have their own.
RECHECK = "utter_recheck"
RECHECK_BY_TOPIC = {"cost": "utter_recheck_cost", "coop_module": "utter_recheck_coop_module",
                    "cpf": "utter_recheck_cpf", "internship": "utter_recheck_internship"}
EXPIRED = "utter_expired_source"


def notice(answer_topic: str, used: Sequence[FactView], today: date,
           domain: Dict[str, Any]) -> Optional[Tuple[str, Variables]]:
    """The one clause an answer needs about its facts' age, or None: facts past review_by first
    (the answer's own topic preferred), else an answer resting only on expired documents."""
    recheck = facts_to_recheck(used, today)
    if recheck:
        fact = next((f for f in recheck if f.topic == answer_topic), recheck[0])
        response = RECHECK_BY_TOPIC.get(fact.topic, RECHECK)
        return response, {"published": (fact.source_date, None), "label": (fact.label, None),
                          "since": (month_year(fact.review_by), None) if fact.review_by else ("", None)}
    expired = only_expired(used, today)
    if expired is not None:
        return EXPIRED, {"document": (dated_source(expired), None)}
    return None


def document_lines(facts: Iterable[FactView], today: date, domain: Dict[str, Any]) -> str:
    """One line per document behind the facts: its date, and what in it is to re-check or no
    longer describes the programme."""
    by_document: Dict[str, List[FactView]] = {}
    for fact in facts:
        by_document.setdefault(dated_source(fact), []).append(fact)
    lines = []
    for document, group in by_document.items():
        line = render_text("utter_freshness_document", domain, {"document": document})
        stale = facts_to_recheck(group, today)
        if stale:
            labels = ", ".join(render_text("utter_freshness_fact", domain, {
                "label": f.label, "since": month_year(f.review_by)}) for f in stale if f.review_by)
            line += render_text("utter_freshness_recheck", domain, {"labels": labels})
        if source_expired(group[0], today):
            line += render_text("utter_freshness_expired", domain, {})
        lines.append(line)
    return "\n".join(lines)


def plan_freshness(answered: Optional[List[str]], facts: List[FactView], today: date,
                   domain: Dict[str, Any]) -> List[Tuple[str, Variables]]:
    """"C'est à jour ?": the dates of the facts just given, or of every current document."""
    keys = set(answered or ())
    given = [fact for fact in facts if fact.key in keys]
    if given:
        return [("utter_answer_freshness", {"documents": (document_lines(given, today, domain), None)})]
    current = [fact for fact in facts if fact.status == "current"]
    return [("utter_answer_freshness_all", {"documents": (document_lines(current, today, domain), None)})]
