# Every task a person or CI runs, by name. Each target creates or reuses .venv.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
sources := volt_sdk tests bench codegen examples scripts
SCHEMA := queries/schema.graphql

.PHONY: help install generate generate-check lint format typecheck typecheck-dist test mutation bench check demo clean schema schema-pull schema-diff \
	docs docs-serve dist test-dist redis-server release-check api-check workflows-lint deps-check test-lowest

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)  ## Create .venv and install the package with its dev tools

generate: $(STAMP)  ## Regenerate generated/volt_sdk_graphql from queries/, then the blocking client from the async one
	$(PY) -m codegen.generate

generate-check: $(STAMP)  ## Fail if generated/ or the blocking client and executor differ from what their sources produce
	$(PY) -m codegen.generate --check

lint: $(STAMP)  ## ruff: lint and formatting check
	$(VENV)/bin/ruff check $(sources)
	$(VENV)/bin/ruff format --check $(sources)

format: $(STAMP)  ## ruff: fix imports and format
	$(VENV)/bin/ruff check --fix $(sources)
	$(VENV)/bin/ruff format $(sources)

typecheck: $(STAMP)  ## mypy --strict (package, generated code, tests) and pyright (public API)
	$(VENV)/bin/mypy
	$(VENV)/bin/pyright

typecheck-dist: $(STAMP)  ## The built wheel in a fresh venv: top-level names, volt --help, mypy/pyright --strict on tests/typing/usage.py
	bash scripts/typecheck_dist.sh

test: $(STAMP) redis-server  ## Run the test suite
	$(PY) -m pytest

# The tests of what a fleet shares start a real redis-server on loopback (tests/redis_server.py);
# a fresh machine gets Debian's package here, so that `make test` keeps the README's promise.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
redis-server:  ## Install Debian's redis-server when it is missing (the tests start their own)
	@command -v redis-server > /dev/null || { \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq redis-server > /dev/null; }

# scripts/mutation.py (docs/mutation.md): a clean mutmut run, then per module killed/scored
# and every surviving mutant; fails when a module kills under 95% of its mutants.
mutation: $(STAMP)  ## Mutation testing of the delivery rules (mutmut): fail under 95% killed per module
	$(PY) scripts/mutation.py

bench: $(STAMP)  ## Run every benchmark (ratios against same-run baselines), write docs/benchmarks.md
	$(PY) bench/run_all.py

schema: schema-pull  ## Introspect VOLT_API_URL (token: VOLT_API_TOKEN) into queries/schema.graphql, then regenerate
	$(MAKE) --no-print-directory generate

schema-pull: $(STAMP)  ## Introspect VOLT_API_URL into queries/schema.graphql only (no regeneration)
	$(VENV)/bin/volt schema pull --output $(SCHEMA)

# OLD defaults to the committed schema (git HEAD), NEW to the working copy;
# MARKDOWN=1 prints the report as Markdown. Exit status 2 (make's) when it breaks us.
schema-diff: $(STAMP)  ## Breaking changes OLD -> NEW and the operations they break (OLD=, NEW=, MARKDOWN=1)
	@old="$(OLD)"; \
	if [ -z "$$old" ]; then \
		old=$$(mktemp); trap 'rm -f "$$old"' EXIT; \
		git show HEAD:$(SCHEMA) > "$$old"; \
	fi; \
	$(VENV)/bin/volt schema diff "$$old" "$(or $(NEW),$(SCHEMA))" $(if $(MARKDOWN),--markdown)

docs: $(STAMP)  ## Build the documentation site (MkDocs Material, mkdocstrings) into site/, --strict
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir site

docs-serve: $(STAMP)  ## Serve the documentation site on 127.0.0.1:8000, rebuilt on every change
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs serve --dev-addr 127.0.0.1:8000

dist: $(STAMP)  ## Build the sdist and the wheel once into dist/, then twine check and check-wheel-contents
	bash scripts/dist.sh

test-dist: dist redis-server  ## The built wheel in a fresh venv: the typed-usage check and the sandbox e2e tests
	bash scripts/test_dist.sh

# TAG defaults to the version tag of HEAD (git describe --exact-match).
release-check: $(STAMP)  ## A release tag matches volt_sdk/_version.py and CHANGELOG.md has its entry (TAG=vX.Y.Z)
	$(PY) scripts/release_check.py $(TAG)

api-check: $(STAMP)  ## The public API against the last release: an incompatible change needs a CHANGELOG "Breaking" entry
	$(PY) scripts/api_check.py

workflows-lint: $(STAMP)  ## zizmor and actionlint on .github/workflows (0 findings)
	bash scripts/lint_workflows.sh

deps-check: $(STAMP)  ## deptry: every import declared, every dependency used (exceptions in pyproject.toml)
	$(VENV)/bin/deptry .

test-lowest: redis-server  ## The suite on the lowest versions pyproject.toml allows, in .venv-lowest
	bash scripts/test_lowest.sh

check: generate-check lint typecheck docs deps-check workflows-lint api-check test-dist test  ## What .ci/run runs (but mutation)

demo: $(STAMP)  ## Main job: start the sandbox, send the documented example SMS with the CLI, show its delivery
	bash scripts/demo.sh

clean:  ## Remove the virtual environment and caches
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
