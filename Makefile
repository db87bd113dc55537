# Huifang: `make run` serves the demo company, `make test` runs the whole suite.
# Both start from a fresh clone: they create .venv, install Python packages from the hashed
# lock (requirements/lock.txt) and npm packages from package-lock.json and, for tests, the
# system packages (Chromium, CJK fonts, PostgreSQL) with apt where missing.
# `make lock` re-locks after a change to pyproject.toml, `make audit` checks the locks for
# known vulnerabilities, `make dist` builds the release wheel (docs/operators.md).

PYTHON ?= python3.11
PY := $(shell command -v $(PYTHON) || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements/lock.txt
# uv (make lock) and pip-audit (make audit) live in a virtualenv of their own, so that
# their dependencies never move the application's pins.
TOOLS := .venv-tools
HUIFANG := $(BIN)/huifang
export HUIFANG_DATA_DIR ?= $(CURDIR)/var
PG_TEST_DB ?= test_huifang_$(shell pwd | md5sum | cut -c1-8)
PG_URL ?= postgres://$(shell id -un)@/huifang?host=/var/run/postgresql
SIZE ?= 10000
PORT ?= 8000
DEMO ?= 1

.PHONY: run test install deps-test lint format test-sqlite test-browser test-postgres bench clean \
	lock audit dist screenshots

$(BIN)/python:
	$(PY) -m venv $(VENV)

# Every package with its locked hash (pip and setuptools included), then Huifang itself,
# editable, built by the lock's setuptools; pip check: pyproject.toml asks for nothing the
# lock lacks.
$(VENV)/.installed: $(BIN)/python pyproject.toml $(LOCK)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@$(BIN)/python -m pip check >/dev/null || { $(BIN)/python -m pip check; \
	  echo "pyproject.toml asks for packages $(LOCK) does not hold: run make lock" >&2; exit 1; }
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed

$(TOOLS)/.installed: requirements/tools.txt
	test -x $(TOOLS)/bin/python || $(PY) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --require-hashes -r requirements/tools.txt
	touch $@

# make lock: after a change to pyproject.toml's dependencies (the other pins stay where
# they still fit); make lock UPGRADE=1: everything to the newest release the ranges allow;
# make lock UPGRADE="django cryptography": those packages only. One lock for Linux, macOS
# and Windows, Python 3.11 to 3.13; runtime.txt (what a server installs) and bench.txt
# (make bench) keep lock.txt's versions.
UPGRADE ?=
UV_UPGRADE = $(if $(filter 1,$(UPGRADE)),--upgrade,$(foreach p,$(UPGRADE),--upgrade-package $(p)))
UV_COMPILE = $(TOOLS)/bin/uv pip compile --universal --python-version 3.11 --generate-hashes \
	--quiet --custom-compile-command "make lock" $(UV_UPGRADE)
lock: $(TOOLS)/.installed
	$(UV_COMPILE) pyproject.toml requirements/lock.in --extra test -o $(LOCK)
	$(UV_COMPILE) pyproject.toml -c $(LOCK) -o requirements/runtime.txt
	$(UV_COMPILE) pyproject.toml requirements/lock.in --extra test --extra bench -c $(LOCK) \
	  -o requirements/bench.txt
	$(UV_COMPILE) requirements/tools.in -o requirements/tools.txt

# Known vulnerabilities: pip-audit over the locks (bench.txt holds lock.txt and runtime.txt),
# npm audit over package-lock.json's production packages, less audit-ignore.txt. A database
# that does not answer fails it too (exit 2), unless AUDIT_UNREACHABLE=warn (make test:
# not every machine that runs the tests reaches the vulnerability databases).
AUDIT_UNREACHABLE ?= fail
audit: $(TOOLS)/.installed
	$(TOOLS)/bin/python scripts/audit.py --pip-audit $(TOOLS)/bin/pip-audit \
	  --lock requirements/bench.txt --lock requirements/tools.txt \
	  --unreachable $(AUDIT_UNREACHABLE)

# The release: a wheel carrying Tabler, its icons and ECharts (npm runs here, not on the
# server: it installs with pip alone), dist/requirements.txt (the runtime lock to install
# it with) and dist/SHA256SUMS. scripts/check-dist.sh installs and checks it.
dist: install
	rm -rf build/dist-stage dist
	$(BIN)/python scripts/stage-dist.py build/dist-stage
	SOURCE_DATE_EPOCH=$$(git log -1 --format=%ct) $(BIN)/python -m pip wheel --quiet --no-deps \
	  --no-build-isolation --wheel-dir dist build/dist-stage
	cp requirements/runtime.txt dist/requirements.txt
	cd dist && sha256sum huifang-*.whl requirements.txt > SHA256SUMS
	@echo "built $$(ls dist/huifang-*.whl) and dist/requirements.txt"

# make run PORT=8080 serves on another port; make run DEMO=0 serves the company in
# HUIFANG_DATA_DIR as it is, without loading the demo company into it. HUIFANG_DEMO follows
# DEMO (unless set): on, the demo's printed passwords work as they are; off, users created
# at the command line or by the demo change their password at the first login.
run: export HUIFANG_DEMO ?= $(if $(filter 0,$(DEMO)),0,1)
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
	$(MAKE) audit AUDIT_UNREACHABLE=warn
	$(MAKE) -j2 --output-sync=target test-sqlite test-postgres  # one core each
	$(MAKE) test-browser

test-sqlite: install
	HUIFANG_DATABASE_URL= $(BIN)/pytest -q -m "not browser"

# The browser tests flush the live server's database: their own session keeps the seeded
# rows (business types, calendar, rules) of the other tests' database intact.
test-browser: install
	HUIFANG_DATABASE_URL= $(BIN)/pytest -q -m browser

# The documentation's pictures: the browser tests that take them (tests/browser/test_screenshots.py)
# write docs/screenshots/*.png as they walk the demo company's pages.
screenshots: install deps-test
	HUIFANG_DATABASE_URL= HUIFANG_SCREENSHOT_DIR=$(CURDIR)/docs/screenshots \
	  $(BIN)/pytest -q -m browser tests/browser/test_screenshots.py

# schemathesis (marked fuzz) runs once, in the SQLite suite: the API it checks is the same.
test-postgres: install
	bash scripts/postgres.sh
	HUIFANG_DATABASE_URL='$(PG_URL)' HUIFANG_TEST_DATABASE_NAME=$(PG_TEST_DB) \
	  $(BIN)/pytest -q -m "not browser and not fuzz" --create-db

bench: install
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/bench.txt
	$(BIN)/python bench/run.py --size $(SIZE)

clean:
	rm -rf $(VENV) $(TOOLS) node_modules var build dist
