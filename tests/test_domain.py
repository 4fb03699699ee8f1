"""The domain holds sentences, never figures, and every response has a speaker."""
from __future__ import annotations

import re

import yaml

from actions.answers import KnowledgeAnswerAction
from actions.cost import ActionAnswerCost  # noqa: F401  (registers the subclass)
from bot.settings import ROOT
from knowledge.loader import STATUSES

ACTIONS = {cls().name(): cls for cls in KnowledgeAnswerAction.__subclasses__()}


def dialogue_steps():
    for folder in ("rules", "stories"):
        for path in (ROOT / "bot" / folder).glob("*.yml"):
            document = yaml.safe_load(path.read_text("utf-8"))
            for block in document.get("rules", []) + document.get("stories", []):
                yield from block["steps"]


def test_no_figure_is_written_in_a_response(domain):
    for name, variants in domain["responses"].items():
        for variant in variants:
            text = re.sub(r"{[^{}]+}", "", variant.get("text", ""))
            assert not re.search(r"\d", text), f"{name} states a figure: {text!r}"


def test_no_figure_or_address_is_written_in_the_actions():
    for path in (ROOT / "actions").glob("*.py"):
        source = path.read_text("utf-8")
        assert "@" not in re.sub(r"@(functools|abstractmethod|classmethod|staticmethod|property)\b", "", source), path
        assert not re.search(r"\b\d{2,}\b", re.sub(r"maxsize=\d+", "", source)), path


def test_every_response_is_uttered_by_a_rule_or_an_action(domain):
    uttered = {step["action"] for step in dialogue_steps() if "action" in step}
    uttered |= {cls.response for cls in ACTIONS.values()}
    for path in (ROOT / "actions").glob("*.py"):
        uttered |= set(re.findall(r'"(utter_[a-z_]+)"', path.read_text("utf-8")))
    uttered |= {f"utter_old_figure_{status}" for status in STATUSES if status != "current"}
    assert set(domain["responses"]) - uttered == set()


def test_every_intent_has_a_rule_and_every_action_exists(domain):
    ruled = {step["intent"] for step in dialogue_steps() if "intent" in step}
    assert set(domain["intents"]) - ruled == set()
    assert set(domain["actions"]) <= set(ACTIONS)
