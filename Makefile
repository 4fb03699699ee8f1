# Two commands for users: `make run` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    := .venv
PY      := $(VENV)/bin/python
RASA    := $(VENV)/bin/rasa
STAMP   := $(VENV)/.installed
MODEL   := models/assistant.tar.gz
KB_DB   := var/knowledge.db
DOMAIN  := bot/domain
DATA    := data/nlu bot/rules bot/stories
TRAINING_FILES := config.yml $(shell find $(DOMAIN) $(DATA) -name '*.yml' 2>/dev/null)
KB_FILES := $(wildcard knowledge/data/*.yml) $(wildcard knowledge/*.py)
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONWARNINGS := ignore::DeprecationWarning

.PHONY: help setup knowledge train run test validate pytest test-stories handoff-resend eval-nlu bench clean

help:
	@echo "make run    set up, build the knowledge base, train if needed, start the assistant"
	@echo "make test   set up and run every check (validate, pytest, test stories, NLU)"

# A Python 3.10 from PATH or pyenv; Rasa 3.6 does not run on 3.11+.
$(STAMP): requirements.txt
	@py=""; for c in python3.10 $$HOME/.pyenv/versions/3.10.*/bin/python; do \
	  if command -v "$$c" >/dev/null 2>&1 && "$$c" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then py="$$c"; fi; \
	done; \
	if [ -z "$$py" ]; then echo "No Python 3.10 found: install Python 3.10 (e.g. 'pyenv install 3.10.13' or 'apt install python3.10 python3.10-venv') and run make again."; exit 1; fi; \
	echo "setup: creating $(VENV) with $$py"; \
	rm -rf $(VENV) && "$$py" -m venv $(VENV) && \
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip && \
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt && \
	$(PY) -m pip check && touch $@

setup: $(STAMP)

$(KB_DB): $(STAMP) $(KB_FILES)
	$(PY) -m knowledge build

knowledge: $(STAMP)
	$(PY) -m knowledge build

# Trained only when config, domain or training data changed.
$(MODEL): $(STAMP) $(TRAINING_FILES)
	$(RASA) train --domain $(DOMAIN) --data $(DATA) --config config.yml \
	  --out models --fixed-model-name assistant
	@touch $@

train: $(MODEL)

run: $(MODEL) $(KB_DB)
	exec $(PY) -m bot.serve

validate: $(STAMP)
	$(RASA) data validate --fail-on-warnings --domain $(DOMAIN) --data $(DATA) --config config.yml

test-stories: $(MODEL)
	$(RASA) test core --model $(MODEL) --stories tests/stories \
	  --endpoints bot/endpoints.yml --fail-on-prediction-errors --out var/results/core

pytest: $(MODEL) $(KB_DB)
	$(PY) -m pytest -q tests

test: validate test-stories pytest

# Speed and memory against a floor (bare Rasa: default recipe with spaCy, three intents, an
# action server), in one run; writes var/bench.json.
bench: $(MODEL) $(KB_DB)
	$(PY) -m bot.bench

# Held-out NLU figures, per intent, beside a TF-IDF + logistic-regression baseline.
eval-nlu: $(MODEL)
	$(PY) -m bot.nlu.evaluate

# Send the handoff requests that could not be sent (SMTP down or not configured).
handoff-resend: $(STAMP)
	$(PY) -m bot.handoff resend

clean:
	rm -rf var models results .pytest_cache
