"""Two or three questions in one message ("prix et durée ?", "prérequis, prix et durée ?"):
answer the first, keep the others.

The classifier, trained on one question per example, splits its confidence between the two
topics of such a message; the FallbackClassifier then sees two close intents and falls back.
SecondQuestion (after the FallbackClassifier) recognises the case: the message has two parts
("et", "+", ",", ";", "ainsi que", or a "?" in the middle), and the two best intents of the
ranking are both questions (`ask_*`) that together hold most of the confidence. The message
then gets the best one as its intent and the other as `second_intent` in the parse data;
the topic answers answer both (actions/pipeline.py). A message of three parts whose three best
intents are questions, each with some confidence and together most of it, keeps the third in
`more_intents`.

A message that only lists topics ("prérequis, prix et durée ?") is read word by word: when
each of its two or three short parts names exactly one topic (TOPIC_WORDS), those are its
questions, whatever the classifier made of the whole.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.keys import MORE_INTENTS, QUESTION_PREFIX, SECOND_INTENT
from bot.nlu.normalise import strip_accents
from bot.nlu.stateless import StatelessComponent

_SEPARATOR = re.compile(r"\s(?:et|\+|ainsi que|puis|aussi|and)\s|[,;]|\?\s*\S", re.IGNORECASE)


# Words that name one topic each, compared without case or accents.
TOPIC_WORDS: Dict[str, tuple] = {
    "ask_prerequisites": ("prerequis", "conditions d'acces", "conditions d'admission", "niveau requis"),
    "ask_cost": ("prix", "cout", "couts", "tarif", "tarifs", "frais"),
    "ask_duration": ("duree", "nombre d'heures", "volume horaire"),
    "ask_schedule": ("calendrier", "rythme", "dates", "planning", "rentree"),
    "ask_location": ("lieu", "adresse"),
    "ask_cpf": ("cpf",),
    "ask_vae": ("vae",),
    "ask_outcomes": ("debouches", "metiers"),
    "ask_apply": ("inscription", "candidature"),
    "ask_contact": ("contact",),
    "ask_coop_module": ("module cooperatif", "module"),
    "ask_certification": ("rncp", "certification"),
    "ask_evaluation": ("evaluation", "examens"),
    "ask_internship": ("stage",),
    "ask_memoire": ("memoire",),
    "ask_ects": ("ects",),
}
_TOPIC_PATTERNS = {intent: re.compile(r"(?<![\w'])(" + "|".join(map(re.escape, words)) + r")(?![\w'])")
                   for intent, words in TOPIC_WORDS.items()}
_PART_WORDS = 5


def listed_topics(text: str) -> List[str]:
    """The topics of a message that only lists topics, in order; [] otherwise."""
    plain = strip_accents((text or "").lower()).strip().rstrip("?!. ")
    pieces = [p.strip() for p in re.split(r"\s(?:et|\+|ainsi que|puis|and)\s|[,;]|\?", plain) if p.strip()]
    if not 2 <= len(pieces) <= 3 or any(len(p.split()) > _PART_WORDS for p in pieces):
        return []
    found = []
    for piece in pieces:
        topics = [intent for intent, pattern in _TOPIC_PATTERNS.items() if pattern.search(piece)]
        if len(topics) != 1 or topics[0] in found:
            return []
        found.append(topics[0])
    return found


def parts(text: str) -> int:
    """How many parts, each of which could be a question, a message is built of."""
    return 1 + len(_SEPARATOR.findall((text or "").strip().rstrip("?!. ")))


def has_two_parts(text: str) -> bool:
    """True when a message is built of two parts that could each be a question."""
    return parts(text) >= 2


def third_question(text: str, ranking: List[Dict[str, Any]], min_second: float,
                   min_together: float) -> Optional[Dict[str, Any]]:
    """The third question of a three-part message whose first two were found, or None."""
    ranked = [r for r in ranking if r.get("name") != "nlu_fallback"]
    if parts(text) < 3 or len(ranked) < 3 or not str(ranked[2]["name"]).startswith(QUESTION_PREFIX):
        return None
    if ranked[2]["confidence"] < min_second or sum(r["confidence"] for r in ranked[:3]) < min_together:
        return None
    return ranked[2]


def second_question(text: str, ranking: List[Dict[str, Any]], min_second: float,
                    min_together: float) -> Optional["tuple[Dict[str, Any], Dict[str, Any]]"]:
    """The two questions of a two-part message, best first, or None (see the module docstring)."""
    if not has_two_parts(text):
        return None
    ranked = [r for r in ranking if r.get("name") != "nlu_fallback"]
    if len(ranked) < 2:
        return None
    first, second = ranked[0], ranked[1]
    if not (str(first["name"]).startswith(QUESTION_PREFIX) and str(second["name"]).startswith(QUESTION_PREFIX)):
        return None
    if second["confidence"] < min_second or first["confidence"] + second["confidence"] < min_together:
        return None
    return first, second


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SecondQuestion(StatelessComponent):
    """Keep both questions of a two-question message instead of falling back."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """min_second: least confidence of the second question; min_together: of the two."""
        return {"min_second": 0.1, "min_together": 0.8}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.min_second = float(config["min_second"])
        self.min_together = float(config["min_together"])

    def process(self, messages: List[Message]) -> List[Message]:
        """Set intent and second_intent (and more_intents) for multi-question messages."""
        for message in messages:
            text, ranking = message.get(TEXT) or "", message.get(INTENT_RANKING_KEY) or []
            listed = listed_topics(text)
            if listed:
                message.set(INTENT, {"name": listed[0], "confidence": 1.0}, add_to_output=True)
                message.set(SECOND_INTENT, {"name": listed[1], "confidence": 1.0}, add_to_output=True)
                if len(listed) == 3:
                    message.set(MORE_INTENTS, [{"name": listed[2], "confidence": 1.0}], add_to_output=True)
                continue
            pair = second_question(text, ranking, self.min_second, self.min_together)
            third = third_question(text, ranking, self.min_second / 2, self.min_together)
            if pair is None and third is not None:
                # Three topics spread the confidence thinner: the pair alone may not hold most.
                ranked = [r for r in ranking if r.get("name") != "nlu_fallback"]
                if (all(str(r["name"]).startswith(QUESTION_PREFIX) for r in ranked[:2])
                        and ranked[1]["confidence"] >= self.min_second):
                    pair = (ranked[0], ranked[1])
            if pair:
                first, second = pair
                message.set(INTENT, {"name": first["name"], "confidence": first["confidence"]},
                            add_to_output=True)
                message.set(SECOND_INTENT, {"name": second["name"], "confidence": second["confidence"]},
                            add_to_output=True)
                if third is not None:
                    message.set(MORE_INTENTS, [{"name": third["name"], "confidence": third["confidence"]}],
                                add_to_output=True)
        return messages
