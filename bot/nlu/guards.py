"""Guards around the NLU pipeline against junk: over-long, letterless or emoji-only messages.

LengthGuard (first in the pipeline) cuts every message to `max_chars` and marks the cut ones
(`truncated` in the parse data); JunkGuard (last) classifies junk as out_of_scope, so that
junk never gets a programme answer. Junk is, after stripping: a cut message; a message with no
letter that is not a short number ("5" answers "how many years?") or a phone number; a "word" of more than
`max_word` characters.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.keys import SECOND_INTENT, TRUNCATED
from bot.nlu.stateless import StatelessComponent

_SHORT_NUMBER = re.compile(r"^\d{1,3}([.,]\d{1,2})?$")
# A French phone number answers the contact form's question: "06 72 48 19 35", "+33 6 12...".
_PHONE = re.compile(r"^(\+33\s?|0)[1-9]([\s.-]?\d{2}){4}$")


def is_junk(text: str, max_word: int) -> bool:
    """True for text that no intent can be about (see the module docstring)."""
    stripped = (text or "").strip()
    if not stripped:
        return True
    if not any(c.isalpha() for c in stripped):
        return not (_SHORT_NUMBER.match(stripped) or _PHONE.match(stripped))
    return any(len(word) > max_word for word in stripped.split())


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class LengthGuard(StatelessComponent):
    """Cut messages to a maximum length before any other component reads them."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """max_chars: longest message read."""
        return {"max_chars": 1000}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.max_chars = int(config["max_chars"])

    def process(self, messages: List[Message]) -> List[Message]:
        """Cut and mark over-long messages."""
        for message in messages:
            text = message.get(TEXT) or ""
            if len(text) > self.max_chars:
                message.set(TEXT, text[: self.max_chars])
                message.set(TRUNCATED, True, add_to_output=True)
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class JunkGuard(StatelessComponent):
    """Classify junk as out_of_scope, whatever the classifiers said."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """max_word: longest plausible word."""
        return {"max_word": 40}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.max_word = int(config["max_word"])

    def process(self, messages: List[Message]) -> List[Message]:
        """Override the intent of junk messages."""
        for message in messages:
            if message.get(TRUNCATED) or is_junk(message.get(TEXT) or "", self.max_word):
                intent = {"name": "out_of_scope", "confidence": 1.0}
                message.set(INTENT, intent, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [intent], add_to_output=True)
                message.set("entities", [], add_to_output=True)
                message.set(SECOND_INTENT, None, add_to_output=True)
        return messages
