"""Normalisation of visitors' French before the NLU reads it (TextNormaliser, after LengthGuard).

Visitors type "c koi les prerequis ???", "cb ça coûte", "l’œuvre". The same rules apply to the
training examples and to every message, so that both meet the featurizers in one form:

- Unicode NFC; control and zero-width characters become spaces;
- typographic apostrophes (’ ‘ ʼ ´ `) become ', quotes (« » “ ” „) become ", dashes and the
  ellipsis become - and ..., non-breaking spaces become spaces;
- ligatures: œ → oe, æ → ae (and capitals);
- common SMS forms, as whole words, in any case: cb → combien, c → c'est, koi → quoi, pk →
  pourquoi, svp → s'il vous plaît, stp → s'il te plaît, bcp → beaucoup…, and phonetic forms:
  kel → quel, koman → comment, prerequi → prérequis… (bot/nlu/sms_forms.py);
- repeated punctuation: "???" → "?", "!!!" → "!", "?!?!" → "?!", "....." → "...";
- spaces collapsed and trimmed;
- accents (`strip_accents: true`): removed, so that "prerequis" and "prérequis" are one word
  for the bag-of-words and character n-gram features.

The length cut is LengthGuard's (bot/nlu/guards.py), which runs first. Entity annotations of
training examples are not kept in step with the rewritten text: nothing in this pipeline learns
entities from annotated spans (entities come from lookup tables and rules).
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.keys import TYPED_TEXT
from bot.nlu.sms_forms import PHONETIC_FORMS, SMS_FORMS
from bot.nlu.stateless import StatelessComponent

FORMS: Dict[str, str] = {**SMS_FORMS, **PHONETIC_FORMS}

_SMS = re.compile(
    r"(?<![\w'’-])(" + "|".join(sorted(map(re.escape, FORMS), key=len, reverse=True)) + r")(?![\w'’-])",
    re.IGNORECASE,
)
_CHARACTERS = str.maketrans({
    "’": "'", "‘": "'", "ʼ": "'", "´": "'", "`": "'", "′": "'",
    "«": '"', "»": '"', "“": '"', "”": '"', "„": '"', "‟": '"',
    "–": "-", "—": "-", "‑": "-", "…": "...",
    "\u00a0": " ", "\u202f": " ", "\u2009": " ",
    "œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE",
})
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u2060\ufeff]")
_REPEATED = [
    (re.compile(r"\.{4,}"), "..."),
    (re.compile(r"([?!])[?!]*\?[?!]*"), lambda m: "?!" if "!" in m.group(0) else "?"),
    (re.compile(r"!{2,}"), "!"),
    (re.compile(r"([,;:])\1+"), r"\1"),
]
_SPACES = re.compile(r"\s+")


def strip_accents(text: str) -> str:
    """The text without its accents ("prérequis" -> "prerequis"), case kept."""
    return unicodedata.normalize(
        "NFC", "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)))


def normalise_text(text: str, remove_accents: bool = False) -> str:
    """A visitor's message in the one form the NLU reads (see the module docstring)."""
    text = unicodedata.normalize("NFC", text or "")
    text = _CONTROL.sub(" ", text).translate(_CHARACTERS)
    text = _SMS.sub(lambda m: FORMS[m.group(1).lower()], text)
    for pattern, replacement in _REPEATED:
        text = pattern.sub(replacement, text)
    if remove_accents:
        text = strip_accents(text)
    return _SPACES.sub(" ", text).strip()


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class TextNormaliser(StatelessComponent):
    """Rewrite every training example and message in normalised form, before tokenising."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """strip_accents: remove accents as well."""
        return {"strip_accents": False}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.remove_accents = bool(config["strip_accents"])

    def _normalise(self, message: Message) -> None:
        text = message.get(TEXT)
        if isinstance(text, str):
            message.set(TEXT, normalise_text(text, self.remove_accents))

    def _keep_typed(self, message: Message) -> None:
        text = message.get(TEXT)
        if isinstance(text, str) and message.get(TYPED_TEXT) is None:
            message.set(TYPED_TEXT, text)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Normalise the training examples as messages will be."""
        for example in training_data.training_examples:
            self._normalise(example)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Normalise incoming messages, keeping the text as typed (TypedText restores it)."""
        for message in messages:
            self._keep_typed(message)
            self._normalise(message)
        return messages
