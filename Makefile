# HIS Analyzer — every command a newcomer needs. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
BATS ?= bats
BATS_ARGS ?= tests/bats

.DEFAULT_GOAL := help
.PHONY: help setup install run test lint format bench clean bytecode screenshots

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

NODE_STAMP := node_modules/.installed

$(STAMP): pyproject.toml $(NODE_STAMP) | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# TypeScript type-checks the configs exported as .ts; socket.io-client is the JavaScript client
# the e2e tests watch jobs with. Both pinned in package-lock.json.
$(NODE_STAMP): package-lock.json
	npm ci --no-audit --no-fund
	@touch $(NODE_STAMP)

setup: $(STAMP) ## Create the venv and install everything (run once; other targets do it for you)

install: ## Reinstall the package and its dependencies into the venv
	@rm -f $(STAMP)
	@$(MAKE) --no-print-directory $(STAMP)

run: $(STAMP) bytecode ## Create the demo on first run, then start the API (:8000) and dashboard (:8501)
	$(BIN)/his-analyzer run

# The Bash analyzer is tested by bats, on the same real databases, after pytest.
test: lint bytecode ## Lint, then the whole suite (unit, integration on real databases, e2e, bats)
	$(BIN)/pytest -n auto --dist loadfile $(PYTEST_ARGS)
	@command -v $(BATS) >/dev/null || { echo "bats is not installed (Debian: apt-get install bats)"; exit 1; }
	$(BATS) --timing $(BATS_ARGS)

screenshots: $(STAMP) bytecode ## Save a PNG of every dashboard page, with real data, to docs/screenshots/
	HIS_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(BIN)/pytest -q -p no:cacheprovider \
		tests/e2e/test_dashboard_pages_browser.py

# The project's own bytecode, compiled once: where the environment forbids writing it on import
# (PYTHONDONTWRITEBYTECODE), every `his-analyzer` a test starts would compile it all again.
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q -j 0 -x '/(\.venv|node_modules|data|\.git)/' . > /dev/null

lint: $(STAMP) ## ruff, the import contracts of the architecture (no cycles), shellcheck
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/shellcheck .ci/run $$(git ls-files --cached --others --exclude-standard '*.sh') \
		tests/bats/*.bats tests/bats/*.bash tests/bats/helpers/*.bash

format: $(STAMP) ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP) ## Run the benchmarks in bench/ (prints figures; not part of `make test`)
	@for script in bench/bench_*.py; do [ -e "$$script" ] || continue; echo "== $$script"; $(BIN)/python "$$script" || exit 1; done

# The data directory goes only when its store holds nothing but the demo: `demo clean` refuses
# (one line, exit 1) otherwise. It runs first because it needs the venv; the rest is removed
# either way, and the refusal is still make's exit status.
clean: ## Remove the venv, node_modules, caches, and the data directory if it holds only the demo
	@status=0; \
	if [ -x $(BIN)/his-analyzer ]; then $(BIN)/his-analyzer demo clean || status=$$?; \
	else echo "No venv to check the store with: the data directory is left as it is."; fi; \
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache .hypothesis build *.egg-info; \
	find . -name __pycache__ -type d -prune -exec rm -rf {} +; \
	exit $$status
