"""The eligibility pre-check end to end over REST, with the trained NLU: a dozen candidates of
tests/eligibility/ (one message, and several turns) reach the outcome the rules give."""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import yaml

CASES = {c["id"]: c for name in ("cases.yml", "heldout.yml")
         for c in yaml.safe_load((Path(__file__).parent / "eligibility" / name).read_text("utf-8"))["cases"]}
# What each outcome's response says first (bot/domain/eligibility.yml).
SAYS = {
    "likely": "vous remplissez a priori les conditions",
    "derogation_possible": "une dérogation est a priori envisageable",
    "derogation_to_discuss": "une dérogation est a priori à examiner",
    "missing_experience": "pas encore : il faut",
    "missing_diploma": "D'après vos réponses, pas encore :",
    "outside_field": "ne semble pas relever des domaines",
    "unclear": "Je n'arrive pas à évaluer",
}
PICKED = ["licence-en-cours-5-ans", "licence-dix-huit-mois-foyer", "licence-2-cdd-2-benevolat-somme-4",
          "bac-animatrice-benevole-7-ans", "diplome-educateur-sportif-4-ans", "bts-7-ans-salariee-1msg",
          "master-corrige-licence-4-ans", "licence-banque-10-ans", "bts-7-ans-salariee-tours",
          "dees-10-ans-foyer-tours", "deass-2-ans-tours", "vague-diplome-jsp"]


@pytest.mark.parametrize("case_id", PICKED)
def test_a_candidate_gets_the_outcome_of_the_rules(assistant, case_id):
    case = CASES[case_id]
    sender, replies = uuid.uuid4().hex, []
    message = case["say"][0]
    for _ in range(8):
        status, answer = assistant.ask(message, sender)
        assert status == 200
        text = "\n".join(r.get("text", "") for r in answer)
        replies.append(text)
        if any(said in text for said in SAYS.values()):
            break
        question = next((q for q in ("diploma", "experience_years", "experience_kind")
                         if q in (case.get("answers") or {}) and _asks(q, text)), None)
        assert question is not None, f"unexpected reply to {message!r}: {text}"
        message = str(case["answers"][question])
    assert SAYS[case["outcome"]] in replies[-1], replies
    assert "a priori" in replies[-1] or case["outcome"] == "unclear"


def _asks(question: str, text: str) -> bool:
    return {"diploma": "diplôme le plus élevé", "experience_years": "Combien d'années",
            "experience_kind": "surtout professionnelle"}[question] in text
