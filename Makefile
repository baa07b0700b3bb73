# The two commands: `make run` and `make test`. Everything else is a helper of theirs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST_PORT ?= 127.0.0.1:8000

.PHONY: run test install install-dev migrate seed worker beat lint clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime-installed

install: $(VENV)/.runtime-installed
install-dev: $(VENV)/.dev-installed

VAR_DIR ?= var
# How `make run` serves: as in production (own error pages, no debug output) but over plain
# HTTP on the loopback address, with the secret key kept in var/.
LOCAL_SERVE = DEBUG=false HTTPS=false VAR_DIR="$(VAR_DIR)" \
	ALLOWED_HOSTS="$${ALLOWED_HOSTS:-127.0.0.1,localhost}" \
	LOG_LEVEL="$${LOG_LEVEL:-WARNING}" \
	EMAIL_BACKEND="$${EMAIL_BACKEND:-django.core.mail.backends.filebased.EmailBackend}" \
	SECRET_KEY="$${SECRET_KEY:-$$(cat $(VAR_DIR)/development-secret-key)}"

$(VAR_DIR)/development-secret-key:
	@mkdir -p $(VAR_DIR)
	@$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	@chmod 600 $@

# The safety database first: a migration of the main one may move safety data into it.
migrate: install $(VAR_DIR)/development-secret-key
	@$(LOCAL_SERVE) $(PY) manage.py migrate --database safety --no-input --verbosity 0
	@$(LOCAL_SERVE) $(PY) manage.py migrate --database default --no-input --verbosity 0

seed: migrate
	@echo "Loading demo data (the first time takes a minute)..."
	@$(LOCAL_SERVE) $(PY) manage.py seed_demo > $(VAR_DIR)/seed_demo.log

## Serve the app with demo data on 127.0.0.1:8000: gunicorn, and a Celery worker with beat.
run: seed
	@$(LOCAL_SERVE) $(PY) manage.py collectstatic --no-input --verbosity 0
	@$(LOCAL_SERVE) $(PY) -m config.run_local --bind $(HOST_PORT)

## Run the whole test suite.
test: install-dev
	$(PY) -m pytest $(PYTEST_ARGS)

## A Celery worker and the beat scheduler (need CELERY_BROKER_URL).
worker: install
	$(VENV)/bin/celery -A config worker --loglevel=INFO

beat: install
	$(VENV)/bin/celery -A config beat --loglevel=INFO

lint: install-dev
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
