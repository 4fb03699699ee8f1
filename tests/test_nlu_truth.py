"""The NLU steps that keep answers true: the near-miss guard, the phonetic forms and spelling
tolerance (with the text as typed kept for the dialogue), and three questions in one message."""
from __future__ import annotations

import pytest
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.keys import MORE_INTENTS, SECOND_INTENT, TYPED_TEXT
from bot.nlu.multi_question import SecondQuestion, listed_topics, parts, third_question
from bot.nlu.near_miss import TOPICS, NearMissGuard, other_programme
from bot.nlu.normalise import TextNormaliser, normalise_text
from bot.nlu.spelling import TypedText, correct, vocabulary
from bot.settings import ROOT
from bot.tools.evaluate_nlu import examples


@pytest.mark.parametrize("text, other", [
    ("Le CPF finance-t-il le permis de conduire ?", "permis de conduire"),
    ("Quels sont les prérequis pour le DEJEPS ?", "DEJEPS"),
    ("quelles sont les conditions d'accès au CAFERUIS ?", "CAFERUIS"),
    ("VAE pour un BTS SP3S, c'est possible ?", "BTS SP3S"),
    ("DESJEPS par la VAE possible ? j'anime depuis 10 ans", "DESJEPS"),
    ("Quel salaire peut-on espérer après un CAFERUIS ?", "CAFERUIS"),
    ("Le DECESF comporte-t-il un stage obligatoire ?", "DECESF"),
    ("Est-ce que je peux utiliser mon CPF pour passer le permis de conduire ?", "permis de conduire"),
    ("Quelles sont les conditions pour entrer en formation DEES ?", "DEES"),
    ("le master ESS de Sciences Po coûte combien ?", "master"),
])
def test_a_question_about_another_programme_is_found(nlp, text, other):
    assert other_programme(nlp(normalise_text(text))) == other


@pytest.mark.parametrize("text", [
    "j'ai un DEJEPS, je peux candidater ?",
    "avec une licence ça passe ?",
    "faut-il une licence ?",
    "mon BTS suffit pour entrer ?",
    "CESF ça passe pour rentrer dans la formation ?",
    "les diplômes d'éduc spé, d'AS ou de CESF sont acceptés à l'entrée ?",
    "c'est de niveau master ?",
    "ce diplôme est-il équivalent à un master ?",
    "il faut un bac+3 ?",
    "titulaire du DEASS, puis-je faire la VAE ?",
    "Combien coûte la formation ?",
])
def test_this_programme_or_the_candidates_diploma_is_not_another_programme(nlp, text):
    assert other_programme(nlp(normalise_text(text))) is None


@pytest.mark.parametrize("path", ["data/nlu", "tests/nlu/heldout.yml", "tests/nlu/typos.yml"])
def test_no_in_scope_topic_question_is_taken_for_a_near_miss(nlp, path):
    questions = [text for text, intent in examples(ROOT / path) if intent in TOPICS]
    assert len(questions) >= 100
    assert [q for q in questions if other_programme(nlp(normalise_text(q)))] == []


def _parsed(nlp, text, intent, **extra):
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": 0.8}, **extra})
    message.set(SPACY_DOCS["text"], nlp(text))
    return message


def test_the_guard_relabels_a_topic_question_and_drops_its_other_questions(nlp):
    [message] = NearMissGuard({}).process([_parsed(
        nlp, "prérequis et prix du DEJEPS ?", "ask_prerequisites",
        second_intent={"name": "ask_cost", "confidence": 0.3})])
    assert message.get("intent") == {"name": "near_miss", "confidence": 0.8}
    assert message.get("other_programme") == "DEJEPS"
    assert message.get(SECOND_INTENT) is None and message.get(MORE_INTENTS) is None


@pytest.mark.parametrize("intent", ["check_eligibility", "inform", "ask_derogation", "ask_contact"])
def test_the_guard_leaves_other_intents_alone(nlp, intent):
    [message] = NearMissGuard({}).process([_parsed(nlp, "le DEJEPS par la VAE ?", intent)])
    assert message.get("intent")["name"] == intent


@pytest.mark.parametrize("text, expected", [
    ("kel son les prerequi", "quel son les prérequis"),
    ("Jve savoir les prerequi svp", "je veux savoir les prérequis s'il vous plaît"),
    ("koman on fé pour l'inscription", "comment on fé pour l'inscription"),
    ("jai une licence", "j'ai une licence"),
])
def test_phonetic_forms_are_rewritten(text, expected):
    assert normalise_text(text) == expected


