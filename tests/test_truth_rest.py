"""Where trust is decided, end to end over REST with the trained model: follow-ups keep their
subject, dates are given, near misses are refused, the other documents are answered apart,
SMS forms and several questions in one message are understood."""
from __future__ import annotations

import uuid
from typing import List

import pytest


def conversation(assistant, *messages: str) -> List[str]:
    """Each message's replies, joined, in one conversation."""
    sender, replies = uuid.uuid4().hex, []
    for message in messages:
        status, answer = assistant.ask(message, sender)
        assert status == 200
        replies.append("\n".join(r.get("text", "") for r in answer))
    return replies


def test_the_module_keeps_its_subject_across_funding_follow_ups(assistant):
    module, individual, employer, diploma = conversation(
        assistant, "Parlez-moi du module coopératif", "et en tarif individuel ?",
        "si c'est mon employeur qui paie ?", "et la formation elle-même, combien ?")
    assert "Initiation à la vie coopérative" in module
    assert "200 €" in individual and "5 000,50" not in individual and "10 005" not in individual
    assert "400 €" in employer and "a priori du tarif normal" in employer and "10 005" not in employer
    assert "10 005 €" in diploma and "5 000,50 €" in diploma


def test_a_third_party_funder_gets_the_third_party_rate(assistant):
    cost, france_travail = conversation(assistant, "Combien coûte la formation ?", "et avec France Travail ?")
    assert "10 005 €" in cost
    assert "un financement par France Travail est un financement par un tiers" in france_travail
    assert "10 005 €" in france_travail and "ne donnent pas de tarif" not in france_travail


def test_prices_come_with_their_date_and_can_be_asked_how_old(assistant):
    cost, dates = conversation(assistant, "Quel est le prix de la formation ?", "Ces tarifs datent de quand ?")
    assert "Ce sont les prix de la promotion ouverte en novembre 2024" in cost
    assert "Source : page de la formation sur le site du CESTES (33e promotion), novembre 2024" in cost
    assert dates.startswith("Ce que je viens de vous dire vient de :")
    assert "à revérifier : coût de la formation" in dates and "(depuis septembre 2025)" in dates


@pytest.mark.parametrize("message", [
    "Le CPF finance-t-il le permis de conduire ?",
    "Quels sont les prérequis pour le DEJEPS ?",
    "Comment s'inscrire au CAFERUIS ?",
])
def test_a_near_miss_is_refused_without_this_programmes_facts(assistant, message):
    reply, = conversation(assistant, message)
    assert "Je ne réponds que sur le diplôme" in reply or "Je ne peux répondre qu'aux questions" in reply
    for fact in ("10 005", "5 000,50", "niveau 6", "démarche simplifiée"):
        assert fact not in reply


def test_the_other_documents_are_answered_apart_and_never_volunteered(assistant):
    old, certificate, location = conversation(
        assistant, "c'était combien la formation à Dijon en 2009 ?",
        "c'est quoi le certificat de spécialisation innovations sociales ?", "Où se passe la formation ?")
    assert old.startswith("Ancienne édition") and "500 euros" in old
    assert certificate.startswith("Autre formation du Cnam") and "1 500€" in certificate
    assert "ne précisent pas le lieu" in location and "Dijon" not in location


def test_gaps_are_answered(assistant):
    ects, jobless = conversation(assistant, "ce diplôme donne combien d'ECTS ?",
                                 "je suis demandeur d'emploi, est-ce que je peux suivre la formation ?")
    assert "« ECTS : 0 »" in ects
    assert "au moins 8 semaines" in jobless


@pytest.mark.parametrize("message, says", [
    ("jveu savoir le pri", "10 005 €"),
    ("c ki le contact pour un devi", "par_cestes@lecnam.net"),
])
def test_sms_forms_are_understood(assistant, message, says):
    reply, = conversation(assistant, message)
    assert says in reply and "Je ne peux répondre" not in reply


def test_three_topics_in_one_message_get_three_answers(assistant):
    reply, = conversation(assistant, "prérequis, prix et durée ?")
    assert "Pour candidater, il faut" in reply
    assert "10 005 €" in reply
    assert "490 heures" in reply
