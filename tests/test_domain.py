"""The domain holds sentences, never figures, and every response has a speaker."""
from __future__ import annotations

import re

import yaml

from actions.topics import TOPICS
from knowledge import eligibility
from knowledge.provenance import leaf_values
from bot.settings import ROOT
from knowledge.loader import STATUSES


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


def test_no_figure_of_the_knowledge_base_is_written_in_code_or_domain(dataset):
    figures = {leaf for fact in dataset.facts for _, leaf in leaf_values(fact.values)
               if isinstance(leaf, str) and (re.search(r"\d", leaf) or "@" in leaf)}
    sources = [p for p in (ROOT / "actions").glob("*.py")] + [p for p in (ROOT / "bot").rglob("*.py")]
    sources += [p for p in (ROOT / "bot" / "domain").glob("*.yml")]
    for path in sources:
        text = path.read_text("utf-8")
        assert [f for f in figures if f in text] == [], path


def test_every_response_is_uttered_by_a_rule_or_an_action(domain):
    uttered = {step["action"] for step in dialogue_steps() if "action" in step}
    uttered |= {topic.response for topic in TOPICS.values()}
    # The actions, and the action guard, which answers in the action server's place.
    for path in [*(ROOT / "actions").glob("*.py"), ROOT / "bot" / "server" / "action_guard.py"]:
        uttered |= set(re.findall(r'"(utter_[a-z_]+)"', path.read_text("utf-8")))
    uttered |= {f"utter_old_figure_{status}" for status in STATUSES if status != "current"}
    # Forms ask for each required slot; the pre-check names its responses after slots and outcomes.
    for form, spec in domain["forms"].items():
        uttered |= {f"utter_ask_{slot}" for slot in spec["required_slots"]}
        if form == "eligibility_form":
            uttered |= {f"utter_not_understood_{slot}" for slot in spec["required_slots"]}
    # The pre-check: the kind is asked only when it matters (actions/eligibility_form.py), the
    # outcome and its criteria lines are named after outcomes and states (actions/eligibility.py).
    uttered |= {"utter_ask_experience_kind", "utter_not_understood_experience_kind"}
    uttered |= {f"utter_eligibility_{o}" for o in eligibility.OUTCOMES}
    states = (eligibility.MET, eligibility.NOT_MET, eligibility.TO_CHECK)
    uttered |= {f"utter_criterion_{path}{criterion}_{state}" for path in ("", "derogation_")
                for criterion in ("years", "kind") for state in states}
    uttered |= {f"utter_criterion_{criterion}_{state}" for criterion in ("diploma", "field") for state in states}
    assert set(domain["responses"]) - uttered == set()


def test_every_intent_has_a_rule_and_every_action_exists(domain):
    from rasa_sdk.executor import ActionExecutor

    ruled = {step["intent"] for step in dialogue_steps() if "intent" in step}
    assert set(domain["intents"]) - ruled == set()
    executor = ActionExecutor()
    executor.register_package("actions")
    assert set(domain["actions"]) - set(executor.actions) == set()
