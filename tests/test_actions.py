"""Actions answer from the knowledge base with the domain's responses, exactly."""
from __future__ import annotations

import re

import pytest

from actions.rendering import placeholders
from actions.topics import ACTIONS as ALL_ACTIONS

# The answers to questions, and the fallback (the eligibility outcome has its own tests).
ACTIONS = {name: cls for name, cls in ALL_ACTIONS.items()
           if name.startswith("action_answer_") or name == "action_fallback"}


@pytest.fixture()
def ask(run_action, make_tracker):
    """Run an action on a message: (messages, events)."""
    def run(action, text="question", intent="ask", entities=None, slots=None, **message):
        return run_action(action, make_tracker(text, intent, entities, slots, **message))
    return run


def test_every_answer_action_is_registered():
    assert set(ACTIONS) == {
        "action_answer_overview", "action_answer_cpf", "action_answer_prerequisites",
        "action_answer_derogation", "action_answer_apply", "action_answer_contact",
        "action_answer_duration", "action_answer_schedule", "action_answer_location",
        "action_answer_vae", "action_answer_coop_module", "action_answer_certification",
        "action_answer_blocks", "action_answer_access_routes", "action_answer_internship",
        "action_answer_evaluation", "action_answer_memoire", "action_answer_pedagogy",
        "action_answer_outcomes", "action_answer_statistics", "action_answer_sectors",
        "action_fallback", "action_answer_cost", "action_answer_job_seekers",
        "action_answer_old_edition", "action_answer_package", "action_answer_other_certificate",
        "action_answer_freshness", "action_answer_ects", "action_answer_near_miss",
    }


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_each_answer_fills_every_placeholder(use_kb, domain, name, ask, render):
    action = ACTIONS[name]()
    messages, events = ask(action)
    if action.topic.remembers:
        assert events[0] == {"event": "slot", "name": "last_topic", "timestamp": None, "value": name}
    else:
        assert [e for e in events if e["name"] in ("last_topic", "answered_facts")] == []
    # The answer, then at most the one clause on how old its facts are (actions/freshness.py).
    assert messages[0]["response"] == FIRST_RESPONSE.get(name, action.topic.response)
    assert [m["response"].startswith(("utter_recheck", "utter_expired_source")) for m in messages[1:]] in ([], [True])
    text = render(messages[0])
    assert "{" not in text and "}" not in text
    if "source" in placeholders(action.topic.response, domain):
        assert re.search(r"\nSource : \S", text)


# Without an answer just before, "c'est à jour ?" gives the dates of every current document.
FIRST_RESPONSE = {"action_answer_freshness": "utter_answer_freshness_all"}

EXPECTED_TEXT = {
    "action_answer_cost": ["10 005 €", "5 000,50 €", "pour les deux années", "par_cestes@lecnam.net"],
    "action_answer_cpf": ["éligible au CPF", "10 005 €"],
    "action_answer_prerequisites": ["diplôme de niveau 6", "BAC+3 ou +4", "3 ans minimum",
                                    "à partir de 6 ans d'expérience"],
    "action_answer_derogation": ["à partir de 6 ans d'expérience", "par_cestes@lecnam.net"],
    "action_answer_apply": ["dématérialisé", "démarche simplifiée", "une seule candidature par an"],
    "action_answer_contact": ["par_cestes@lecnam.net", "www.cestes.cnam.fr"],
    "action_answer_duration": ["490 heures", "420 heures", "70 heures", "deux années"],
    "action_answer_schedule": ["cinq jours tous les deux mois", "14 semaines en présentiel",
                               "trois jours en distanciel", "trois jours de soutenances",
                               "33ème promotion", "novembre 2024"],
    "action_answer_location": ["ne précisent pas", "par_cestes@lecnam.net"],
    "action_answer_vae": ["validation des acquis de l'expérience", "tout ou partie du diplôme"],
    "action_answer_coop_module": ["Initiation à la vie coopérative", "35h", "SCIC",
                                  "400 € en tarif normal", "200 € en tarif individuel",
                                  "non certifiant"],
    "action_answer_certification": ["Niveau 7", "Bac + 5", "RNCP 41336", "24/09/2025",
                                    "24/09/2030", "CPN0700A", "35080", "18/11/2025"],
    "action_answer_blocks": ["CPN07B10", "CPN07B20", "CPN07B30", "CPN07B40",
                             "validé séparément"],
    "action_answer_access_routes": ["contrat de professionnalisation", "apprentissage", "package",
                                    "La VAE permet aussi d'obtenir", "« Par candidature individuelle » était fermée",
                                    "candidat libre", "Cela ne veut pas dire qu'on ne peut pas candidater soi-même"],
    "action_answer_package": ["« package »", "groupe d'enseignements indissociables"],
    "action_answer_ects": ["« ECTS : 0 »", "n'est associé à aucun crédit ECTS"],
    "action_answer_job_seekers": ["demandeurs d'emploi", "au moins 8 semaines", "10 005 € (pour les deux années)",
                                  "les documents ne parlent pas de France Travail"],
    "action_answer_old_edition": ["Ancienne édition (de septembre 2009 à septembre 2011, à Dijon)",
                                  "500 euros", "1500 euros par année", "455 heures",
                                  "n'est plus d'actualité"],
    "action_answer_other_certificate": ["Autre formation du Cnam", "innovations sociales",
                                        "3 000€", "1 500€", "90 heures", "novembre 2020"],
    "action_answer_near_miss": ["Je ne réponds que sur le diplôme", "par_cestes@lecnam.net"],
    "action_answer_freshness": ["novembre 2024", "à revérifier :", "échu le 18/11/2025"],
    "action_answer_internship": ["au moins 8 semaines", "demandeurs d'emploi"],
    "action_answer_evaluation": ["cas pratiques", "mémoire professionnel", "jury mixte",
                                 "quatre blocs"],
    "action_answer_memoire": ["2 à 4 journées par mois", "universitaire"],
    "action_answer_pedagogy": ["recherche-action", "autobiographie raisonnée"],
    "action_answer_outcomes": ["K1802", "M1302", "Coordinateur de réseaux"],
    "action_answer_statistics": ["Insertion des certifiés de 2016 à 2018",
                                 "antérieure à l'enregistrement actuel (RNCP 41336)",
                                 "2018 : 26 certifiés (dont 0 par VAE) ; taux d'insertion global à 6 mois : 83 %", "2016 : 64 certifiés"],
    "action_answer_sectors": ["EHPAD", "GIP"],
    "action_fallback": ["par_cestes@lecnam.net"],
}


