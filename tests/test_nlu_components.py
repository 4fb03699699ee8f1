"""The custom NLU components: normalisation, language, profile entities, two questions."""
from __future__ import annotations

import datetime

import pytest
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.language import LanguageDetector, language_of
from bot.nlu.multi_question import SecondQuestion, has_two_parts, second_question
from bot.nlu.normalise import TextNormaliser, normalise_text, strip_accents
from bot.nlu.profile_entities import ProfileEntityExtractor, profile_entities


@pytest.mark.parametrize("text, expected", [
    ("c koi les prérequis ???", "c'est quoi les prérequis ?"),
    ("cb ça coûte", "combien ça coûte"),
    ("CB ça coûte", "combien ça coûte"),
    ("pk c si cher!!!", "pourquoi c'est si cher!"),
    ("svp le prix", "s'il vous plaît le prix"),
    ("stp, bcp de questions", "s'il te plaît, beaucoup de questions"),
    ("jsuis éduc, ya un stage ?!?!", "je suis éduc, il y a un stage ?!"),
    ("l’œuvre « sociale » — ok…", "l'oeuvre \" sociale \" - ok..."),
    ("Œuvre et cæcum", "OEuvre et caecum"),
    ("prix.....", "prix..."),
    ("  prix \t\n du   CPF  ", "prix du CPF"),
    ("a\x00b\u200bz", "a b z"),
    ("c'est combien", "c'est combien"),
    ("vitamine-c et bac+2", "vitamine-c et bac+2"),
    ("cbien", "cbien"),
    ("", ""),
])
def test_normalise_text(text, expected):
    assert normalise_text(text) == expected


def test_accents_are_removed_only_on_request():
    assert normalise_text("Prérequis à l'entrée") == "Prérequis à l'entrée"
    assert normalise_text("Prérequis à l'entrée", remove_accents=True) == "Prerequis a l'entree"
    assert strip_accents("diplôme d'éducatrice spécialisée") == "diplome d'educatrice specialisee"


def test_the_normaliser_rewrites_training_examples_and_messages():
    normaliser = TextNormaliser({"strip_accents": False})
    data = TrainingData([Message(data={"text": "cb ça coûte ???", "intent": "ask_cost"})])
    normaliser.process_training_data(data)
    assert data.training_examples[0].get("text") == "combien ça coûte ?"
    [message] = normaliser.process([Message(data={"text": "c koi la vae"})])
    assert message.get("text") == "c'est quoi la vae"


@pytest.mark.parametrize("text, language", [
    ("how much does the programme cost?", "en"),
    ("What are the requirements to apply?", "en"),
    ("Hello, is this course eligible for CPF?", "en"),
    ("combien coûte la formation ?", "fr"),
    ("ok cool", "fr"),
    ("le CPF is ok ?", "fr"),
    ("c'est quoi le planning des cours", "fr"),
    ("", "fr"),
])
def test_language_of(text, language):
    assert language_of(text) == language


def test_the_language_is_in_the_parse_data():
    [message] = LanguageDetector().process([Message(data={"text": "what is the price of the degree"})])
    assert message.as_dict(only_output_properties=True)["language"] == "en"


TODAY = datetime.date(2026, 12, 1)


@pytest.mark.parametrize("text, expected", [
    ("j'ai une licence pro et 5 ans en asso", {"diploma": "licence_pro", "experience_years": 5.0,
                                              "experience_field": "inside"}),
    ("DEES", {"diploma": "educateur_specialise"}),
    ("je suis éducatrice spécialisée", {"experience_kind": "professionnelle", "experience_field": "inside"}),
    ("bac pro et 7 ans comme animateur", {"diploma": "bac_pro", "experience_years": 7.0, "experience_pro_years": 7.0,
                                          "experience_kind": "professionnelle", "experience_field": "inside"}),
    ("pas de licence, juste le bac", {"diploma": "bac"}),
    ("licence en cours", {"diploma_unfinished": "licence"}),
    ("une dizaine d'années de bénévolat", {"experience_years": 10.0, "experience_pro_years": 0,
                                           "experience_kind": "bénévole"}),
    ("18 mois d'expérience comme salariée", {"experience_years": 1.5, "experience_pro_years": 1.5,
                                             "experience_kind": "professionnelle"}),
    ("deux ans et demi", {"duration": 2.5}),
    ("aucune", {"bare_none": "none"}),
    ("en fait j'ai un master", {"diploma": "master", "correction": "yes"}),
    ("j'ai 30 ans", {}),
    ("combien coûte la formation ?", {}),
])
def test_profile_entities_have_canonical_values(nlp, text, expected):
    assert {e["entity"]: e["value"] for e in profile_entities(nlp(text), TODAY)} == expected


def test_profile_entities_point_into_the_message(nlp):
    text = "titulaire d'un master et 6 ans d'expérience"
    found = profile_entities(nlp(text), TODAY)
    for entity in found:
        assert 0 <= entity["start"] <= entity["end"] <= len(text)
    spans = {e["entity"]: text[e["start"]:e["end"]] for e in found if e["end"] > e["start"]}
    assert spans == {"diploma": "master", "experience_years": "6 ans"}


def test_the_extractor_keeps_the_other_entities(nlp):
    from rasa.nlu.constants import SPACY_DOCS

    route = {"entity": "funding_route", "value": "cpf", "start": 0, "end": 3}
    message = Message(data={"text": "cpf et un master", "entities": [route]})
    message.set(SPACY_DOCS["text"], nlp("cpf et un master"))
    [message] = ProfileEntityExtractor().process([message])
    assert [e["entity"] for e in message.get("entities")] == ["funding_route", "diploma"]


