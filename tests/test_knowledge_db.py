"""Building the database is idempotent and queries return current values."""
from __future__ import annotations

import dataclasses

import pytest

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge import queries
from knowledge.build import BuildReport, build
from knowledge.db import make_engine
from knowledge.models import Fact, Source


def snapshot(engine):
    with Session(engine, future=True) as session:
        facts = [(f.id, f.key, f.topic, f.status, f.values, f.quote, f.source_id)
                 for f in session.scalars(select(Fact).order_by(Fact.id))]
        sources = [(s.id, s.file, s.label, s.status)
                   for s in session.scalars(select(Source).order_by(Source.id))]
    return facts, sources


def test_loading_twice_changes_nothing(tmp_path, dataset):
    engine = make_engine(f"sqlite:///{tmp_path / 'kb.db'}")
    first = build(engine, dataset)
    before = snapshot(engine)
    second = build(engine, dataset)
    assert first == BuildReport(added=len(dataset.facts) + 5, total=len(dataset.facts))
    assert second == BuildReport(total=len(dataset.facts))
    assert snapshot(engine) == before


def test_a_rebuild_applies_changes_and_removals(tmp_path, dataset):
    engine = make_engine(f"sqlite:///{tmp_path / 'kb.db'}")
    build(engine, dataset)
    changed = dataclasses.replace(dataset.facts[0], label="nouveau libellé")
    smaller = dataclasses.replace(dataset, facts=(changed,) + dataset.facts[2:])
    report = build(engine, smaller)
    assert (report.added, report.updated, report.removed) == (0, 1, 1)
    with Session(engine, future=True) as session:
        assert queries.fact_by_key(session, changed.key).label == "nouveau libellé"
        assert queries.fact_by_key(session, dataset.facts[1].key) is None


def test_current_costs_come_from_the_cestes_page(kb_url):
    with Session(make_engine(kb_url), future=True) as session:
        costs = {f.key: f for f in queries.facts(session, topics=["cost"])}
    assert set(costs) == {"cost.individual", "cost.third_party"}
    assert costs["cost.individual"].values["amount"] == "5 000,50 €"
    assert costs["cost.third_party"].values["amount"] == "10 005 €"
    # Seed 001: "financement par un tiers (entreprise, institution, OPCO...) ou via le CPF".
    assert costs["cost.third_party"].applies_to == (
        "employeur", "opco", "cpf", "france_travail", "region", "institution")
    assert costs["cost.individual"].source_file == "001_0804f255e4d6d6ac.txt"


def test_history_and_the_other_programme_are_never_current(kb_url):
    with Session(make_engine(kb_url), future=True) as session:
        current = queries.facts(session)
        superseded = queries.facts(session, statuses=queries.SUPERSEDED, topics=["cost"])
    assert all(f.status == "current" for f in current)
    assert not any(f.source_file.startswith(("000_", "004_")) for f in current)
    assert {f.key: f.values["amount"] for f in superseded if "amount" in f.values} == {
        "history.cost_agreement": "1500 euros par année",
        "history.cost_individual": "500 euros",
        "other.cost_employer": "3 000€",
        "other.cost_individual": "1 500€",
    }


def test_current_registration_is_rncp_41336(kb_url):
    with Session(make_engine(kb_url), future=True) as session:
        rncp = queries.fact_by_key(session, "certification.rncp")
        old = queries.fact_by_key(session, "history.rncp_2020")
    assert rncp.values == {"code": "41336", "registered": "24/09/2025", "expires": "24/09/2030"}
    assert rncp.status == "current"
    assert old.status == "history" and old.values["expired"] == "18/11/2025"


def test_prerequisite_thresholds(kb_url):
    with Session(make_engine(kb_url), future=True) as session:
        assert queries.fact_by_key(session, "prerequisites.diploma").values["min_years"] == 3
        assert queries.fact_by_key(session, "derogation.rule").values["min_years"] == 6


def test_the_action_server_rereads_facts_when_the_database_changes(tmp_path, dataset):
    from actions import knowledge_base

    url = f"sqlite:///{tmp_path / 'knowledge.db'}"
    engine = make_engine(url)
    build(engine, dataset)
    current, _ = knowledge_base.load_facts((), url)
    assert knowledge_base.all_facts(url) is knowledge_base.all_facts(url)  # unchanged: from memory
    cost = next(f for f in current if f.key == "cost.individual")
    with Session(engine, future=True) as session:
        row = session.scalars(select(Fact).where(Fact.key == cost.key)).one()
        row.label = "Coût relu"
        session.commit()
    engine.dispose()
    reread = {f.key: f for f in knowledge_base.load_facts((), url)[0]}
    assert reread[cost.key].label == "Coût relu"


def test_a_deleted_database_is_reported_not_served_from_memory(tmp_path, dataset):
    from actions import knowledge_base
    from knowledge.db import KnowledgeUnavailable

    path = tmp_path / "knowledge.db"
    engine = make_engine(f"sqlite:///{path}")
    build(engine, dataset)
    engine.dispose()
    assert knowledge_base.load_facts((), f"sqlite:///{path}")[0]
    path.unlink()
    with pytest.raises(KnowledgeUnavailable, match="make knowledge"):
        knowledge_base.load_facts((), f"sqlite:///{path}")
