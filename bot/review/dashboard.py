"""Figures for the staff dashboard, from the tracker store and the review log."""
from __future__ import annotations

import datetime
from collections import Counter
from typing import Any, Union

from sqlalchemy import MetaData, Table, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

FALLBACK_REASONS = {"fallback", "ambiguity", "out_of_scope"}


def no_activity() -> dict[str, Any]:
    """The activity of a tracker store Rasa has not written yet."""
    return {"per_day": [], "topics": [], "messages": 0}


def tracker_activity(*, session: Union[Session, Connection], days: int, today: datetime.date) -> dict[str, Any]:
    """Conversations and messages per day, and answers per topic, from Rasa's SQL tracker store."""
    since = datetime.datetime.combine(today - datetime.timedelta(days=days - 1), datetime.time(),
                                      tzinfo=datetime.timezone.utc)
    try:
        connection = session.connection() if isinstance(session, Session) else session
        events = Table("events", MetaData(), autoload_with=connection)
    except SQLAlchemyError:  # no table yet (Rasa has stored no conversation), or no server
        return no_activity()
    statement = select(events.c.sender_id, events.c.type_name, events.c.action_name,
                       events.c.timestamp).where(events.c.timestamp >= since.timestamp())
    per_day: dict[str, dict[str, Any]] = {}
    topics: Counter = Counter()
    for sender, kind, action, timestamp in connection.execute(statement):
        day = datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc).date().isoformat()
        entry = per_day.setdefault(day, {"day": day, "conversations": set(), "messages": 0})
        if kind == "user":
            entry["messages"] += 1
            entry["conversations"].add(sender)
        elif kind == "action" and action and action.startswith("action_answer_"):
            topics[action.removeprefix("action_answer_")] += 1
    rows = [{"day": d["day"], "conversations": len(d["conversations"]), "messages": d["messages"]}
            for d in sorted(per_day.values(), key=lambda d: d["day"])]
    return {"per_day": rows, "topics": topics.most_common(10),
            "messages": sum(r["messages"] for r in rows)}


def summary(activity: dict[str, Any], logged: list[dict[str, Any]], top: list[dict[str, Any]]) -> dict[str, Any]:
    """The dashboard: activity, fallback rate over the same period, top unanswered questions."""
    fallbacks = sum(1 for row in logged if row["reason"] in FALLBACK_REASONS)
    messages = activity["messages"]
    return {
        "per_day": activity["per_day"],
        "messages": messages,
        "fallbacks": fallbacks,
        "fallback_rate": round(fallbacks / messages, 3) if messages else None,
        "top_topics": [{"topic": t, "answers": n} for t, n in activity["topics"]],
        "top_unanswered": [{"text": g["text"], "count": g["count"]} for g in top[:10]],
    }