WORDS = vocabulary(["combien coûte le devis", "le devis du prix", "prix prix combien coûte"])


@pytest.mark.parametrize("text, expected", [
    ("combien coute le devi", "combien coûte le devis"),
    ("combien coûte le Devi", "combien coûte le Devi"),  # a capital: a name, left alone
    ("devi@mail.fr", "devi@mail.fr"),  # an address
    ("le devi 2", "le devis 2"),
    ("le zzz", "le zzz"),  # nothing close
    ("le pr", "le pr"),  # too short
])
def test_spelling_corrects_only_unknown_lower_case_words(text, expected):
    assert correct(text, WORDS) == expected


def test_the_dialogue_keeps_the_text_as_typed():
    typed = "jve joindre marie dupond"
    [message] = TextNormaliser({"strip_accents": False}).process([Message(data={"text": typed})])
    assert message.get("text") == "je veux joindre marie dupond" and message.get(TYPED_TEXT) == typed
    message.set("text", correct(message.get("text"), vocabulary(["dupont dupont"])))
    assert message.get("text") == "je veux joindre marie dupont"
    [message] = TypedText({}).process([message])
    assert message.get("text") == typed


RANKING3 = [{"name": "ask_prerequisites", "confidence": 0.36}, {"name": "ask_cost", "confidence": 0.3},
            {"name": "ask_duration", "confidence": 0.24}, {"name": "greet", "confidence": 0.02}]


def test_three_questions_in_one_message_are_all_kept():
    text = "prérequis, prix et durée ?"
    assert parts(text) == 3
    assert third_question(text, RANKING3, 0.05, 0.8) == RANKING3[2]
    [message] = SecondQuestion({"min_second": 0.1, "min_together": 0.8}).process(
        [Message(data={"text": text, "intent": RANKING3[0], "intent_ranking": RANKING3})])
    assert message.get("intent")["name"] == "ask_prerequisites"
    assert message.get(SECOND_INTENT)["name"] == "ask_cost"
    assert [i["name"] for i in message.get(MORE_INTENTS)] == ["ask_duration"]


@pytest.mark.parametrize("text", ["prix et durée ?", "prérequis prix durée"])
def test_no_third_question_without_a_third_part(text):
    assert third_question(text, RANKING3, 0.05, 0.8) is None


@pytest.mark.parametrize("text, topics", [
    ("prérequis, prix et durée ?", ["ask_prerequisites", "ask_cost", "ask_duration"]),
    ("Prérequis ? Tarif ? Durée ?", ["ask_prerequisites", "ask_cost", "ask_duration"]),
    ("le prix et la durée de la formation", ["ask_cost", "ask_duration"]),
    ("cpf + vae", ["ask_cpf", "ask_vae"]),
    ("combien coûte la formation et quelle est sa durée ?", []),  # sentences: the classifier's
    ("prix, prix", []),
    ("prérequis, prix, durée et lieu", []),  # four: not a list of up to three
])
def test_a_list_of_topics_is_read_word_by_word(text, topics):
    assert listed_topics(text) == topics


def test_a_listed_message_gets_its_topics_whatever_the_classifier_said():
    ranking = [{"name": "ask_cost", "confidence": 0.84}, {"name": "near_miss", "confidence": 0.09}]
    [message] = SecondQuestion({"min_second": 0.1, "min_together": 0.8}).process(
        [Message(data={"text": "prérequis, prix et durée ?", "intent": ranking[0], "intent_ranking": ranking})])
    assert message.get("intent")["name"] == "ask_prerequisites"
    assert message.get(SECOND_INTENT)["name"] == "ask_cost"
    assert [i["name"] for i in message.get(MORE_INTENTS)] == ["ask_duration"]


@pytest.mark.parametrize("text", ["dix-huit mois", "licence de psycho, dix-huit mois en foyer", "vingt-cinq ans",
                                  "monitrice educatrice depuis onze ans"])
def test_spelling_never_touches_numbers_diplomas_or_jobs(text):
    # "huit" is rare in the training examples: without protection it became "hui".
    words = vocabulary(["hui hui mois mois ans ans depuis depuis"])
    assert correct(normalise_text(text), words) == normalise_text(text)
