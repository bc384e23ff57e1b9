# Civic Space Academy: the commands a newcomer and CI use. `make help` lists them.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CONSTRAINTS := requirements/constraints.txt
HTMX_VERSION := 2.0.11
AXE_VERSION := 4.14.1
AXE := tests/browser/vendor/axe.min.js
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.DEFAULT_GOAL := help
.PHONY: help run serve test test-pg test-browser check lint fmt types layers i18n i18n-check vendor lock clean \
	bench bench-quick bench-scale bench-tools screenshots soak multihost

help:  ## show this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 16

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
	  || { echo "Python 3.11 or newer is needed (found: $$($(PYTHON) --version 2>&1))."; exit 1; }
	@$(PYTHON) -m venv $(VENV) \
	  || { echo "Could not create a virtual environment. On Debian/Ubuntu: sudo apt-get install python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e ".[dev]"
	@touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run  ## set up, migrate the SQLite database, load content and demo data, serve on :8000
	$(BIN)/academy migrate
	$(BIN)/academy demo
	$(BIN)/academy serve

serve: $(VENV)/.installed-run  ## serve without migrating or loading anything
	$(BIN)/academy serve

test: $(VENV)/.installed-dev $(AXE)  ## set up and run the whole test suite (SQLite; browser tests need chromium)
	$(BIN)/pytest $(PYTEST_ARGS)

test-pg: $(VENV)/.installed-dev $(AXE)  ## the whole suite on PostgreSQL ($$PG_TEST_URL)
	ACADEMY_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest $(PYTEST_ARGS)

test-browser: $(VENV)/.installed-dev $(AXE)  ## only the browser tests
	$(BIN)/pytest -m browser $(PYTEST_ARGS)

# Benchmarks (bench/README.md): they start the app themselves on fresh databases (SQLite, and PostgreSQL
# at $$ACADEMY_BENCH_PG_URL), load it with wrk, weigh pages in Debian's Chromium, and check the budgets.
bench: $(VENV)/.installed-dev bench-tools  ## the full benchmark (about 10 minutes): bench/report.md
	$(BIN)/python -m bench.run $(BENCH_ARGS)

bench-quick: $(VENV)/.installed-dev bench-tools  ## the quick benchmark (about 4½ minutes), every budget checked
	$(BIN)/python -m bench.run --quick $(BENCH_ARGS)

bench-scale: $(VENV)/.installed-dev  ## how page cost grows from 1,000 to 100,000 learners (about 30 minutes)
	$(BIN)/python -m bench.scale $(BENCH_ARGS)

multihost: $(VENV)/.installed-dev  ## two `academy serve` hosts (own data dirs) on one PostgreSQL database: sessions, CSRF, limits, content, media, daily jobs (not in CI)
	$(BIN)/python -m bench.multihost

soak: $(VENV)/.installed-dev  ## 50 learners for 5 minutes (locust) on PostgreSQL, then every acknowledged write found once (not in CI)
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e ".[soak]"
	$(BIN)/python -m bench.soak $(SOAK_ARGS)

# wrk (the load generator) and chromium (page weight) from Debian's packages, when they are missing.
screenshots: $(VENV)/.installed-dev bench-tools  ## phone-sized screenshots of the main pages, per role and language, into docs/screenshots/
	$(BIN)/python scripts/screenshots.py

bench-tools:
	@missing=""; command -v wrk >/dev/null 2>&1 || missing="wrk"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo"; \
	  echo "installing$$missing from Debian's packages"; \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# axe-core (accessibility rules for the browser tests), fetched from the npm registry at a pinned version.
$(AXE):
	@mkdir -p $(dir $(AXE)) $(VENV)/axe
	@cd $(VENV)/axe && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null 2>&1 \
	  && tar xzf axe-core-$(AXE_VERSION).tgz \
	  && cp package/axe.min.js package/LICENSE $(CURDIR)/$(dir $(AXE)) \
	  || echo "note: could not fetch axe-core with npm; the accessibility checks will be skipped"

check: lint types layers  ## ruff, codespell, mypy, hadolint, the layers (import-linter) and the structure rules

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/codespell
	$(BIN)/hadolint Dockerfile

fmt: $(VENV)/.installed-dev  ## format and autofix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

types: $(VENV)/.installed-dev
	$(BIN)/mypy

layers: $(VENV)/.installed-dev  ## the architecture's rules: import-linter's contracts, then scripts/check_structure.py
	$(BIN)/lint-imports --no-cache
	$(BIN)/python scripts/check_structure.py

i18n: $(VENV)/.installed-dev  ## extract strings, update the ky/ru/en catalogues, compile them
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k pgettext:1c,2 -k npgettext:1c,2,3 \
	  --ignore-dirs ".* __pycache__ node_modules" \
	  --no-location --sort-output --omit-header -o app/locale/messages.pot .
	$(BIN)/pybabel update -i app/locale/messages.pot -d app/locale --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d app/locale --statistics

vendor:  ## download the pinned htmx from the npm registry into app/static/vendor
	rm -rf $(VENV)/vendor && mkdir -p $(VENV)/vendor
	cd $(VENV)/vendor && npm pack --silent htmx.org@$(HTMX_VERSION) && tar xzf htmx.org-$(HTMX_VERSION).tgz
	cp $(VENV)/vendor/package/dist/htmx.min.js app/static/vendor/htmx/htmx.min.js
	cp $(VENV)/vendor/package/LICENSE app/static/vendor/htmx/LICENSE
	sha256sum app/static/vendor/htmx/htmx.min.js

lock: | $(BIN)/python  ## re-pin every dependency (after changing pyproject.toml)
	$(BIN)/pip install --quiet -e ".[dev]"
	$(BIN)/pip freeze --exclude-editable | grep -v '^-e ' > $(CONSTRAINTS)

clean:  ## remove the virtual environment and caches (keeps var/, your data)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts
