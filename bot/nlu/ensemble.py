"""Two of Rasa's intent classifiers, averaged: DIET and the logistic regression.

DIET (a neural network) and LogisticRegressionClassifier (a linear model on the same
features) make different mistakes on short and unusual messages; their average is right
more often than either (figures in docs/nlu.md). Rasa keeps only the last
classifier's intent, so RememberRanking, placed right after DIET, puts DIET's full ranking
aside, and AverageRankings, right after the logistic regression, averages the two rankings
and sets the intent. Both classifiers must rank every intent (`ranking_length: 0`).
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.stateless import StatelessComponent

FIRST_RANKING = "first_intent_ranking"


def average_rankings(first: List[Dict[str, Any]], second: List[Dict[str, Any]],
                     weight: float) -> List[Dict[str, Any]]:
    """weight × first + (1 − weight) × second, for every intent either ranks, best first."""
    scores: Dict[str, float] = {}
    for ranking, share in ((first, weight), (second, 1.0 - weight)):
        for entry in ranking:
            scores[entry["name"]] = scores.get(entry["name"], 0.0) + share * float(entry["confidence"])
    return [{"name": name, "confidence": confidence}
            for name, confidence in sorted(scores.items(), key=lambda item: (-item[1], item[0]))]


def has_sentence_features(message: Message) -> bool:
    """Whether the text has a sentence feature, sparse or dense: what the logistic regression
    reads. Looked up without combining the features, which would cost as much as classifying."""
    return any(f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE for f in message.features)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class FeaturedLogisticRegression(LogisticRegressionClassifier):
    """Rasa's LogisticRegressionClassifier, leaving alone the messages that have no features.

    A message with no token (only control characters, or nothing left after normalisation)
    has no feature; Rasa's classifier then fails on a 0-column matrix and the visitor gets no
    reply. Such messages keep the ranking of the classifier before (JunkGuard then rules them
    out of scope).
    """

    def process(self, messages: List[Message]) -> List[Message]:
        """Classify the messages that have features."""
        featured = [m for m in messages if has_sentence_features(m)]
        if featured:
            super().process(featured)
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RememberRanking(StatelessComponent):
    """Put the previous classifier's ranking aside for AverageRankings."""

    def process(self, messages: List[Message]) -> List[Message]:
        """Copy the intent ranking."""
        for message in messages:
            message.set(FIRST_RANKING, list(message.get(INTENT_RANKING_KEY) or []))
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class AverageRankings(StatelessComponent):
    """Average the remembered ranking with the current one and set the intent."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """weight: share of the remembered (first) classifier."""
        return {"weight": 0.5}

    def process(self, messages: List[Message]) -> List[Message]:
        """Set intent and intent_ranking to the average."""
        weight = float(self.config["weight"])
        for message in messages:
            first = message.get(FIRST_RANKING)
            if not first:
                continue
            ranking = average_rankings(first, message.get(INTENT_RANKING_KEY) or [], weight)
            message.set(INTENT_RANKING_KEY, ranking[:10], add_to_output=True)
            message.set(INTENT, ranking[0], add_to_output=True)
        return messages
