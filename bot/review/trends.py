"""Weekly trends of the staff dashboard: dated rows counted per ISO week (Monday first) over
the last WEEKS weeks, and the geometry of the small bar charts templates/charts.html draws.

No database and no HTTP here: bot/web/review_data.py reads the rows (tracker store, review
log, handoff requests) and hands them over as a WeeklyRows.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional, Sequence

from knowledge import eligibility

WEEKS = 8
TOP_TOPICS = 3
OUTCOME_LABELS = {
    eligibility.LIKELY_ELIGIBLE: "Conditions a priori remplies",
    eligibility.DEROGATION_POSSIBLE: "Dérogation envisageable",
    eligibility.DEROGATION_TO_DISCUSS: "Dérogation à examiner",
    eligibility.MISSING_EXPERIENCE: "Expérience insuffisante",
    eligibility.MISSING_DIPLOMA: "Diplôme insuffisant",
    eligibility.OUTSIDE_FIELD: "Hors des domaines de la formation",
    eligibility.UNCLEAR: "Situation non évaluée",
}

# The drawing, in SVG units: the plot and, around it, room for the axis labels.
WIDTH, HEIGHT = 360, 150
LEFT, RIGHT, TOP, BOTTOM = 40, 6, 8, 22
PLOT_WIDTH, PLOT_HEIGHT = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
GAP = 0.25  # the share of a week's slot left empty, so that the weeks stand apart
MIN_BAR = 1.0  # a value above 0 stays visible (and has a tooltip) however small


@dataclass
class WeeklyRows:
    """Dated rows from the databases: one date per event, with its topic or outcome."""

    questions: list[datetime.date] = field(default_factory=list)  # visitor messages
    answers: list[tuple[datetime.date, str]] = field(default_factory=list)  # action_answer_<topic>
    fallbacks: list[datetime.date] = field(default_factory=list)  # review log, refusals
    handoffs: list[datetime.date] = field(default_factory=list)
    outcomes: list[tuple[datetime.date, str]] = field(default_factory=list)  # eligibility pre-check


@dataclass(frozen=True)
class Series:
    """One coloured set of bars: a value per week, as the table writes it and as a bar says it."""

    name: str
    values: list[Optional[float]]
    cells: list[str]
    spoken: list[str]


def week_of(day: datetime.date) -> datetime.date:
    """The Monday of the day's ISO week."""
    return day - datetime.timedelta(days=day.weekday())


def week_starts(today: datetime.date, count: int = WEEKS) -> list[datetime.date]:
    """The Mondays of the last `count` weeks, oldest first; the week of `today` is the last."""
    last = week_of(today)
    return [last - datetime.timedelta(weeks=n) for n in range(count - 1, -1, -1)]


def per_week(days: Iterable[datetime.date], starts: Sequence[datetime.date]) -> list[int]:
    """How many of the days fall in each week; days outside the weeks are left out."""
    index = {start: i for i, start in enumerate(starts)}
    counts = [0] * len(starts)
    for day in days:
        found = index.get(week_of(day))
        if found is not None:
            counts[found] += 1
    return counts


def per_week_and_key(rows: Iterable[tuple[datetime.date, str]],
                     starts: Sequence[datetime.date]) -> dict[str, list[int]]:
    """The counts per week of each key (a topic, an outcome) seen within the weeks."""
    days: dict[str, list[datetime.date]] = {}
    for day, key in rows:
        days.setdefault(key, []).append(day)
    counted = {key: per_week(found, starts) for key, found in days.items()}
    return {key: counts for key, counts in counted.items() if any(counts)}


def rates(parts: Sequence[int], wholes: Sequence[int]) -> list[Optional[float]]:
    """parts / wholes week by week; None for a week without any whole (no message)."""
    return [part / whole if whole else None for part, whole in zip(parts, wholes)]


def top(series: dict[str, list[int]], count: int = TOP_TOPICS) -> list[str]:
    """The keys of the largest totals, largest first; equal totals in alphabetical order."""
    return sorted((k for k, v in series.items() if sum(v)), key=lambda k: (-sum(series[k]), k))[:count]


def short_date(day: datetime.date) -> str:
    """The axis's label of a week: its Monday, 06/05."""
    return day.strftime("%d/%m")


def long_date(day: datetime.date) -> str:
    """A date in full, 06/05/2024."""
    return day.strftime("%d/%m/%Y")


def number(value: float) -> str:
    """12 -> "12", 12.5 -> "12,5" (French decimal comma)."""
    return f"{round(value, 1):g}".replace(".", ",")


def percent(rate: Optional[float]) -> str:
    """0.125 -> "12,5 %"; None (nothing to divide by) -> "—"."""
    return "—" if rate is None else f"{rate * 100:.1f} %".replace(".", ",")


def quantity(count: int, unit: tuple[str, str]) -> str:
    """3, ("question", "questions") -> "3 questions"; French takes the singular below 2."""
    return f"{count} {unit[0] if count < 2 else unit[1]}"


