"""Junk never reaches a programme answer: the NLU guards."""
from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.guards import JunkGuard, LengthGuard, is_junk


@pytest.mark.parametrize("text, junk", [
    ("", True), ("   ", True), ("😀😀😀", True), ("\x00\x01\x02", True), ("???", True),
    ("1234", True), ("123456789", True), ("06 72 48 19 35", False), ("+33 6 12 34 56 78", False),
    ("0672481935", False), ("06 72 48 19 35 99 12", True), ("5", False), ("12", False), ("2,5", False),
    ("prix" * 20, True), ("a" * 41, True), ("combien coûte la formation ?", False),
    ("<script>alert(1)</script>", False), ("https://cestes.cnam.fr/les-formations", False),
])
def test_is_junk(text, junk):
    assert is_junk(text, max_word=40) is junk


def test_long_messages_are_cut_and_classified_out_of_scope():
    message = Message(data={"text": "prix " * 1000})
    [message] = LengthGuard({"max_chars": 1000}).process([message])
    assert len(message.get("text")) == 1000 and message.get("truncated") is True
    message.set("intent", {"name": "ask_cost", "confidence": 0.99})
    [message] = JunkGuard({"max_word": 40}).process([message])
    assert message.get("intent") == {"name": "out_of_scope", "confidence": 1.0}
    assert message.as_dict(only_output_properties=True)["truncated"] is True


def test_ordinary_messages_are_left_alone():
    message = Message(data={"text": "quel est le prix ?", "intent": {"name": "ask_cost", "confidence": 0.9}})
    [message] = JunkGuard({"max_word": 40}).process(LengthGuard({"max_chars": 1000}).process([message]))
    assert message.get("intent")["name"] == "ask_cost" and message.get("truncated") is None
