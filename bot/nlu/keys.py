"""Names the NLU components add to the parse data, shared with the actions (no Rasa import)."""

# "fr" or "en" (bot/nlu/language.py).
LANGUAGE = "language"
# The second question of a two-question message, {"name", "confidence"} (bot/nlu/multi_question.py).
SECOND_INTENT = "second_intent"
# The questions after the second, [{"name", "confidence"}] ("prérequis, prix et durée ?").
MORE_INTENTS = "more_intents"
# Intents that are questions about the programme, each answered by action_answer_<rest>.
QUESTION_PREFIX = "ask_"
# True when LengthGuard cut the message (bot/nlu/guards.py).
TRUNCATED = "truncated"
# The message as typed (after LengthGuard's cut), before normalisation and spelling: what the
# dialogue keeps, so that names and addresses are never rewritten (bot/nlu/spelling.py).
TYPED_TEXT = "typed_text"
