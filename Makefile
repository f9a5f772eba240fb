# PharmaStock: `make demo` sets everything up and serves the app; `make test` runs the suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
DEMO_SKUS ?= 300
DEMO_SIMULATED_DAYS ?= 7

.DEFAULT_GOAL := help
.PHONY: help install install-dev demo run test test-fast test-quick e2e lint format worker beat migrate

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(RUNTIME_STAMP) $@

install: $(RUNTIME_STAMP) ## Create .venv and install the runtime dependencies

install-dev: $(DEV_STAMP) ## Install runtime and test/lint dependencies

migrate: install ## Apply database migrations
	$(PY) manage.py migrate --noinput

demo: install ## Set up the demo (SQLite, in-process jobs, one login per role) and serve it
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py create_demo_users
	DEBUG=1 $(PY) manage.py generate_demo_data --if-empty --skus $(DEMO_SKUS) --days 730 --sites 12 --suppliers 8 --seed 42 --ends-days-ago $(DEMO_SIMULATED_DAYS)
	DEBUG=1 $(PY) manage.py create_storage_units
	DEBUG=1 $(PY) manage.py simulate_days --to-yesterday --leave-last-plan --seed 42
	DEBUG=1 $(PY) manage.py link_demo_supplier_user
	DEBUG=1 $(PY) manage.py refresh_lead_times
	DEBUG=1 $(PY) manage.py run_forecast --if-none-published
	DEBUG=1 $(PY) manage.py run_plan --if-none-published
	DEBUG=1 $(PY) manage.py compute_scorecards
	DEBUG=1 $(PY) manage.py evaluate_alerts
	DEBUG=1 $(PY) manage.py refresh_dashboard
	DEBUG=1 $(PY) manage.py run_policy_backtest --if-none
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl-C to stop)"
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

run: install ## Serve the app with the current environment (DATABASE_URL, REDIS_URL, ...)
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install-dev ## Run the whole suite (SQLite by default; DATABASE_URL/REDIS_URL when set)
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: install-dev ## Run the suite without browser tests
	$(PY) -m pytest -m "not e2e" $(PYTEST_ARGS)

test-quick: install-dev ## Run the suite without browser tests and without tests marked slow
	$(PY) -m pytest -m "not e2e and not slow" $(PYTEST_ARGS)

e2e: install-dev ## Run the browser journeys only (needs Debian chromium)
	$(PY) -m pytest -m e2e $(PYTEST_ARGS)

lint: install-dev ## ruff (lint + format check), the import-layer contracts and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

format: install-dev ## Apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

worker: install ## Start a Celery worker for both queues (needs REDIS_URL)
	$(VENV)/bin/celery -A config worker --loglevel=INFO -Q default,heavy --concurrency=2

beat: install ## Start Celery beat with the schedules kept in the database (needs REDIS_URL)
	$(VENV)/bin/celery -A config beat --loglevel=INFO
