"""Questions about another programme get `near_miss`, whatever topic the classifier heard.

"VAE pour un BTS SP3S ?", "conditions d'accès au CAFERUIS ?", "le CPF pour le permis de
conduire ?": the classifier hears a topic of this programme (VAE, prerequisites, CPF) and would
answer with this programme's facts. NearMissGuard (after the classifiers) re-labels a topic
question as `near_miss` when it asks about another diploma or course:

- the message names one (a diploma of knowledge/diplomas.yml, by the profile reader's Matcher,
  or a course or school of OTHER_COURSES) as the thing asked about: first in the message, or
  after a preposition or a definite article ("VAE du DEASS", "s'inscrire au CAFERUIS",
  "passer le permis", "Le DECESF comporte-t-il un stage ?"), and not as the candidate's own
  ("j'ai un DEJEPS", "mon BTS", "avec une licence", "titulaire du DEASS");
- and nothing in the message makes it about this programme: its name ("cette formation",
  "ce diplôme", "MOVSC"...), a comparison ("équivalent à un master", "niveau master"), or
  entering it ("accepté", "suffit", "je peux entrer ?") unless what is entered is the other
  programme ("entrer en IFSI").

Levels ("bac+3", "niveau 6", the bac) are never another programme: they are this one's
prerequisites. The dérogation, the contact, the module and the dates of the facts are this
programme's by nature and never re-labelled.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, List, Optional, Text

import spacy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from spacy.matcher import Matcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

from bot.nlu.keys import MORE_INTENTS, SECOND_INTENT
from bot.nlu.profile_durations import plain
from bot.nlu.profile_reader import reader
from bot.nlu.stateless import StatelessComponent

NEAR_MISS = "near_miss"
# Set in the parse data: the words naming the other programme.
OTHER_PROGRAMME = "other_programme"
# Topic questions that may be about another programme; the others (contact, the dérogation, the
# module, the old edition, the dates of the facts) are this programme's by nature.
TOPICS = {"ask_prerequisites", "ask_vae", "ask_apply", "ask_cost", "ask_cpf",
          "ask_duration", "ask_schedule", "ask_location", "ask_outcomes", "ask_internship",
          "ask_overview", "ask_certification", "ask_evaluation", "ask_sectors", "ask_statistics",
          "ask_blocks", "ask_memoire", "ask_pedagogy", "ask_access_routes", "ask_job_seekers",
          "ask_ects", "ask_package"}
# Courses that are not diplomas of the table.
OTHER_COURSES = ["permis", "permis de conduire", "permis b", "code de la route", "bafa", "bafd",
                 "bilan de competences", "mooc", "cours d'anglais", "cours de langue", "toeic", "toefl",
                 "formation de moniteur educateur", "formation d'educateur", "parcoursup",
                 "certificat de specialisation", "executive master", "mba", "bachelor", "prepa"]
# The words after which a programme is what is asked about (one more word may stand between:
# "pour un BTS", "passer le permis").
OBJECT = {"du", "au", "aux", "des", "en", "pour", "d'un", "d'une", "de", "d'", "a", "apres", "dans",
          "le", "la", "l'", "les", "par", "sur"}
# The words before a programme that make it the candidate's own; "un", "une" too, unless after a
# preposition ("avec une licence", "faut-il une licence" but "VAE pour un BTS").
HELD = {"mon", "ma", "mes", "j'ai", "jai", "ai", "titulaire", "diplome", "diplomee", "obtenu", "obtenue",
        "possede"}
INDEFINITE = {"un", "une"}
# Diplomas that are levels of this programme's prerequisites, never another programme.
LEVELS = {"bac", "bac_pro", "brevet", "cap_bep", "none", "below_level6"}
# Words that make the message about this programme or the candidate: forms, and word starts.
THIS_PROGRAMME = [
    "cette formation", "votre formation", "vos formations", "ce diplome", "ce titre", "ce cursus",
    "ce master", "cette certification", "le diplome de manager", "manager", "movsc",
    "vocation sociale", "chez vous", "comme un", "niveau",
]
# Word starts: comparisons, and this programme open to holders ("ouvert aux éducs spé ?").
THIS_PROGRAMME_STARTS = ("equival", "equivau", "ouvert", "accessib", "admis", "accept", "suffi")
# Entering: about this programme, unless what is entered is named right after.
ENTERING_STARTS = ("rentr", "entre", "integr", "candidate", "candidatu", "postul")


class Detector:
    """The Matchers, built once per spaCy vocabulary."""

    def __init__(self, vocab: Vocab) -> None:
        self.reader = reader(vocab)  # sets the `plain` token extension
        nlp = spacy.blank("fr", vocab=vocab)
        self.courses = Matcher(vocab)
        self.courses.add("course", [self._pattern(nlp, form) for form in OTHER_COURSES])
        self.this = Matcher(vocab)
        self.this.add("this", [self._pattern(nlp, form) for form in THIS_PROGRAMME])
        starts = "^(" + "|".join(THIS_PROGRAMME_STARTS) + ")"
        self.this.add("this_start", [[{"_": {"plain": {"REGEX": starts}}}]])
        self.entering = Matcher(vocab)
        self.entering.add("entering", [[{"_": {"plain": {"REGEX": "^(" + "|".join(ENTERING_STARTS) + ")"}}}]])

    @staticmethod
    def _pattern(nlp: spacy.Language, form: str) -> list[dict]:
        return [{"_": {"plain": plain(token.text)}} for token in nlp.make_doc(form)]

    def other_programme(self, doc: Doc) -> Optional[str]:
        """The words naming another programme the message asks about, or None."""
        if self.this(doc):
            return None
        found = [(start, end) for match, start, end in self.reader.forms(doc)
                 if doc.vocab.strings[match] not in LEVELS and not self._level(doc[start:end].text)]
        found += [(start, end) for _, start, end in self.courses(doc)]
        # The longest of the mentions starting at one place ("permis de conduire", not "permis").
        asked = [(start, end) for start, end in sorted(found, key=lambda span: (span[0], -span[1]))
                 if self._asked_about(doc, start)]
        if not asked:
            return None
        for _, start, end in self.entering(doc):
            # "accepté ?", "je peux entrer ?": entering this programme, unless the other one is
            # what is entered ("entrer en formation DEES", "entrer à l'IFSI").
            if not any(0 < s - end <= 4 for s, _ in found):
                return None
        start, end = asked[0]
        return doc[start:end].text

    @staticmethod
    def _asked_about(doc: Doc, start: int) -> bool:
        """The programme at `start` is what the message asks about, not the candidate's own."""
        before = [doc[i]._.plain for i in range(max(0, start - 2), start)]
        if set(before) & HELD:
            return False
        if before and before[-1] in INDEFINITE and not (len(before) == 2 and before[0] in OBJECT):
            return False
        return start == 0 or bool(set(before) & OBJECT)

    @staticmethod
    def _level(text: str) -> bool:
        words = plain(text)
        return "niveau" in words or "bac" in words and any(c.isdigit() for c in words) or words in (
            "m1", "m2", "l3", "master 1", "master 2")


@lru_cache(maxsize=4)
def detector(vocab: Vocab) -> Detector:
    """The detector for a spaCy vocabulary (the pipeline's), built once."""
    return Detector(vocab)


def other_programme(doc: Doc) -> Optional[str]:
    """The other programme a parsed message asks about, or None."""
    return detector(doc.vocab).other_programme(doc)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class NearMissGuard(StatelessComponent):
    """A topic question about another programme becomes `near_miss` (see the module docstring)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """No option."""
        return {}

    def process(self, messages: List[Message]) -> List[Message]:
        """Re-label topic questions about another programme."""
        for message in messages:
            intent = message.get(INTENT) or {}
            doc = message.get(SPACY_DOCS[TEXT])
            if doc is None or intent.get("name") not in TOPICS:
                continue
            other = other_programme(doc)
            if other is not None:
                message.set(INTENT, {"name": NEAR_MISS, "confidence": intent.get("confidence")},
                            add_to_output=True)
                message.set(OTHER_PROGRAMME, other, add_to_output=True)
                # No other question of the message is answered with this programme's facts.
                message.set(SECOND_INTENT, None, add_to_output=True)
                message.set(MORE_INTENTS, None, add_to_output=True)
        return messages


