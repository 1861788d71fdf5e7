# Picketline: `make run` starts the app, `make test` runs the whole suite.
# Both create the virtual environment and install the locked requirements when needed:
# requirements.lock (running) for `make run`, requirements-dev.lock (running + testing) for
# `make test` and `make lint`. Both locks carry hashes; `make lock` regenerates them from
# pyproject.toml (`make lock LOCK_ARGS="--upgrade-package django"` to move one package).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check
RUN_STAMP := $(VENV)/.installed-run-$(shell cat requirements.lock | cksum | cut -d' ' -f1)
DEV_STAMP := $(VENV)/.installed-dev-$(shell cat requirements-dev.lock | cksum | cut -d' ' -f1)
LOCK_ARGS ?=
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --quiet --python-version 3.11 \
	--generate-hashes --custom-compile-command "make lock" $(LOCK_ARGS)

.PHONY: run test install install-dev lint format migrations-check check-deploy lock lock-check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): requirements.lock | $(BIN)/python
	@echo "Installing requirements.lock into $(VENV) ..."
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet --require-hashes -r requirements.lock
	@rm -f $(VENV)/.installed-run-*
	@touch $@

$(DEV_STAMP): requirements-dev.lock | $(BIN)/python
	@echo "Installing requirements-dev.lock into $(VENV) ..."
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet --require-hashes -r requirements-dev.lock
	@rm -f $(VENV)/.installed-dev-*
	@touch $@

install: $(RUN_STAMP)

install-dev: $(DEV_STAMP)

run: install
	$(BIN)/python manage.py run_dev

test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The junk tests run long: every URL and form, and both importers, with FUZZ_EXAMPLES examples
# per property (the suite runs a few). Use PostgreSQL for the real thing (DATABASE_URL).
FUZZ_EXAMPLES ?= 400
fuzz: install
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -m fuzz -q $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: install-dev
	$(BIN)/python manage.py makemigrations --check --dry-run

check-deploy: install-dev
	DJANGO_SETTINGS_MODULE=config.settings.production \
	SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))') \
	ALLOWED_HOSTS=picketline.example.org \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

# Regenerate both locks from pyproject.toml; the dev lock is held to the runtime lock's versions.
lock: install-dev
	$(UV_COMPILE) -o requirements.lock
	$(UV_COMPILE) --extra dev -c requirements.lock -o requirements-dev.lock

# Fail when a lock does not match pyproject.toml (a package added to one and not the other):
# compile both afresh beside copies of the committed locks and compare. CI runs it.
lock-check: install-dev
	@tmp=$$(mktemp -d) && cp pyproject.toml requirements.lock requirements-dev.lock "$$tmp"/ && \
	cd "$$tmp" && UV="$(abspath $(BIN))/uv" && \
	$(subst $(BIN)/uv,"$$UV",$(UV_COMPILE)) -o requirements.lock && \
	$(subst $(BIN)/uv,"$$UV",$(UV_COMPILE)) --extra dev -c requirements.lock -o requirements-dev.lock && \
	cd - >/dev/null && \
	if diff -u requirements.lock "$$tmp/requirements.lock" && \
	   diff -u requirements-dev.lock "$$tmp/requirements-dev.lock"; then \
	  echo "Locks match pyproject.toml."; rm -rf "$$tmp"; \
	else \
	  echo "A lock does not match pyproject.toml: run 'make lock' and commit both locks."; \
	  rm -rf "$$tmp"; exit 1; \
	fi

clean:
	rm -rf $(VENV) var db.sqlite3
