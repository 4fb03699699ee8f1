"""A newly trained model against the held-out NLU sets and the questions staff taught, before it
may replace the running one. Run by a training started from the review page, in its own process
(bot/review/training.py):

    python -m bot.tools.model_check --model M.tar.gz [--taught promoted.yml] --output check.json

Exit status 0: the model passes; 1: it is refused (the JSON says why, in French); 2: it could
not be checked. The floors and the verdict: bot/review/floors.py.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Any, Callable, Iterable

from bot.review.floors import FALLBACK, FLOORS, percent, understood, verdict
from bot.settings import ROOT

HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"
NEAR_MISSES = ROOT / "tests" / "nlu" / "near_miss.yml"
# Written after the near-miss guard was built on the first set: its figure is the unbiased one.
NEAR_MISSES_FRESH = ROOT / "tests" / "nlu" / "near_miss_fresh.yml"
TYPOS = ROOT / "tests" / "nlu" / "typos.yml"


def examples(path: Path) -> list[tuple[str, str]]:
    """(text, intent) pairs of a Rasa NLU file or folder."""
    from rasa.shared.nlu.training_data.loading import load_data

    return [(m.get("text"), m.get("intent")) for m in load_data(str(path)).intent_examples]


def _share(flags: Iterable[bool]) -> float:
    flags = list(flags)
    return round(sum(flags) / len(flags), 4) if flags else 1.0


def figures(parse: Callable[[list[str]], list[str]]) -> dict[str, float]:
    """The six figures the floors apply to, `parse` giving the model's intent of each text."""
    sets = [examples(path) for path in (HELDOUT, NEAR_MISSES, NEAR_MISSES_FRESH, TYPOS)]
    got = parse([text for pairs in sets for text, _ in pairs])
    heldout, near, fresh, typos = [], [], [], []
    for pairs, bucket in zip(sets, (heldout, near, fresh, typos)):
        bucket.extend((intent, got.pop(0)) for _, intent in pairs)
    off_topic = [g for e, g in heldout if e == "out_of_scope"]
    in_scope = [g for e, g in heldout if e != "out_of_scope"]
    return {"accuracy": _share(understood(e, g) for e, g in heldout),
            "off_topic_recall": _share(g in FALLBACK for g in off_topic),
            "in_scope_false_fallback": _share(g in FALLBACK for g in in_scope),
            "near_miss_refusal": _share(g in FALLBACK for _, g in near),
            "near_miss_fresh_refusal": _share(g in FALLBACK for _, g in fresh),
            "typo_accuracy": _share(understood(e, g) for e, g in typos)}


def check(model: Path, taught_file: Path | None) -> dict[str, Any]:
    """Load the model, compute its figures and the taught questions' intents, give the verdict."""
    import structlog
    from rasa.core.agent import Agent

    # Rasa logs every parse at debug level: the job's log keeps the figures, not 900 parses.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    agent = Agent.load(str(model))

    def parse(texts: list[str]) -> list[str]:
        async def parse_all() -> list[str]:
            return [(await agent.parse_message(text))["intent"]["name"] for text in texts]

        return asyncio.run(parse_all())

    cases = examples(taught_file) if taught_file and taught_file.is_file() else []
    taught = [{"text": text, "intent": intent, "got": got}
              for (text, intent), got in zip(cases, parse([text for text, _ in cases]))]
    found = figures(parse)
    reasons = verdict(found, taught)
    return {"figures": found, "floors": {key: floor for key, (floor, _, _) in FLOORS.items()},
            "taught": {"total": len(taught), "understood": sum(understood(c["intent"], c["got"]) for c in taught),
                       "misunderstood": [c for c in taught if not understood(c["intent"], c["got"])]},
            "passed": not reasons, "reasons": reasons}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.tools.model_check")
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--taught", type=Path)
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args(argv)
    if not args.model.is_file():
        print(f"model_check: {args.model} not found", file=sys.stderr)
        return 2
    result = check(args.model, args.taught)
    args.output.write_text(json.dumps(result, ensure_ascii=False, indent=1), "utf-8")
    for key, value in result["figures"].items():
        print(f"{FLOORS[key][2]} : {percent(value)}")
    print(f"questions enseignées comprises : {result['taught']['understood']} sur {result['taught']['total']}")
    print("modèle accepté" if result["passed"] else "modèle refusé : " + " ; ".join(result["reasons"]))
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
