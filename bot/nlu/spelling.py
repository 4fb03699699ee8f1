"""Spelling tolerance against the training vocabulary (rapidfuzz), as measured in docs/nlu.md.

SpellingCorrector (after TextNormaliser) learns the words the training examples use at least
twice; at run time it replaces a lower-case word they never use by the closest one they do,
when close enough ("prerequi" -> "prerequis", "devi" -> "devis"). Training examples are left
as written. Words with a capital, a digit or an @ nearby are left alone.

TypedText (last in the pipeline) puts back the message as typed, which the normaliser and the
corrector rewrote for the classifiers only: the dialogue, the forms and the review log keep
what the visitor wrote, names and addresses included.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from collections import Counter
from typing import Any, Dict, Iterable, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.keys import TYPED_TEXT
from bot.nlu.stateless import StatelessComponent

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


Vocabulary = Dict[str, int]

# Words never corrected, whatever the training data uses: French numbers (read by text2num,
# "dix-huit mois"), and the words of diplomas and jobs the profile reader matches.
NUMBER_WORDS = ("zero", "zéro", "un", "une", "deux", "trois", "quatre", "cinq", "six", "sept", "huit",
                "neuf", "dix", "onze", "douze", "treize", "quatorze", "quinze", "seize", "vingt",
                "vingts", "trente", "quarante", "cinquante", "soixante", "septante", "huitante",
                "octante", "nonante", "cent", "cents", "mille", "demi", "demie")


@lru_cache(maxsize=1)
def protected_words() -> frozenset[str]:
    """NUMBER_WORDS, and every word of knowledge/diplomas.yml's diplomas and jobs."""
    from knowledge import eligibility

    forms = [form for diploma in eligibility.diplomas() for form in diploma.forms]
    any_field, in_fields = eligibility.job_words()
    words = {w.lower() for form in (*forms, *any_field, *in_fields) for w in _WORD.findall(str(form))}
    return frozenset(words | set(NUMBER_WORDS))


def vocabulary(texts: Iterable[str], min_count: int = 2) -> Vocabulary:
    """The lower-case words used at least min_count times in the texts, with their counts."""
    counts = Counter(word.lower() for text in texts for word in _WORD.findall(text or ""))
    return {word: count for word, count in counts.items() if count >= min_count}


def closest(word: str, words: Vocabulary, cutoff: float) -> Optional[str]:
    """The vocabulary word closest to `word` (rapidfuzz ratio >= cutoff, length within 2, same
    first letter); between equally close words, the most used ("pri": "prix", not "pris")."""
    from rapidfuzz import fuzz, process

    candidates = sorted((w for w in words if abs(len(w) - len(word)) <= 2 and w[:1] == word[:1]),
                        key=lambda w: (-words[w], w))
    found = process.extractOne(word, candidates, scorer=fuzz.ratio, score_cutoff=cutoff)
    return found[0] if found else None


def correct(text: str, words: Vocabulary, cutoff: float = 80.0, min_length: int = 3) -> str:
    """The text with unknown lower-case words replaced by their closest known word."""
    def replace(match: "re.Match[str]") -> str:
        word = match.group(0)
        if len(word) < min_length or word != word.lower() or word in words or word in protected_words():
            return word
        start, end = match.start(), match.end()
        around = text[max(0, start - 1):end + 1]
        if "@" in around or any(c.isdigit() for c in around):
            return word
        return closest(word, words, cutoff) or word

    return _WORD.sub(replace, text)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=True)
class SpellingCorrector(GraphComponent):
    """Correct unknown words of incoming messages against the training vocabulary."""

    FILE = "words.json"

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """cutoff: least rapidfuzz ratio (0-100); min_count: uses that make a word known."""
        return {"cutoff": 80.0, "min_count": 2, "min_length": 3}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 words: Optional[Vocabulary] = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._storage, self._resource, self.words = model_storage, resource, words or {}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "SpellingCorrector":
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "SpellingCorrector":
        try:
            with model_storage.read_from(resource) as directory:
                words = dict(json.loads((directory / cls.FILE).read_text("utf-8")))
        except (ValueError, FileNotFoundError):
            words = {}  # not trained: nothing is corrected
        return cls(config, model_storage, resource, words)

    def train(self, training_data: TrainingData) -> Resource:
        """Learn the vocabulary of the (normalised) training examples."""
        self.words = vocabulary((m.get(TEXT) or "" for m in training_data.training_examples),
                                int(self.config["min_count"]))
        with self._storage.write_to(self._resource) as directory:
            (directory / self.FILE).write_text(json.dumps(self.words, ensure_ascii=False, sort_keys=True), "utf-8")
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training examples stay as written."""
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Correct the unknown words of each message."""
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str) and self.words:
                message.set(TEXT, correct(text, self.words, float(self.config["cutoff"]),
                                          int(self.config["min_length"])))
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class TypedText(StatelessComponent):
    """Last: the message's text as typed, for the dialogue (see the module docstring)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """No option."""
        return {}

    def process(self, messages: List[Message]) -> List[Message]:
        """Put back the text as typed."""
        for message in messages:
            typed = message.get(TYPED_TEXT)
            if isinstance(typed, str):
                message.set(TEXT, typed)
        return messages
