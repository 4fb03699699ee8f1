"""Held-out NLU evaluation of the trained model, side by side with a simple baseline.

    python -m bot.tools.evaluate_nlu [--model models/assistant.tar.gz] [--output var/eval-nlu.json]

The baseline is trained on the same data/nlu examples: TF-IDF on character 2–5-grams within
words, then a logistic regression, falling back below 0.3 probability. A prediction of
nlu_fallback or near_miss counts as out_of_scope: each is a refusal that states no fact of the
programme. Prints per-intent precision / recall / F1, off-topic recall and the in-scope
false-fallback rate for both, then two more held-out sets: near misses (questions on other
programmes, tests/nlu/near_miss.yml: the share refused) and SMS / typo forms
(tests/nlu/typos.yml: the accuracy), and writes them as JSON.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from bot.review.floors import FALLBACK
from bot.tools.model_check import HELDOUT, NEAR_MISSES, NEAR_MISSES_FRESH, TYPOS, examples
from bot.settings import ROOT

BASELINE_THRESHOLD = 0.3


def scores(expected: list[str], predicted: list[str]) -> dict[str, Any]:
    """Per-intent precision / recall / F1, accuracy, off-topic recall, false-fallback rate."""
    from sklearn.metrics import precision_recall_fscore_support

    predicted = ["out_of_scope" if p in FALLBACK else p for p in predicted]
    labels = sorted(set(expected))
    precision, recall, f1, support = precision_recall_fscore_support(
        expected, predicted, labels=labels, zero_division=0)
    off_topic = [p for e, p in zip(expected, predicted) if e == "out_of_scope"]
    in_scope = [p for e, p in zip(expected, predicted) if e != "out_of_scope"]
    return {
        "accuracy": round(sum(e == p for e, p in zip(expected, predicted)) / len(expected), 4),
        "macro_f1": round(float(sum(f1) / len(f1)), 4),
        "off_topic_recall": round(sum(p == "out_of_scope" for p in off_topic) / len(off_topic), 4),
        "in_scope_false_fallback": round(sum(p == "out_of_scope" for p in in_scope) / len(in_scope), 4),
        "intents": {label: {"precision": round(float(p), 3), "recall": round(float(r), 3),
                            "f1": round(float(f), 3), "support": int(s)}
                    for label, p, r, f, s in zip(labels, precision, recall, f1, support)},
    }


def refused(predicted: list[str]) -> float:
    """The share of messages refused (near-miss set)."""
    return round(sum(p in FALLBACK for p in predicted) / len(predicted), 4)


def accuracy(expected: list[str], predicted: list[str]) -> float:
    """The share of messages given their intent (typo set)."""
    return round(sum(e == p for e, p in zip(expected, predicted)) / len(expected), 4)


def baseline_predictions(train: list[tuple[str, str]], test: list[str]) -> list[str]:
    """TF-IDF char n-grams + logistic regression, with a probability threshold."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
                          LogisticRegression(C=10, max_iter=3000))
    model.fit([t for t, _ in train], [i for _, i in train])
    probabilities = model.predict_proba(test)
    return [model.classes_[row.argmax()] if row.max() >= BASELINE_THRESHOLD else "nlu_fallback"
            for row in probabilities]


def model_predictions(model: Path, test: list[str]) -> list[str]:
    """The trained Rasa model's intents."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))

    async def parse_all() -> list[str]:
        return [(await agent.parse_message(text))["intent"]["name"] for text in test]

    return asyncio.run(parse_all())


def main(argv: list[str] | None = None) -> int:
    """Evaluate, print the comparison, write the JSON."""
    parser = argparse.ArgumentParser(prog="python -m bot.tools.evaluate_nlu")
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "assistant.tar.gz")
    parser.add_argument("--output", type=Path, default=ROOT / "var" / "eval-nlu.json")
    parser.add_argument("--spelling", type=float, default=None, metavar="CUTOFF",
                        help="first correct every message against the training vocabulary "
                             "(bot/nlu/spelling.py, rapidfuzz ratio >= CUTOFF): the trial of docs/nlu.md")
    args = parser.parse_args(argv)
    if not args.model.is_file():
        print(f"eval-nlu: {args.model} not found: run `make train`", file=sys.stderr)
        return 2
    train = examples(ROOT / "data" / "nlu")
    heldout = examples(HELDOUT)
    texts, expected = [t for t, _ in heldout], [i for _, i in heldout]
    near, typos = [t for t, _ in examples(NEAR_MISSES)], examples(TYPOS)
    fresh = [t for t, _ in examples(NEAR_MISSES_FRESH)]
    typo_texts, typo_intents = [t for t, _ in typos], [i for _, i in typos]
    if args.spelling is not None:
        from bot.nlu.normalise import normalise_text
        from bot.nlu.spelling import correct, vocabulary

        words = vocabulary(normalise_text(t) for t, _ in train)
        texts, near, typo_texts, fresh = ([correct(normalise_text(t), words, args.spelling) for t in group]
                                          for group in (texts, near, typo_texts, fresh))
    ours_all = model_predictions(args.model, texts + near + typo_texts + fresh)
    base_all = baseline_predictions(train, texts + near + typo_texts + fresh)
    cut, cut2, cut3 = len(texts), len(texts) + len(near), len(texts) + len(near) + len(typos)
    results = {"heldout": len(heldout), "training_examples": len(train),
               "assistant": scores(expected, ours_all[:cut]),
               "baseline": scores(expected, base_all[:cut])}
    results["assistant"]["near_miss_refusal"] = refused(ours_all[cut:cut2])
    results["baseline"]["near_miss_refusal"] = refused(base_all[cut:cut2])
    results["assistant"]["typo_accuracy"] = accuracy(typo_intents, ours_all[cut2:cut3])
    results["baseline"]["typo_accuracy"] = accuracy(typo_intents, base_all[cut2:cut3])
    results["assistant"]["near_miss_fresh_refusal"] = refused(ours_all[cut3:])
    results["baseline"]["near_miss_fresh_refusal"] = refused(base_all[cut3:])
    results["near_misses"], results["typos"], results["near_misses_fresh"] = len(near), len(typos), len(fresh)
    ours, base = results["assistant"], results["baseline"]
    print(f"{'intent':22} {'assistant P / R / F1':>22}   {'baseline P / R / F1':>22}  n")
    for intent, mine in ours["intents"].items():
        other = base["intents"][intent]
        print(f"{intent:22} {mine['precision']:6.2f} {mine['recall']:6.2f} {mine['f1']:6.2f}   "
              f"{other['precision']:6.2f} {other['recall']:6.2f} {other['f1']:6.2f}  {mine['support']}")
    for key in ("accuracy", "macro_f1", "off_topic_recall", "in_scope_false_fallback",
                "near_miss_refusal", "near_miss_fresh_refusal", "typo_accuracy"):
        print(f"{key:30} assistant {ours[key]:.3f}   baseline {base[key]:.3f}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=1, ensure_ascii=False), "utf-8")
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