@pytest.mark.parametrize("name, fragments", sorted(EXPECTED_TEXT.items()))
def test_answers_state_the_current_facts(use_kb, domain, name, fragments, ask, render):
    messages, _ = ask(ACTIONS[name]())
    text = "\n".join(render(m) for m in messages)
    for fragment in fragments:
        assert fragment in text


@pytest.mark.parametrize("name", ["action_answer_cost", "action_answer_duration",
                                  "action_answer_schedule", "action_answer_prerequisites",
                                  "action_answer_location", "action_answer_contact"])
def test_current_answers_never_mix_in_old_figures(use_kb, domain, name, ask, render):
    messages, _ = ask(ACTIONS[name]())
    text = "\n".join(render(m) for m in messages)
    for old in ("500 euros", "1500", "455", "13 semaines", "3 000", "1 500", "90 heures",
                "2009", "une année", "Dijon", "Bourgogne"):
        assert not re.search(rf"(?<![\d ]){re.escape(old)}", text), old


def test_fallback_states_no_programme_figure(use_kb, domain, ask, render):
    messages, _ = ask(ACTIONS["action_fallback"](), "quel temps demain ?", "out_of_scope")
    assert not re.search(r"\d", render(messages[0]))


# Prices by subject and funding route: tests/test_followups.py.


def test_an_old_price_is_named_as_such_before_the_current_one(use_kb, domain, ask, render):
    messages, _ = ask(ACTIONS["action_answer_cost"], "j'ai lu 500 €, c'est ça ?", "ask_cost")
    assert [m["response"] for m in messages] == ["utter_old_figure_history", "utter_answer_cost", "utter_recheck_cost"]
    warning = render(messages[0])
    assert "« 500 euros » est une information ancienne" in warning
    assert "brochure du CNAM Bourgogne pour l'édition 2009–2011 à Dijon" in warning


def test_a_figure_of_the_other_programme_is_named_as_such(use_kb, domain, ask, render):
    messages, _ = ask(ACTIONS["action_answer_cost"], "on m'a dit 3000 €", "ask_cost")
    assert messages[0]["response"] == "utter_old_figure_other_programme"
    assert "certificat de spécialisation" in render(messages[0])


def test_missing_knowledge_database_gets_a_polite_answer(tmp_path, monkeypatch, domain, ask):
    monkeypatch.setenv("KNOWLEDGE_DB_URL", f"sqlite:///{tmp_path / 'absent.db'}")
    messages, _ = ask(ACTIONS["action_answer_cost"])
    assert [m["response"] for m in messages] == ["utter_knowledge_unavailable"]
    assert not (tmp_path / "absent.db").exists()


def test_corrupt_knowledge_database_gets_a_polite_answer(tmp_path, monkeypatch, domain, ask):
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"this is not a database" * 100)
    monkeypatch.setenv("KNOWLEDGE_DB_URL", f"sqlite:///{corrupt}")
    messages, _ = ask(ACTIONS["action_answer_cost"])
    assert [m["response"] for m in messages] == ["utter_knowledge_unavailable"]
    assert corrupt.read_bytes() == b"this is not a database" * 100


def test_two_questions_get_two_answers(use_kb, domain, ask, render):
    messages, events = ask(ACTIONS["action_answer_cost"], "prix et durée ?", "ask_cost",
                           second_intent={"name": "ask_duration", "confidence": 0.4})
    assert [m["response"] for m in messages] == ["utter_answer_cost", "utter_answer_duration", "utter_recheck_cost"]
    assert "490 heures" in render(messages[1])
    assert events[0]["value"] == "action_answer_cost"


@pytest.mark.parametrize("second", [None, {"name": "ask_cost", "confidence": 0.4},
                                    {"name": "greet", "confidence": 0.4},
                                    {"name": "ask_nothing_known", "confidence": 0.4}])
def test_no_second_answer_without_a_second_question(use_kb, domain, second, ask):
    messages, _ = ask(ACTIONS["action_answer_cost"], "prix ?", "ask_cost", second_intent=second)
    assert [m["response"] for m in messages] == ["utter_answer_cost", "utter_recheck_cost"]


@pytest.mark.parametrize("name, intent", [("action_answer_cost", "ask_cost"),
                                          ("action_fallback", "out_of_scope")])
def test_a_message_in_english_is_told_the_assistant_answers_in_french(use_kb, domain, name, intent, ask, render):
    messages, _ = ask(ACTIONS[name], "how much does it cost?", intent, language="en")
    responses = [m["response"] for m in messages]
    assert responses[:2] == ["utter_answers_in_french", ACTIONS[name].topic.response]
    assert render(messages[0]) == "Je réponds en français (I answer in French)."
