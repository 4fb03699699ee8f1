"""Which language a visitor wrote in, so that the assistant can say it answers in French.

LanguageDetector sets `language` ("fr" or "en") in the parse data. A message is English when
it has at least two English function words and more English than French ones: visitors mix
("le CPF is ok ?"), and a single English word ("ok", "cool", "mail") is not English.
Only French and English are told apart; other languages count as French and are left to the
classifier (usually out_of_scope).
"""
from __future__ import annotations

import re
from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.keys import LANGUAGE
from bot.nlu.stateless import StatelessComponent
ENGLISH_WORDS = frozenset("""
the an is are was were be been do does did can could would should will i you he she we they
my your our their it this that these those what how which who when where why much many there
hello hi thanks thank please of to for with from about and or but not any some have has had
courses degree program fee fees cost costs price tuition apply
requirements eligible duration study studies english speak speaks
""".split())
FRENCH_WORDS = frozenset("""
le la les un une des du de est sont je tu il elle nous vous ils elles mon ma mes ton ta tes son
sa ses ce cette ces quel quelle quels quelles combien comment pourquoi quand ou où qui que quoi
et mais donc pour avec sans dans sur par pas ne plus au aux en y c'est j'ai bonjour merci
formation diplôme diplome prix coût cout
""".split())
_WORD = re.compile(r"[a-zà-ÿ']+")


def language_of(text: str) -> str:
    """"en" for a message written in English, "fr" otherwise (see the module docstring)."""
    words = _WORD.findall((text or "").lower())
    english = sum(word in ENGLISH_WORDS for word in words)
    french = sum(word in FRENCH_WORDS for word in words)
    return "en" if english >= 2 and english > french else "fr"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class LanguageDetector(StatelessComponent):
    """Mark each message with the language it is written in."""

    def process(self, messages: List[Message]) -> List[Message]:
        """Set `language` in the parse data."""
        for message in messages:
            message.set(LANGUAGE, language_of(message.get(TEXT) or ""), add_to_output=True)
        return messages
