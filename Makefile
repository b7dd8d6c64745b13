# The few commands a newcomer needs. Each sets itself up: virtualenv, install, migrate.
#   make run   - the app on SQLite with demo data at http://127.0.0.1:8000/
#   make test  - lint (ruff, the import layers, migrations) and the whole test suite
#                (DATABASE_URL / REDIS_URL pick the services)

VENV ?= .venv
PY := $(VENV)/bin/python
# The first Python 3.12+ found: python3.13, python3.12, python3, then pyenv's installs.
PYTHON ?= $(shell for p in python3.13 python3.12 python3 $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python 2>/dev/null); do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
	echo $$p; break; fi; done)
HOST ?= 127.0.0.1
PORT ?= 8000
# Every link the app sends (emails, activation, calendars) is on SITE_URL: by default the
# address `make run` serves; set SITE_URL in the environment to override it.
SITE_URL ?= http://$(HOST):$(PORT)
export SITE_URL
PYTEST_WORKERS ?= 2

.PHONY: run worker test lint format migrate seed demo-code clean backup restore restore-drill messages

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is needed (none found)." >&2; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet ".[dev]"
	touch $@

migrate: $(VENV)/.installed
	DEBUG=1 $(PY) manage.py migrate --noinput

seed: migrate
	DEBUG=1 $(PY) manage.py seed_demo

# The development server and, beside it, the task worker that sends the emails (stopped
# with the server; restart both to load changed task code).
run: seed
	DEBUG=1 $(PY) manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

# The code the demo's doctors and staff give after their password (their authenticator app).
demo-code: $(VENV)/.installed
	@DEBUG=1 $(PY) manage.py demo_code

# The task worker alone (emails and reminders), e.g. beside another server.
worker: migrate
	DEBUG=1 $(PY) manage.py db_worker

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

format: $(VENV)/.installed
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

test: lint
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The Spanish catalogue (docs/translations.md): gathers every marked string of the code and
# templates into locale/es/LC_MESSAGES/django.po (new ones come empty: translate them
# there; strings translated ahead in locale/es/compendium.po are filled in), then compiles
# the .mo the app reads. Needs GNU gettext (apt-get install gettext);
# both files are committed, so running the app never needs it.
MESSAGES_IGNORE := --ignore=build --ignore=tests --ignore=bench --ignore=staticfiles --ignore=media --ignore=node_modules
messages: $(VENV)/.installed
	DEBUG=1 $(PY) manage.py makemessages --locale=es --add-location=file --no-obsolete $(MESSAGES_IGNORE)
	DEBUG=1 $(PY) manage.py compilemessages --locale=es --ignore=.venv --ignore=build

# A consistent copy of the SQLite database while the app runs (SQLite's online backup API),
# into backups/<UTC time>.sqlite3; and putting one back (the app stopped). PostgreSQL:
# pgBackRest, docs/operations.md.
backup: $(VENV)/.installed
	$(PY) manage.py backup_sqlite

restore: $(VENV)/.installed
	@test -n "$(FILE)" || { echo "Say which backup: make restore FILE=backups/<time>.sqlite3" >&2; exit 1; }
	$(PY) manage.py restore_sqlite "$(FILE)"

# PostgreSQL's point-in-time recovery, end to end, on a scratch cluster (docs/operations.md).
restore-drill: $(VENV)/.installed
	bash .ci/restore-drill.sh

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles .pytest_cache .ruff_cache
