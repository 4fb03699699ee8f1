"""The trained model on the held-out sets (tests/nlu/), never used for training: the main set,
near misses (questions on other programmes, which must be refused) and SMS / typo forms."""
from __future__ import annotations

import asyncio
from collections import Counter

import pytest
import yaml

from bot.settings import ROOT
# The floors are those a model trained from the review page must also reach.
from bot.review.floors import (FALLBACK, MAX_IN_SCOPE_FALSE_FALLBACK, MIN_ACCURACY, MIN_NEAR_MISS_FRESH_REFUSAL,
                               MIN_NEAR_MISS_REFUSAL, MIN_OUT_OF_SCOPE_RECALL, MIN_TYPO_ACCURACY)
from bot.tools.model_check import HELDOUT, NEAR_MISSES, NEAR_MISSES_FRESH, TYPOS, examples
from bot.nlu.normalise import normalise_text
from knowledge.provenance import normalise

MODEL = ROOT / "models" / "assistant.tar.gz"


def seen_as(text: str) -> str:
    """A message as the classifier sees it (normalised), without case, accents or end marks."""
    return normalise(normalise_text(text)).rstrip(" ?!.")


def training_texts() -> set[str]:
    texts = set()
    for path in (ROOT / "data" / "nlu").glob("*.yml"):
        if yaml.safe_load(path.read_text("utf-8")).get("nlu", [{}])[0].get("intent"):
            texts.update(seen_as(text) for text, _ in examples(path))
    return texts


def test_heldout_set_is_large_and_separate_from_training():
    heldout = examples(HELDOUT)
    counts = Counter(intent for _, intent in heldout)
    assert len(heldout) >= 300 and counts["out_of_scope"] >= 60
    overlap = {seen_as(text) for text, _ in heldout} & training_texts()
    assert overlap == set()


@pytest.mark.parametrize("path, size", [(NEAR_MISSES, 80), (NEAR_MISSES_FRESH, 80), (TYPOS, 80)])
def test_the_other_heldout_sets_are_large_and_separate_from_training(path, size):
    texts = [seen_as(text) for text, _ in examples(path)]
    assert len(texts) >= size
    assert set(texts) & training_texts() == set()


@pytest.fixture(scope="module")
def other_sets():
    """The model's intents on the near-miss and typo sets: {path: [(expected, got)]}."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(MODEL))

    async def parse(path):
        return [(intent, (await agent.parse_message(text))["intent"]["name"]) for text, intent in examples(path)]

    return {path: asyncio.run(parse(path)) for path in (NEAR_MISSES, NEAR_MISSES_FRESH, TYPOS)}


@pytest.mark.parametrize("path, floor", [(NEAR_MISSES, MIN_NEAR_MISS_REFUSAL),
                                         (NEAR_MISSES_FRESH, MIN_NEAR_MISS_FRESH_REFUSAL)])
def test_near_misses_are_refused(other_sets, path, floor):
    got = [intent for _, intent in other_sets[path]]
    assert sum(intent in FALLBACK for intent in got) / len(got) >= floor


def test_sms_and_typo_forms_are_understood(other_sets):
    pairs = other_sets[TYPOS]
    assert sum(expected == got for expected, got in pairs) / len(pairs) >= MIN_TYPO_ACCURACY


@pytest.fixture(scope="module")
def predictions():
    if not MODEL.is_file():
        pytest.fail(f"{MODEL} is missing: run `make train` (make test does it)")
    from rasa.core.agent import Agent

    agent = Agent.load(str(MODEL))

    from rasa.shared.nlu.training_data.loading import load_data

    async def parse_all():
        results = []
        for message in load_data(str(HELDOUT)).intent_examples:
            parsed = await agent.parse_message(message.get("text"))
            results.append((
                message.get("intent"), parsed["intent"]["name"],
                {(e["entity"], e["value"]) for e in message.get("entities") or []},
                {(e["entity"], e["value"]) for e in parsed["entities"]},
            ))
        return results

    parsed = asyncio.run(parse_all())
    return [(intent, got) for intent, got, _, _ in parsed], parsed


def test_funding_route_is_extracted(predictions):
    annotated = [(expected, got) for _, _, expected, got in predictions[1] if expected]
    assert len(annotated) >= 5
    assert all(expected <= got for expected, got in annotated)


def test_intent_accuracy(predictions):
    intents = predictions[0]
    correct = sum(1 for expected, got in intents
                  if expected == got or (expected == "out_of_scope" and got in FALLBACK))
    assert correct / len(intents) >= MIN_ACCURACY


def test_off_topic_is_recognised(predictions):
    off_topic = [got for expected, got in predictions[0] if expected == "out_of_scope"]
    assert sum(got in FALLBACK for got in off_topic) / len(off_topic) >= MIN_OUT_OF_SCOPE_RECALL


def test_in_scope_questions_rarely_fall_back(predictions):
    in_scope = [got for expected, got in predictions[0] if expected != "out_of_scope"]
    assert sum(got in FALLBACK for got in in_scope) / len(in_scope) <= MAX_IN_SCOPE_FALSE_FALLBACK


def test_above_the_baseline(predictions):
    """More accurate than TF-IDF + logistic regression trained on the same data (make eval-nlu)."""
    from bot.tools.evaluate_nlu import baseline_predictions, scores

    heldout = examples(HELDOUT)
    expected = [intent for _, intent in heldout]
    ours = scores(expected, [got for _, got in predictions[0]])
    baseline = scores(expected, baseline_predictions(examples(ROOT / "data" / "nlu"), [t for t, _ in heldout]))
    assert ours["accuracy"] >= baseline["accuracy"] + 0.01
    assert ours["macro_f1"] >= baseline["macro_f1"] + 0.01
    assert ours["in_scope_false_fallback"] < baseline["in_scope_false_fallback"]
