# Two commands for users: `make run` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help

# All state (databases, the endpoints file, promoted questions) lives under VAR_DIR.
VAR_DIR ?= var
export VAR_DIR

VENV    := .venv
PY      := $(VENV)/bin/python
RASA    := $(VENV)/bin/rasa
STAMP   := $(VENV)/.installed
MODEL   := models/assistant.tar.gz
KB_DB   := $(VAR_DIR)/knowledge.db
DOMAIN  := bot/domain
DATA    := data/nlu bot/rules bot/stories
# The NLU components rewrite the training text (the normaliser), so they are inputs too.
TRAINING_FILES := config.yml $(shell find $(DOMAIN) $(DATA) -name '*.yml' 2>/dev/null) $(wildcard bot/nlu/*.py)
KB_FILES := $(wildcard knowledge/data/*.yml) $(wildcard knowledge/*.py)
# Every use of what SQLAlchemy 2.0 removes warns; the tests turn those warnings into errors.
PYTEST  := SQLALCHEMY_WARN_20=1 $(PY) -m pytest

.PHONY: help setup knowledge train run test test-fast validate pytest test-stories handoff-resend \
        eval-nlu bench adopt-promoted backup restore soak clean

help:
	@echo "make run        set up, build the knowledge base, train if needed, start the assistant"
	@echo "make test       set up and run every check (validate, pytest, test stories, NLU)"
	@echo "make test-fast  the unit tests: no trained model, no server (about a minute on two cores)"

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

$(KB_DB): $(KB_FILES) | $(STAMP)
	$(PY) -m knowledge build

knowledge: $(STAMP)
	$(PY) -m knowledge build

# Trained only when config, domain, training data or NLU components changed (a new venv with
# the same pinned packages does not retrain).
$(MODEL): $(TRAINING_FILES) | $(STAMP)
	$(RASA) train --domain $(DOMAIN) --data $(DATA) --config config.yml \
	  --out models --fixed-model-name assistant
	@touch $@

train: $(MODEL)

run: $(MODEL) $(KB_DB)
	exec $(PY) -m bot

validate: $(STAMP)
	$(RASA) data validate --fail-on-warnings --domain $(DOMAIN) --data $(DATA) --config config.yml

test-stories: $(MODEL)
	$(RASA) test core --model $(MODEL) --stories tests/stories \
	  --endpoints bot/endpoints.yml --fail-on-prediction-errors --out results/core

pytest: $(MODEL) $(KB_DB)
	$(PYTEST) -q --durations=15 tests

test: validate test-stories pytest

# The unit tier on every core (pytest-xdist); the integration tier shares one running assistant,
# so `make test` runs in one process.
test-fast: $(STAMP)
	$(PYTEST) -q -n auto -m "not integration" tests

# Speed and memory against a floor (bare Rasa: default recipe with spaCy, three intents, an
# action server), in one run; writes $(VAR_DIR)/bench.json.
bench: $(MODEL) $(KB_DB)
	$(PY) -m bot.tools.bench --output $(VAR_DIR)/bench.json

# Held-out NLU figures, per intent, beside a TF-IDF + logistic-regression baseline.
eval-nlu: $(MODEL)
	$(PY) -m bot.tools.evaluate_nlu --output $(VAR_DIR)/eval-nlu.json

# Send the handoff requests that could not be sent (SMTP down or not configured).
handoff-resend: $(STAMP)
	$(PY) -m bot.handoff resend

# Questions staff promoted on the review page wait in $(VAR_DIR)/promoted.yml; this copies them
# into data/nlu/promoted.yml (to review and commit), which the next `make train` uses.
adopt-promoted: $(STAMP)
	$(PY) -m bot.review adopt

# The stores (SQLite's online backup: safe while the assistant runs) and promoted.yml, into
# $(VAR_DIR)/backups/backup-<UTC time>/ with a manifest; PostgreSQL stores are left to pg_dump.
backup: $(STAMP)
	$(PY) -m bot.backup backup

# Stop the assistant first. make restore FROM=$(VAR_DIR)/backups/backup-... [FORCE=1]: checks the
# backup against its manifest; a store holding rows is replaced only with FORCE=1.
restore: $(STAMP)
	@test -n "$(FROM)" || { echo "usage: make restore FROM=$(VAR_DIR)/backups/backup-YYYYMMDD-HHMMSS [FORCE=1]"; exit 2; }
	$(PY) -m bot.backup restore --from "$(FROM)" $(if $(FORCE),--force)

# Five visitors for MINUTES (30) against `python -m bot` with a temporary VAR_DIR: memory
# growth per process, errors, handoffs, file growth; writes $(VAR_DIR)/soak.json. Not in `make test`.
MINUTES ?= 30
soak: $(MODEL) $(KB_DB)
	$(PY) -m bot.tools.soak --minutes $(MINUTES) --output $(VAR_DIR)/soak.json

# Build outputs only: the databases under $(VAR_DIR) (handoff requests, review log,
# conversations) are never deleted here.
clean:
	rm -rf models results .pytest_cache $(VAR_DIR)/endpoints.yml $(VAR_DIR)/bench.json \
	  $(VAR_DIR)/eval-nlu.json $(VAR_DIR)/soak.json $(VAR_DIR)/results
