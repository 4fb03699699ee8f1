"""The intents as staff read them on the review page: French topic names, not code names."""
from __future__ import annotations

import unicodedata
from typing import Any, Iterable

TOPIC_LABELS = {
    "ask_overview": "Présentation de la formation", "ask_cost": "Coût", "ask_cpf": "CPF",
    "ask_coop_module": "Module coopératif", "ask_prerequisites": "Prérequis", "ask_derogation": "Dérogation",
    "ask_apply": "Candidature", "ask_contact": "Contact", "ask_access_routes": "Voies d'accès",
    "ask_internship": "Stage", "ask_vae": "VAE", "ask_duration": "Durée", "ask_schedule": "Calendrier et rythme",
    "ask_location": "Lieu", "ask_evaluation": "Évaluation", "ask_memoire": "Mémoire", "ask_pedagogy": "Pédagogie",
    "ask_certification": "Certification", "ask_blocks": "Blocs de compétences", "ask_outcomes": "Débouchés",
    "ask_statistics": "Insertion (statistiques)", "ask_sectors": "Secteurs", "ask_ects": "Crédits ECTS",
    "ask_package": "Inscription en « package »", "ask_job_seekers": "Demandeurs d'emploi",
    "ask_freshness": "Date des informations", "ask_old_edition": "Ancienne édition (Dijon)",
    "ask_other_certificate": "Autre certificat du Cnam", "near_miss": "Autre formation (refus)",
    "check_eligibility": "Éligibilité", "inform": "Réponse à une question posée", "out_of_scope": "Hors sujet",
    "nlu_fallback": "Non compris", "greet": "Salutation", "goodbye": "Au revoir", "thanks": "Remerciement",
    "affirm": "Oui", "deny": "Non", "stop": "Arrêter", "bot_challenge": "Êtes-vous un robot ?",
    "what_can_you_do": "Que savez-vous faire ?", "feedback_positive": "Avis positif",
    "feedback_negative": "Avis négatif",
}


def label(intent: str) -> str:
    """The French topic name of an intent (the code name if none)."""
    return TOPIC_LABELS.get(intent, intent)


def answer_topic(topic: str) -> str:
    """The French topic name of an answer action (action_answer_cost: "cost", asked as ask_cost)."""
    return TOPIC_LABELS.get(f"ask_{topic}") or label(topic)


def by_label(intents: Iterable[str]) -> list[str]:
    """Intents in the alphabetical order of their French names (accents ignored), as staff look
    for them in a list."""
    def key(intent: str) -> str:
        return unicodedata.normalize("NFKD", label(intent)).encode("ascii", "ignore").decode().casefold()
    return sorted(intents, key=lambda intent: (key(intent), intent))


def guesses(ranking: Iterable[Any], count: int = 2) -> list[str]:
    """The assistant's best guesses for a logged question, as French topic names."""
    names = [item.get("name") for item in ranking or [] if isinstance(item, dict) and item.get("name")]
    return [label(name) for name in names[:count]]
