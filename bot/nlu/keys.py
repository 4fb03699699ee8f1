"""Names the NLU components add to the parse data, shared with the actions (no Rasa import)."""

# "fr" or "en" (bot/nlu/language.py).
LANGUAGE = "language"
# The second question of a two-question message, {"name", "confidence"} (bot/nlu/multi_question.py).
SECOND_INTENT = "second_intent"
# Intents that are questions about the programme, each answered by action_answer_<rest>.
QUESTION_PREFIX = "ask_"
# True when LengthGuard cut the message (bot/nlu/guards.py).
TRUNCATED = "truncated"
