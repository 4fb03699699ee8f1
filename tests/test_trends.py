"""The review page's weekly trends: weeks, rates, top topics, chart geometry, the reads from the
tracker store, the review log and the handoff requests, and the charts on the page."""
from __future__ import annotations

import asyncio
import datetime
import json
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer
from markupsafe import escape
from sqlalchemy import text, update
from sqlalchemy.engine import make_url

from bot import db
from bot.handoff import store as handoff_store
from bot.handoff.models import HandoffRequest
from bot.review import store, trends
from bot.review.models import LoggedQuestion
from bot.review.trends import LEFT, PLOT_HEIGHT, PLOT_WIDTH, TOP
from bot.settings import Settings
from bot.review import topic_labels
from bot.web import review_data
from bot.web.app import create_app

TOKEN = "jeton-des-tendances"
D = datetime.date
TODAY = D(2024, 5, 15)  # a Wednesday: its week began on Monday 13 May
STARTS = [D(2024, 3, 25), D(2024, 4, 1), D(2024, 4, 8), D(2024, 4, 15), D(2024, 4, 22), D(2024, 4, 29),
          D(2024, 5, 6), D(2024, 5, 13)]


def test_the_weeks_are_the_last_eight_iso_weeks_monday_first():
    assert trends.week_starts(TODAY) == STARTS
    assert trends.week_starts(D(2024, 5, 13)) == STARTS and trends.week_starts(D(2024, 5, 19)) == STARTS
    assert trends.week_starts(D(2025, 1, 1), count=2) == [D(2024, 12, 23), D(2024, 12, 30)]
    assert trends.week_of(D(2024, 5, 12)) == D(2024, 5, 6)  # a Sunday ends the week before


def test_a_sunday_and_the_next_monday_fall_in_different_weeks_and_empty_weeks_count_zero():
    days = [D(2024, 5, 12), D(2024, 5, 13), D(2024, 5, 19), D(2024, 3, 25),
            D(2024, 3, 24), D(2024, 5, 20)]  # the last two are outside the eight weeks
    assert trends.per_week(days, STARTS) == [1, 0, 0, 0, 0, 0, 1, 2]
    assert trends.per_week([], STARTS) == [0] * 8


def test_counts_per_key_keep_only_the_keys_seen_within_the_weeks():
    rows = [(D(2024, 5, 14), "cost"), (D(2024, 5, 13), "cost"), (D(2024, 4, 1), "cpf"), (D(2023, 1, 2), "vae")]
    assert trends.per_week_and_key(rows, STARTS) == {"cost": [0, 0, 0, 0, 0, 0, 0, 2],
                                                     "cpf": [0, 1, 0, 0, 0, 0, 0, 0]}


def test_the_fallback_rate_is_per_week_and_none_without_messages():
    assert trends.rates([1, 0, 3, 2], [4, 5, 0, 3]) == [0.25, 0.0, None, 2 / 3]
    series = trends.rate_series("Taux de repli", [1, 0, 3, 2], [4, 1, 0, 3])
    assert series.cells == ["25,0 %", "0,0 %", "—", "66,7 %"]
    assert series.spoken == ["25,0 % (1 sur 4 messages)", "0,0 % (0 sur 1 message)", "aucun message",
                             "66,7 % (2 sur 3 messages)"]


def test_the_top_topics_are_the_largest_totals_ties_in_alphabetical_order():
    series = {"vae": [0, 1], "cpf": [3, 0], "cost": [1, 2], "duration": [1, 0], "nothing": [0, 0]}
    assert trends.top(series) == ["cost", "cpf", "duration"]
    assert trends.top(series, count=5) == ["cost", "cpf", "duration", "vae"]
    assert [topic_labels.answer_topic(t) for t in ("cost", "coop_module", "near_miss", "unknown")] == [
        "Coût", "Module coopératif", "Autre formation (refus)", "unknown"]


def test_bar_heights_are_proportional_the_largest_fills_the_plot_and_zero_has_none():
    assert PLOT_HEIGHT == 120
    assert trends.heights([2, 4, 0, None, 1], 4) == [60.0, 120.0, 0.0, 0.0, 30.0]
    assert trends.heights([0, 0], 0) == [0.0, 0.0]
    assert trends.heights([1, 1000], 1000) == [trends.MIN_BAR, 120.0]  # small but still visible
    series = trends.count_series("Questions", [0, 3, 0, 0, 0, 0, 6, 0], ("question", "questions"))
    bars = trends.bars([series], STARTS)
    slot = PLOT_WIDTH / 8
    assert [(b["height"], b["y"]) for b in bars] == [(60.0, TOP + 60.0), (120.0, TOP)]
    assert [b["x"] for b in bars] == [round(LEFT + slot + slot * trends.GAP / 2, 2),
                                      round(LEFT + 6 * slot + slot * trends.GAP / 2, 2)]
    assert {b["width"] for b in bars} == {round(slot * (1 - trends.GAP), 2)}
    assert [b["title"] for b in bars] == ["Semaine du 01/04/2024 : 3 questions",
                                          "Semaine du 06/05/2024 : 6 questions"]


