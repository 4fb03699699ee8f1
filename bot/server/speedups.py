"""Three costs of Rasa 3.6's server removed, without changing what it computes.

Found with py-spy on `make run` (2026-11-23), sequential REST messages:
- Rasa checks every response of the action server with `jsonschema.validate`, which validates
  the schema itself against JSON Schema's meta-schema and builds a new validator at every
  call: a third of the Rasa server's CPU time per message. validate_action_result is the same
  check (same schema, same error selection, same message) on a validator built once.
- SpacyNLP loads fr_core_news_md without its parser but with its named-entity recogniser,
  which nothing in the pipeline reads (the tokenizer takes text and lemmas, the featurizer
  static vectors): half of spaCy's time per message. load_spacy_model also leaves out `ner`;
  tokens, lemmas and vectors are unchanged, so a model trained with it serves the same.
- Rebuilding a conversation from the tracker store looks up each event's class by walking
  every subclass of Event, for every event: 6 % of the CPU. resolve_event_type remembers the
  classes found (Rasa's own lookup still answers unknown names, with its errors).

bot/server/patches.py puts them in place of Rasa's (its install(), called by bot/server/__main__.py
in the Rasa server process only, before Rasa starts); importing this module changes nothing.
"""
from __future__ import annotations

import functools
from typing import Any, Dict, Optional, Text, Type

from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.nlu.utils.spacy_utils import SpacyModel
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses
from rasa.shared.constants import DOCS_BASE_URL

from bot.server import patches

# Rasa's own functions, which these call: patches.original() finds them also once replaced.
_RASA_LOAD_MODEL = "rasa.nlu.utils.spacy_utils.SpacyNLP.load_model"
_RASA_RESOLVE_BY_TYPE = "rasa.shared.core.events.Event.resolve_by_type"


@functools.lru_cache(maxsize=1)
def _validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(_action: RemoteAction, result: Dict[Text, Any]) -> bool:
    """RemoteAction._validate_action_result, on the validator built once."""
    error = best_match(_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, make sure your response from the "
        f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


@functools.lru_cache(maxsize=4)
def load_spacy_model(spacy_model_name: Text) -> SpacyModel:
    """SpacyNLP.load_model (same checks and errors), without the named-entity recogniser; once
    per name and process, so that a model switched to (bot/server/model_swap.py) shares the
    running model's spaCy pipeline (read-only) instead of loading another copy."""
    loaded = patches.original(_RASA_LOAD_MODEL)(spacy_model_name)
    if "ner" in loaded.model.pipe_names:
        loaded.model.disable_pipe("ner")
    return loaded


@functools.lru_cache(maxsize=None)
def _event_class(type_name: Text) -> Optional[Type[Event]]:
    return next((cls for cls in all_subclasses(Event) if cls.type_name == type_name), None)


def resolve_event_type(type_name: Text, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    """Event.resolve_by_type, remembering the classes it finds."""
    return _event_class(type_name) or patches.original(_RASA_RESOLVE_BY_TYPE)(type_name, default)


__all__ = ["ValidationError", "load_spacy_model", "resolve_event_type", "validate_action_result"]
