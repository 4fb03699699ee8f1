"""Dated sources and honest freshness: source lines carry their date, facts past their review_by
date and answers resting only on an expired document say so, "c'est à jour ?" gives the dates
of what was just said. The clock is ASSISTANT_TODAY (tests/conftest.py fixes it)."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import text

from actions.topics import ACTIONS
from bot.settings import Settings, SettingsError
from knowledge.build import build
from knowledge.db import make_engine
from knowledge.loader import DATA_DIR, read_dataset

CESTES_PAGE = "page de la formation sur le site du CESTES (33e promotion), novembre 2024"
EXPIRED_SUPPLEMENT = "supplément au certificat RNCP 35080 (France Compétences), 2020, enregistrement échu le 18/11/2025"


@pytest.fixture()
def on(monkeypatch):
    """Set the assistant's date."""
    def set_day(day: str) -> None:
        monkeypatch.setenv("ASSISTANT_TODAY", day)
    return set_day


@pytest.fixture()
def answer(use_kb, domain, run_action, make_tracker, render):
    """Run a topic answer: (rendered texts, responses, events)."""
    def run(action: str, slots=None):
        messages, events = run_action(ACTIONS[action], make_tracker("question", "ask", slots=slots))
        return [render(m, slots) for m in messages], [m["response"] for m in messages], events
    return run


def test_the_source_line_carries_the_document_date(answer):
    texts, _, _ = answer("action_answer_cost")
    assert texts[0].endswith(f"\nSource : {CESTES_PAGE}")


def test_an_expired_document_is_named_as_such_in_the_source_line(answer):
    texts, _, _ = answer("action_answer_evaluation")
    assert EXPIRED_SUPPLEMENT in texts[0]


@pytest.mark.parametrize("day, clause", [
    ("2025-03-01", []),
    ("2025-09-01", []),
    ("2025-09-02", ["Ce sont les prix de la promotion ouverte en novembre 2024, selon la page du CESTES : "
                    "pour l'année en cours, demandez un devis à par_cestes@lecnam.net."]),
    ("2026-12-01", ["Ce sont les prix de la promotion ouverte en novembre 2024, selon la page du CESTES : "
                    "pour l'année en cours, demandez un devis à par_cestes@lecnam.net."]),
])
def test_prices_past_their_review_date_say_how_old_they_are(answer, on, day, clause):
    on(day)
    texts, responses, _ = answer("action_answer_cost")
    assert responses[0] == "utter_answer_cost"
    assert texts[1:] == clause


@pytest.mark.parametrize("action, day, expected", [
    ("action_answer_cpf", "2025-08-31", ["utter_answer_cpf"]),
    # Its price is to re-check first; then its own clause, on the CPF, is preferred.
    ("action_answer_cpf", "2025-11-18", ["utter_answer_cpf", "utter_recheck_cost"]),
    ("action_answer_cpf", "2025-11-19", ["utter_answer_cpf", "utter_recheck_cpf"]),
    ("action_answer_internship", "2026-09-24", ["utter_answer_internship"]),
    ("action_answer_internship", "2026-09-25", ["utter_answer_internship", "utter_recheck_internship"]),
    ("action_answer_coop_module", "2026-12-01", ["utter_answer_coop_module", "utter_recheck_coop_module"]),
    # The schedule answer gives the promotion's date and the way to check in its own words.
    ("action_answer_schedule", "2026-12-01", ["utter_answer_schedule"]),
    ("action_answer_duration", "2026-12-01", ["utter_answer_duration"]),
])
def test_each_answer_gets_at_most_its_own_clause(answer, on, action, day, expected):
    on(day)
    _, responses, _ = answer(action)
    assert responses == expected


def test_the_cpf_clause_names_the_dates(answer, on):
    on("2026-12-01")
    texts, _, _ = answer("action_answer_cpf")
    assert texts[1] == ("L'éligibilité au CPF est celle qu'affichait la page du CESTES en novembre 2024, sous "
                        "l'ancien enregistrement RNCP, échu depuis ; le titre relève désormais du RNCP 41336 : "
                        "vérifiez son éligibilité auprès du CESTES (par_cestes@lecnam.net).")


@pytest.mark.parametrize("day, expired", [("2025-11-18", False), ("2025-11-19", True)])
def test_an_answer_resting_only_on_an_expired_document_says_so(answer, on, day, expired):
    on(day)
    texts, responses, _ = answer("action_answer_sectors")
    if expired:
        assert responses == ["utter_answer_sectors", "utter_expired_source"]
        assert texts[1] == ("Ce point ne figure que dans un document qui ne décrit plus la formation actuelle : "
                            f"{EXPIRED_SUPPLEMENT}. Pour confirmation, écrivez au CESTES (par_cestes@lecnam.net).")
    else:
        assert responses == ["utter_answer_sectors"]