def test_the_series_of_a_week_stand_side_by_side():
    first = trends.count_series("Coût", [0, 0, 0, 0, 0, 0, 0, 2], ("réponse", "réponses"))
    second = trends.count_series("CPF", [0, 0, 0, 0, 0, 0, 0, 1], ("réponse", "réponses"))
    bars = trends.bars([first, second], STARTS)
    assert [(b["serie"], b["height"]) for b in bars] == [(0, 120.0), (1, 60.0)]
    assert bars[1]["x"] == round(bars[0]["x"] + bars[0]["width"], 2)
    assert bars[1]["title"] == "CPF, semaine du 13/05/2024 : 1 réponse"


def test_a_chart_without_data_has_no_bar_and_says_so():
    chart = trends.chart("vide", "Rien", STARTS, [trends.count_series("Demandes", [0] * 8, ("demande", "demandes"))])
    assert chart["bars"] == [] and chart["empty"] is True and chart["top_label"] == ""
    assert chart["description"] == "8 semaines, du 25/03/2024 au 19/05/2024. Aucune donnée sur la période."
    assert chart["rows"][0] == {"week": "25/03/2024", "cells": ["0"]}


def test_the_five_charts_from_dated_rows():
    rows = trends.WeeklyRows(
        questions=[D(2024, 5, 13)] * 4 + [D(2024, 5, 12)] * 2,
        answers=[(D(2024, 5, 13), "cost"), (D(2024, 5, 14), "cost"), (D(2024, 5, 12), "cpf"),
                 (D(2024, 4, 1), "vae"), (D(2024, 4, 2), "duration")],
        fallbacks=[D(2024, 5, 14), D(2024, 4, 1)],
        handoffs=[D(2024, 5, 6)],
        outcomes=[(D(2024, 5, 13), "missing_diploma"), (D(2024, 5, 13), "likely"), (D(2024, 5, 14), "likely")])
    charts = {c["id"]: c for c in trends.charts(rows, TODAY, topic_labels.answer_topic)}
    assert list(charts) == ["tendance-questions", "tendance-repli", "tendance-themes", "tendance-transferts",
                            "tendance-eligibilite"]
    assert [r["cells"] for r in charts["tendance-questions"]["rows"]][-2:] == [["2"], ["4"]]
    assert [r["cells"][0] for r in charts["tendance-repli"]["rows"]] == ["—", "—", "—", "—", "—", "—",
                                                                         "0,0 %", "25,0 %"]
    assert charts["tendance-repli"]["top_label"] == "25,0 %"
    assert charts["tendance-themes"]["columns"] == ["Coût", "CPF", "Durée"]
    assert charts["tendance-themes"]["rows"][-1]["cells"] == ["2", "0", "0"]
    assert [r["cells"] for r in charts["tendance-transferts"]["rows"]][-2:] == [["1"], ["0"]]
    eligibility = charts["tendance-eligibilite"]
    assert eligibility["columns"] == ["Conditions a priori remplies", "Diplôme insuffisant"]
    assert eligibility["rows"][-1]["cells"] == ["2", "1"]
    assert [b["title"] for b in eligibility["bars"]] == [
        "Conditions a priori remplies, semaine du 13/05/2024 : 2 pré-tests",
        "Diplôme insuffisant, semaine du 13/05/2024 : 1 pré-test"]


def at(day: datetime.date, hour: int = 12) -> float:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.timezone.utc).timestamp()


