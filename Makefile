# sanji — run `make help` for the list of tasks.
# Only Python 3.11+ and make are needed: the first task creates .venv and installs into it.

# The first interpreter that really runs and is 3.11+ (pyenv shims may exist but refuse to run).
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { command -v $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.DEFAULT_GOAL := help
.PHONY: help install demo test test-fast bench bench-all bench-backup bench-certs bench-figures bench-lookup lint typecheck fmt openapi clean

.PHONY: help install demo test test-fast bench bench-certs bench-figures bench-lookup bench-exchange lint typecheck fmt openapi clean

help: ## List every task
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	@test -n "$(PYTHON)" || { echo "sanji needs Python 3.11 or newer (python3)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install sanji with pinned dependencies

demo: $(STAMP) ## Start the whole demo platform (hub 8000, towns 8101/8105, village 8201)
	$(BIN)/sanji demo

test: $(STAMP) ## Run the whole test suite (PostgreSQL too when SANJI_TEST_POSTGRES_URL is set)
	$(BIN)/python -m pytest

test-fast: $(STAMP) ## Run the tests without the slow multi-process ones
	$(BIN)/python -m pytest -m "not slow"

bench: $(STAMP) ## Sync benchmark: real processes on 127.0.0.1; exits 1 if a target is missed
	$(BIN)/python bench/sync.py

bench-certs: $(STAMP) ## Certificate verify() against Ed25519 alone, one core; exits 1 below target
	$(BIN)/python bench/certs.py

BENCH_PG_URL ?= $(SANJI_BENCH_POSTGRES_URL)
bench-figures: $(STAMP) ## Figures on 2M cases in PostgreSQL (BENCH_PG_URL=...); exits 1 above 300 ms
	$(BIN)/python bench/figures.py --url "$(BENCH_PG_URL)"

bench-backup: $(STAMP) ## Online backup of a hub with 1M case events; exits 1 above 60 s
	$(BIN)/python bench/backup.py

bench-lookup: $(STAMP) ## Certificate look-up on 1M certificates in local PostgreSQL; exits 1 above 20 ms p95
	$(BIN)/python bench/cert_lookup.py $(BENCH_LOOKUP_ARGS)

bench-all: $(STAMP) ## Every benchmark at full size (BENCH_PG_URL=...); summary in bench/last-run.md
	$(BIN)/python bench/run_all.py --pg-url "$(BENCH_PG_URL)"

bench-exchange: $(STAMP) ## Exchange backfill of a year (215,323 cases) in PostgreSQL (BENCH_PG_URL=...); exits 1 above 5 min or 60 s lag
	$(BIN)/python bench/exchange.py --url "$(BENCH_PG_URL)" $(BENCH_EXCHANGE_ARGS)

lint: $(STAMP) ## ruff check
	$(BIN)/ruff check .

typecheck: $(STAMP) ## mypy (strict for shared/ and services)
	$(BIN)/mypy shared county_hub town_node village_portal

fmt: $(STAMP) ## ruff format
	$(BIN)/ruff format .

openapi: $(STAMP) ## Rewrite the committed OpenAPI documents in docs/openapi/
	$(BIN)/python -m tests.openapi_snapshot --write

clean: ## Remove .venv, demo data and caches
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