def test_it_is_up_to_date_gives_the_dates_of_the_facts_just_given(answer):
    _, _, events = answer("action_answer_cost")
    answered = next(e["value"] for e in events if e["name"] == "answered_facts")
    assert set(answered) == {"cost.third_party", "cost.individual", "contact.email"}
    texts, responses, events = answer("action_answer_freshness", {"answered_facts": answered})
    assert responses == ["utter_answer_freshness"]
    assert texts[0] == (
        "Ce que je viens de vous dire vient de :\n"
        f"- {CESTES_PAGE} ; à revérifier : coût de la formation en financement individuel (depuis "
        "septembre 2025), coût de la formation financée par un tiers ou par le CPF (depuis septembre 2025)\n"
        "Pour l'année en cours, c'est le CESTES qui fait foi : par_cestes@lecnam.net.")
    # Asked again, the dates are still those of the cost answer.
    assert [e for e in events if e["name"] in ("answered_facts", "last_topic")] == []


def test_it_is_up_to_date_with_nothing_said_before_lists_every_current_document(answer):
    texts, responses, _ = answer("action_answer_freshness")
    assert responses == ["utter_answer_freshness_all"]
    lines = texts[0].split("\n")
    assert lines[0] == "Mes réponses sur la formation actuelle s'appuient sur ces documents :"
    assert f"- {EXPIRED_SUPPLEMENT} ; ne décrit plus la formation actuelle" in lines
    assert "- fiche Cnam du diplôme CPN0700A (RNCP 41336), 2025 ; à revérifier : " \
           "stage des demandeurs d'emploi (depuis septembre 2026)" in lines
    assert any(line.startswith(f"- {CESTES_PAGE} ; à revérifier : ") and "éligibilité au CPF (depuis novembre 2025)" in line
               for line in lines)
    assert not any("Dijon" in line or "innovations sociales" in line for line in lines)


def test_every_review_date_says_why_in_a_comment_above_it():
    for path in sorted(DATA_DIR.glob("*.yml")):
        lines = path.read_text("utf-8").splitlines()
        for index, line in enumerate(lines):
            if line.strip().startswith("review_by:"):
                assert lines[index - 1].strip().startswith("#"), f"{path.name}:{index + 1}"


def test_review_dates_are_set_for_prices_cpf_promotion_and_internship():
    dated = {fact.key for fact in read_dataset().facts if fact.review_by}
    assert dated == {"cost.third_party", "cost.individual", "coop.price", "cpf.eligible",
                     "schedule.promotion", "internship.job_seekers"}


def test_every_current_fact_of_an_expired_document_records_the_decision():
    dataset = read_dataset()
    expired = {s.file for s in dataset.sources if s.valid_until and s.valid_until < date(2026, 12, 1)}
    for fact in dataset.facts:
        if fact.source in expired and fact.status == "current":
            assert fact.note and fact.note.startswith("Gardé"), fact.key


def test_a_bad_date_setting_is_refused_clearly():
    with pytest.raises(SettingsError, match="ASSISTANT_TODAY must be a date written YYYY-MM-DD"):
        Settings.from_env({"ASSISTANT_TODAY": "demain"})
    assert Settings.from_env({"ASSISTANT_TODAY": "2030-01-02"}).today() == date(2030, 1, 2)
    assert Settings.from_env({}).today() == date.today()


def test_a_database_of_the_older_layout_is_rebuilt(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'kb.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE source (id INTEGER PRIMARY KEY, file VARCHAR(200))"))
        connection.execute(text("INSERT INTO source (file) VALUES ('old.txt')"))
    report = build(engine, read_dataset())
    assert report.total == len(read_dataset().facts)
    with engine.connect() as connection:
        files = {row[0] for row in connection.execute(text("SELECT file FROM source"))}
        assert "old.txt" not in files and len(files) == 5
        assert connection.execute(text("SELECT COUNT(*) FROM fact WHERE review_by IS NOT NULL")).scalar() == 6
    engine.dispose()


def test_no_answer_calls_the_survey_the_last_one(answer):
    texts, _, _ = answer("action_answer_statistics")
    assert "dernier renouvellement" not in texts[0]
    assert re.match(r"Insertion des certifiés de 2016 à 2018, d'après l'enquête publiée sur la page du CESTES, "
                    r"antérieure à l'enregistrement actuel \(RNCP 41336\) :", texts[0])