def fill_databases(settings: Settings, today: datetime.date) -> None:
    """Rasa's events, the review log and the handoff requests of three weeks: this one, the one
    before, and one past the eight weeks."""
    monday = trends.week_of(today)
    sunday, old = monday - datetime.timedelta(days=1), monday - datetime.timedelta(weeks=9)
    with db.session(settings.tracker_db_url) as session, session.begin():
        session.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
                             "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
                             "action_name VARCHAR(255), data TEXT)"))
        slot = {"event": "slot", "name": "eligibility_outcome"}
        events = ([("user", None, monday, None)] * 3 + [("user", None, sunday, None), ("user", None, old, None),
                   ("action", "action_answer_cost", monday, None), ("action", "action_answer_cost", sunday, None),
                   ("action", "action_answered", monday, None), ("action", "action_listen", monday, None),
                   ("slot", "eligibility_outcome", monday, json.dumps({**slot, "value": "derogation_possible"})),
                   ("slot", "eligibility_outcome", sunday, json.dumps({**slot, "value": None})),
                   ("slot", "last_topic", monday, json.dumps({"event": "slot", "value": "x"}))])
        session.execute(text("INSERT INTO events (sender_id, type_name, action_name, timestamp, data) "
                             "VALUES ('v', :kind, :action, :t, :data)"),
                        [{"kind": k, "action": a, "t": at(day, 23 if day == sunday else 0), "data": data}
                         for k, a, day, data in events])
    with store.session(settings.review_db_url) as session, session.begin():
        for day, reason in ((monday, "fallback"), (monday, "low_confidence"), (sunday, "out_of_scope"),
                            (old, "fallback")):
            row = store.record(session=session, item=store.Entry("v", "question ?", reason))
            session.execute(update(LoggedQuestion).where(LoggedQuestion.id == row)
                            .values(created_at=datetime.datetime.combine(day, datetime.time(23, 59))))
    with handoff_store.session(settings.handoff_db_url) as session, session.begin():
        for day in (monday, old):
            row = handoff_store.record(session=session, new=handoff_store.NewRequest("v", "A", "a@b.fr", "q"))
            session.execute(update(HandoffRequest).where(HandoffRequest.id == row)
                            .values(created_at=datetime.datetime.combine(day, datetime.time(8))))


def test_the_charts_read_the_tracker_store_the_review_log_and_the_handoff_requests():
    settings = Settings.from_env()
    fill_databases(settings, TODAY)
    charts = {c["id"]: c for c in review_data.weekly_charts(settings, today=TODAY)}
    assert [r["cells"] for r in charts["tendance-questions"]["rows"]][-2:] == [["1"], ["3"]]
    assert [r["cells"] for r in charts["tendance-repli"]["rows"]][-3:] == [["—"], ["100,0 %"], ["33,3 %"]]
    assert charts["tendance-themes"]["columns"] == ["Coût"]
    assert [r["cells"] for r in charts["tendance-themes"]["rows"]][-2:] == [["1"], ["1"]]
    assert sum(int(r["cells"][0]) for r in charts["tendance-transferts"]["rows"]) == 1
    assert charts["tendance-eligibilite"]["columns"] == ["Dérogation envisageable"]
    assert charts["tendance-eligibilite"]["rows"][-1]["cells"] == ["1"]


def test_the_charts_create_no_database_rasa_or_the_handoff_has_not_made():
    settings = Settings.from_env()
    charts = review_data.weekly_charts(settings, today=TODAY)
    assert all(c["bars"] == [] for c in charts)
    assert [c["columns"] for c in charts] == [["Questions"], ["Taux de repli"], [], ["Demandes"], []]
    for url in (settings.tracker_db_url, settings.handoff_db_url):
        assert not Path(make_url(url).database).exists(), url


def test_the_review_page_draws_the_charts_with_their_titles_and_numbers(monkeypatch):
    monkeypatch.setenv("REVIEW_TOKEN", TOKEN)
    today = db.utcnow().date()  # the page's clock, fixed for the test (not past the log's retention)
    monkeypatch.setattr(db, "utcnow", lambda: datetime.datetime.combine(today, datetime.time(12)))
    settings = Settings.from_env()
    fill_databases(settings, today)
    monday = trends.week_of(today)

    async def scenario():
        async with TestClient(TestServer(create_app(settings))) as client:
            page = await client.get("/review", headers={"Authorization": f"Bearer {TOKEN}"})
            return page.status, await page.text()

    status, html = asyncio.run(scenario())
    assert status == 200
    assert html.count('<svg class="chart-svg" role="img"') == 5
    assert ('<svg class="chart-svg" role="img" aria-labelledby="tendance-questions-titre tendance-questions-desc"'
            in html)
    for title in ("Questions posées par les visiteurs", "Taux de repli (non compris, ambigu, hors sujet)",
                  "Les 3 thèmes les plus demandés", "Demandes transmises au CESTES",
                  "Résultats du pré-test d'éligibilité"):
        assert f"-titre\">{escape(title)}</title>" in html, title
    week = monday.strftime("%d/%m/%Y")
    assert f"<title>Semaine du {week} : 3 questions</title>" in html
    assert f"<title>Semaine du {week} : 33,3 % (1 sur 3 messages)</title>" in html
    assert f"<title>Semaine du {week} : 1 demande</title>" in html
    assert f'<tr><th scope="row">{week}</th><td>3</td></tr>' in html
    assert f'<tr><th scope="row">{week}</th><td>33,3 %</td></tr>' in html
    assert "Coût</th>" in html and "Dérogation envisageable</th>" in html
