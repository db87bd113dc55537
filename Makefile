# Huifang: `make run` serves the demo company, `make test` runs the whole suite.
# Both start from a fresh clone: they create .venv, install Python and npm packages and,
# for tests, the system packages (Chromium, CJK fonts, PostgreSQL) with apt where missing.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HUIFANG := $(BIN)/huifang
export HUIFANG_DATA_DIR ?= $(CURDIR)/var
PG_TEST_DB ?= test_huifang_$(shell pwd | md5sum | cut -c1-8)
PG_URL ?= postgres://$(shell id -un)@/huifang?host=/var/run/postgresql
SIZE ?= 10000
PORT ?= 8000
DEMO ?= 1

.PHONY: run test install deps-test lint format test-sqlite test-browser test-postgres bench clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || PYTHON=python3; \
	  $$( command -v $(PYTHON) || command -v python3 ) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed

# make run PORT=8080 serves on another port; make run DEMO=0 serves the company in
# HUIFANG_DATA_DIR as it is, without loading the demo company into it.
run: install
	$(HUIFANG) collectstatic --noinput --verbosity 0
	$(HUIFANG) migrate --noinput
	$(if $(filter 0,$(DEMO)),,$(HUIFANG) demo)
	@echo "回访 is serving http://127.0.0.1:$(PORT) (the task worker runs beside it; Ctrl-C stops both)"
	@trap 'kill 0' INT TERM EXIT; \
	  export HUIFANG_PUBLIC_URL="$${HUIFANG_PUBLIC_URL:-http://127.0.0.1:$(PORT)}"; \
	  $(HUIFANG) db_worker --interval 0.5 & \
	  $(HUIFANG) runserver 127.0.0.1:$(PORT) --noreload

deps-test:
	bash scripts/system-deps.sh

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

test: install deps-test
	$(HUIFANG) collectstatic --noinput --verbosity 0
	$(MAKE) lint
	$(MAKE) -j2 --output-sync=target test-sqlite test-postgres  # one core each
	$(MAKE) test-browser

test-sqlite: install
	HUIFANG_DATABASE_URL= $(BIN)/pytest -q -m "not browser"

# The browser tests flush the live server's database: their own session keeps the seeded
# rows (business types, calendar, rules) of the other tests' database intact.
test-browser: install
	HUIFANG_DATABASE_URL= $(BIN)/pytest -q -m browser

# schemathesis (marked fuzz) runs once, in the SQLite suite: the API it checks is the same.
test-postgres: install
	bash scripts/postgres.sh
	HUIFANG_DATABASE_URL='$(PG_URL)' HUIFANG_TEST_DATABASE_NAME=$(PG_TEST_DB) \
	  $(BIN)/pytest -q -m "not browser and not fuzz" --create-db

bench: install
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/run.py --size $(SIZE)

clean:
	rm -rf $(VENV) node_modules var
