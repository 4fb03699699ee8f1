"""A candidate's profile as entities: diploma, years and kind of experience, canonical values.

ProfileEntityExtractor reads them with the rules of knowledge/eligibility.py, the same ones
the eligibility decision uses, so that "educ spé", "DEES" and "éducatrice spécialisée" are all
`diploma: educateur_specialise`, "une dizaine d'années" is `experience_years: 10.0` and
"en asso" is `experience_kind: associative`. The forms are data (knowledge/diplomas.yml, the
KINDS table), which a statistical extractor could not learn from a few dozen examples.
Years are read only with an experience context ("5 ans d'expérience", "depuis 2015"): "j'ai
30 ans" is an age. Offsets are those of the accent-free, lower-case text, which has the length
of the normalised message for French text.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import (ENTITIES, ENTITY_ATTRIBUTE_END, ENTITY_ATTRIBUTE_START,
                                       ENTITY_ATTRIBUTE_TYPE, ENTITY_ATTRIBUTE_VALUE, EXTRACTOR, TEXT)
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.stateless import StatelessComponent

from knowledge import eligibility

DIPLOMA, YEARS, KIND = "diploma", "experience_years", "experience_kind"


def profile_entities(text: str) -> List[Dict[str, Any]]:
    """The profile entities of a message, in Rasa's entity format."""
    found: List[Dict[str, Any]] = []

    def add(entity: str, mention: Optional[eligibility.Mention], value: Any) -> None:
        if mention is not None:
            end = min(mention.end, len(text))
            found.append({ENTITY_ATTRIBUTE_TYPE: entity, ENTITY_ATTRIBUTE_START: min(mention.start, end),
                          ENTITY_ATTRIBUTE_END: end, ENTITY_ATTRIBUTE_VALUE: value,
                          EXTRACTOR: ProfileEntityExtractor.__name__})

    diploma = eligibility.find_diploma(text)
    add(DIPLOMA, diploma, diploma.value.id if diploma else None)  # type: ignore[attr-defined]
    years = eligibility.find_years(text)
    add(YEARS, years, float(years.value) if years else None)  # type: ignore[arg-type]
    kind = eligibility.find_kind(text)
    add(KIND, kind, kind.value if kind else None)
    return found


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class ProfileEntityExtractor(StatelessComponent):
    """Add diploma, experience_years and experience_kind entities to each message."""

    def process(self, messages: List[Message]) -> List[Message]:
        """Append the profile entities to those of the other extractors."""
        for message in messages:
            entities = list(message.get(ENTITIES) or []) + profile_entities(message.get(TEXT) or "")
            message.set(ENTITIES, entities, add_to_output=True)
        return messages
