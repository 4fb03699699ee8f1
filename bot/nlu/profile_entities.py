"""A candidate's profile as entities with canonical values, read from the spaCy parse.

ProfileEntityExtractor runs after SpacyNLP and reads each message's parse with
bot/nlu/profile_reader.py: the highest diploma obtained (`diploma`, an id of
knowledge/diplomas.yml) and the highest one named but not obtained (`diploma_unfinished`), the
years of experience in all and the professional ones, their kind and field, and the short
answers that only mean something as the answer to the question just asked (`duration`,
`bare_none`), and whether the message corrects an earlier answer (`correction`). The
eligibility form (actions/eligibility_form.py) decides what to do with them.
"""
from __future__ import annotations

import datetime
from typing import Any, Dict, List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.nlu.constants import (ENTITIES, ENTITY_ATTRIBUTE_END, ENTITY_ATTRIBUTE_START,
                                       ENTITY_ATTRIBUTE_TYPE, ENTITY_ATTRIBUTE_VALUE, EXTRACTOR, INTENT,
                                       TEXT)
from rasa.shared.nlu.training_data.message import Message
from spacy.tokens import Doc

from bot.nlu.keys import TRUNCATED
from bot.nlu.profile_reader import Profile, reader
from bot.nlu.stateless import StatelessComponent


def entities_of(profile: Profile, text: str) -> List[Dict[str, Any]]:
    """The profile as Rasa entities, each pointing at the words it was read from."""
    found: List[Dict[str, Any]] = []

    def add(entity: str, value: Any, start: int = 0, end: Optional[int] = None) -> None:
        if value is not None:
            end = len(text) if end is None else min(end, len(text))
            found.append({ENTITY_ATTRIBUTE_TYPE: entity, ENTITY_ATTRIBUTE_START: min(start, end),
                          ENTITY_ATTRIBUTE_END: end, ENTITY_ATTRIBUTE_VALUE: value,
                          EXTRACTOR: ProfileEntityExtractor.__name__})

    for name, mention in (("diploma", profile.obtained()), ("diploma_unfinished", profile.unfinished())):
        if mention is not None:
            add(name, mention.diploma.id, mention.start, mention.end)
    years = profile.years()
    if years is not None:
        start = min((p.start for p in profile.periods), default=0)
        end = max((p.end for p in profile.periods), default=len(text))
        add("experience_years", years, start, end)
        add("experience_pro_years", profile.professional_years(), start, end)
    add("experience_kind", profile.experience_kind())
    add("experience_field", profile.experience_field())
    add("duration", profile.bare_years)
    add("bare_none", "none" if profile.bare_none else None)
    add("correction", "yes" if profile.correction else None)
    return found


def profile_entities(doc: Doc, today: Optional[datetime.date] = None) -> List[Dict[str, Any]]:
    """The profile entities of a parsed message."""
    return entities_of(reader(doc.vocab).read(doc, today), doc.text)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class ProfileEntityExtractor(StatelessComponent):
    """Add the candidate's profile entities to each message (after SpacyNLP)."""

    def process(self, messages: List[Message]) -> List[Message]:
        """Append the profile entities to those of the other extractors."""
        for message in messages:
            doc = message.get(SPACY_DOCS[TEXT])
            if doc is None:
                continue
            entities = list(message.get(ENTITIES) or []) + profile_entities(doc)
            message.set(ENTITIES, entities, add_to_output=True)
        return messages


# A message that says the candidate's diploma or experience is about the pre-check, even when
# the classifier was unsure: better the pre-check than "I can only answer about…".
PROFILE_ENTITIES = {"diploma", "diploma_unfinished", "experience_years"}
UNSURE = {"nlu_fallback"}
# A message found off-topic is re-labelled only when it states years of experience: "combien
# coûte le master de droit du Cnam ?" stays off-topic.
OFF_TOPIC = {"out_of_scope"}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class ProfileMeansInform(StatelessComponent):
    """After FallbackClassifier: an unsure message carrying a profile becomes `inform`."""

    def process(self, messages: List[Message]) -> List[Message]:
        """Re-label unsure messages that describe the candidate."""
        for message in messages:
            intent = message.get(INTENT) or {}
            found = {e.get(ENTITY_ATTRIBUTE_TYPE) for e in message.get(ENTITIES) or []}
            # A bare number ("0", "12") is an answer (to "how many years?"), never a question.
            bare_number = "duration" in found and not any(c.isalpha() for c in message.get(TEXT) or "")
            profile = (intent.get("name") in UNSURE and found & PROFILE_ENTITIES
                       or intent.get("name") in OFF_TOPIC and "experience_years" in found
                       or bare_number and intent.get("name") != "inform")
            if profile and not message.get(TRUNCATED):
                message.set(INTENT, {"name": "inform", "confidence": intent.get("confidence")}, add_to_output=True)
        return messages