RANKING = [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "ask_cost", "confidence": 0.48},
           {"name": "ask_duration", "confidence": 0.44}, {"name": "greet", "confidence": 0.02}]


@pytest.mark.parametrize("text, two", [
    ("prix et durée ?", True), ("le prix, la durée", True), ("combien ça coûte ? et ça dure combien ?", True),
    ("prix + durée", True), ("combien coûte la formation ?", False), ("la durée", False),
])
def test_has_two_parts(text, two):
    assert has_two_parts(text) is two


def test_two_questions_are_both_kept():
    first, second = second_question("ça coûte combien et ça dure combien ?", RANKING, min_second=0.15, min_together=0.7)
    assert (first["name"], second["name"]) == ("ask_cost", "ask_duration")
    [message] = SecondQuestion({"min_second": 0.15, "min_together": 0.7}).process(
        [Message(data={"text": "ça coûte combien et ça dure combien ?", "intent": RANKING[0], "intent_ranking": RANKING})])
    assert message.get("intent") == {"name": "ask_cost", "confidence": 0.48}
    assert message.get("second_intent") == {"name": "ask_duration", "confidence": 0.44}


@pytest.mark.parametrize("text, ranking", [
    ("prix durée", RANKING),  # one part
    ("ça coûte combien et ça dure combien ?", [RANKING[1], {"name": "ask_duration", "confidence": 0.1}]),  # second too weak
    ("prix et météo ?", [RANKING[1], {"name": "out_of_scope", "confidence": 0.45}]),  # not a question
    ("ça coûte combien et ça dure combien ?", [{"name": "ask_cost", "confidence": 0.35}, {"name": "ask_duration", "confidence": 0.3}]),
])
def test_one_question_stays_one(text, ranking):
    assert second_question(text, ranking, min_second=0.15, min_together=0.7) is None
    [message] = SecondQuestion({"min_second": 0.15, "min_together": 0.7}).process(
        [Message(data={"text": text, "intent": ranking[0], "intent_ranking": ranking})])
    assert message.get("second_intent") is None and message.get("intent") == ranking[0]


def test_two_rankings_are_averaged():
    from bot.nlu.ensemble import average_rankings

    diet = [{"name": "ask_cost", "confidence": 0.6}, {"name": "ask_cpf", "confidence": 0.4}]
    logistic = [{"name": "ask_cpf", "confidence": 0.7}, {"name": "ask_cost", "confidence": 0.2},
                {"name": "greet", "confidence": 0.1}]
    averaged = average_rankings(diet, logistic, weight=0.5)
    assert [(r["name"], round(r["confidence"], 3)) for r in averaged] == [
        ("ask_cpf", 0.55), ("ask_cost", 0.4), ("greet", 0.05)]


def test_the_averaged_ranking_sets_the_intent():
    from bot.nlu.ensemble import AverageRankings, RememberRanking

    message = Message(data={"text": "cpf ?", "intent_ranking": [{"name": "ask_cost", "confidence": 0.9},
                                                               {"name": "ask_cpf", "confidence": 0.1}]})
    [message] = RememberRanking({}).process([message])
    message.set("intent_ranking", [{"name": "ask_cpf", "confidence": 0.95}, {"name": "ask_cost", "confidence": 0.05}])
    [message] = AverageRankings({"weight": 0.4}).process([message])
    assert message.get("intent")["name"] == "ask_cpf"
    assert round(message.get("intent")["confidence"], 2) == 0.61


def test_only_messages_with_sentence_features_go_to_the_logistic_regression():
    import numpy as np
    import scipy.sparse
    from rasa.shared.nlu.training_data.features import Features

    from bot.nlu.ensemble import has_sentence_features

    def message(*features: Features) -> Message:
        built = Message(data={"text": "x"})
        for feature in features:
            built.add_features(feature)
        return built

    sparse = scipy.sparse.coo_matrix(np.ones((1, 3)))
    assert not has_sentence_features(message())
    assert not has_sentence_features(message(Features(sparse, "sequence", "text", "cv")))
    assert not has_sentence_features(message(Features(sparse, "sentence", "intent", "cv")))
    assert has_sentence_features(message(Features(sparse, "sentence", "text", "cv")))
    assert has_sentence_features(message(Features(np.ones((1, 3)), "sentence", "text", "spacy")))


@pytest.mark.parametrize("intent, entities, expected", [
    ("nlu_fallback", [{"entity": "diploma", "value": "licence"}], "inform"),
    ("nlu_fallback", [{"entity": "experience_years", "value": 1.5}], "inform"),
    ("out_of_scope", [{"entity": "diploma", "value": "master"}], "out_of_scope"),
    ("out_of_scope", [{"entity": "diploma", "value": "licence"}, {"entity": "experience_years", "value": 1.5}],
     "inform"),
    ("nlu_fallback", [{"entity": "funding_route", "value": "cpf"}], "nlu_fallback"),
    ("ask_cost", [{"entity": "diploma", "value": "licence"}], "ask_cost"),
    # A bare number is an answer, whatever the classifier heard ("0" sounded like statistics).
    ("ask_statistics", [{"entity": "duration", "value": 0.0}], "inform"),
])
def test_an_unsure_message_describing_the_candidate_is_inform(intent, entities, expected):
    from bot.nlu.profile_entities import ProfileMeansInform

    text = "0" if intent == "ask_statistics" else "x"
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": 0.3}, "entities": entities})
    [message] = ProfileMeansInform().process([message])
    assert message.get("intent")["name"] == expected