def count_series(name: str, counts: list[int], unit: tuple[str, str]) -> Series:
    """A series of counts."""
    return Series(name, list(counts), [str(n) for n in counts], [quantity(n, unit) for n in counts])


def rate_series(name: str, parts: list[int], wholes: list[int]) -> Series:
    """A series of rates, each said with what it was computed from."""
    values = rates(parts, wholes)
    spoken = [f"{percent(r)} ({part} sur {quantity(whole, ('message', 'messages'))})" if r is not None
              else "aucun message" for r, part, whole in zip(values, parts, wholes)]
    return Series(name, values, [percent(r) for r in values], spoken)


def heights(values: Sequence[Optional[float]], largest: float) -> list[float]:
    """Bar heights: proportional to the values, `largest` the plot's full height; 0 and None
    have no height."""
    if largest <= 0:
        return [0.0] * len(values)
    return [round(max(MIN_BAR, v / largest * PLOT_HEIGHT), 2) if v else 0.0 for v in values]


def scale_top(series: Sequence[Series]) -> float:
    """The largest value of the chart: the plot's full height (0 when there is nothing)."""
    return max((v for s in series for v in s.values if v), default=0)


def bars(series: Sequence[Series], starts: Sequence[datetime.date]) -> list[dict]:
    """The rectangles (x, y from the top, width, height) of every non-zero value, the series
    of a week side by side in the week's slot; the largest value fills the plot's height."""
    slot = PLOT_WIDTH / len(starts)
    width = slot * (1 - GAP) / max(1, len(series))
    drawn = []
    for n, item in enumerate(series):
        for week, (start, height) in enumerate(zip(starts, heights(item.values, scale_top(series)))):
            if not height:
                continue
            title = (f"{item.name}, semaine du {long_date(start)} : {item.spoken[week]}" if len(series) > 1
                     else f"Semaine du {long_date(start)} : {item.spoken[week]}")
            drawn.append({"x": round(LEFT + week * slot + slot * GAP / 2 + n * width, 2),
                          "y": round(TOP + PLOT_HEIGHT - height, 2), "width": round(width, 2),
                          "height": height, "serie": n, "title": title})
    return drawn


def chart(key: str, title: str, starts: Sequence[datetime.date], series: Sequence[Series],
          axis: Callable[[float], str] = number) -> dict:
    """Everything charts.html draws of one chart: the bars, the axes' labels, the table."""
    slot = PLOT_WIDTH / len(starts)
    largest = scale_top(series)
    end = starts[-1] + datetime.timedelta(days=6)
    period = f"{len(starts)} semaines, du {long_date(starts[0])} au {long_date(end)}"
    return {
        "id": f"tendance-{key}", "title": title, "width": WIDTH, "height": HEIGHT,
        "left": LEFT, "top": TOP, "right": LEFT + PLOT_WIDTH, "bottom": TOP + PLOT_HEIGHT,
        "top_label": axis(largest) if largest else "", "zero_label": axis(0), "empty": not largest,
        "description": f"{period}. " + (f"Valeur la plus haute : {axis(largest)}." if largest
                                         else "Aucune donnée sur la période."),
        "weeks": [{"x": round(LEFT + (i + 0.5) * slot, 2), "short": short_date(s), "long": long_date(s)}
                  for i, s in enumerate(starts)],
        "bars": bars(series, starts),
        "columns": [s.name for s in series],
        "rows": [{"week": long_date(s), "cells": [item.cells[i] for item in series]}
                 for i, s in enumerate(starts)],
    }


def outcome_order(outcome: str) -> tuple[int, str]:
    """The pre-check's outcomes in knowledge/eligibility.py's order, unknown ones after."""
    known = eligibility.OUTCOMES
    return (known.index(outcome) if outcome in known else len(known), outcome)


def charts(rows: WeeklyRows, today: datetime.date,
           topic_label: Callable[[str], str] = str) -> list[dict]:
    """The five weekly charts of the dashboard, over the WEEKS weeks ending with today's."""
    starts = week_starts(today)
    questions, fallbacks = per_week(rows.questions, starts), per_week(rows.fallbacks, starts)
    topics, outcomes = per_week_and_key(rows.answers, starts), per_week_and_key(rows.outcomes, starts)
    return [
        chart("questions", "Questions posées par les visiteurs", starts,
              [count_series("Questions", questions, ("question", "questions"))]),
        chart("repli", "Taux de repli (non compris, ambigu, hors sujet)", starts,
              [rate_series("Taux de repli", fallbacks, questions)], axis=percent),
        chart("themes", f"Les {TOP_TOPICS} thèmes les plus demandés", starts,
              [count_series(topic_label(t), topics[t], ("réponse", "réponses")) for t in top(topics)]),
        chart("transferts", "Demandes transmises au CESTES", starts,
              [count_series("Demandes", per_week(rows.handoffs, starts), ("demande", "demandes"))]),
        chart("eligibilite", "Résultats du pré-test d'éligibilité", starts,
              [count_series(OUTCOME_LABELS.get(o, o), outcomes[o], ("pré-test", "pré-tests"))
               for o in sorted(outcomes, key=outcome_order)]),
    ]
