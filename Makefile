# Two commands on a fresh machine with only Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := wsgi

.PHONY: run test fuzz bench bench-faults bench-sign-in lint install

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

instance/secret_key:
	mkdir -p instance
	$(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > $@

## make run: SQLite in instance/, demo data on an empty database, the app on
## http://127.0.0.1:5000 with the outbox sender beside it (mail goes to instance/outbox/).
run: $(STAMP) instance/secret_key
	@export SECRET_KEY=$$(cat instance/secret_key) TIMEZONE=$${TIMEZONE:-America/New_York}; \
	$(BIN)/flask db upgrade && \
	$(BIN)/flask demo seed --if-empty && \
	( $(BIN)/flask outbox send --loop & SENDER=$$!; \
	  trap 'kill $$SENDER 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/flask run --host 127.0.0.1 --port 5000 )

## make test: the package stack (import-linter), the whole suite (SQLite; PostgreSQL too when
## TEST_DATABASE_URL is set), then schemathesis against the OpenAPI document on a live app (short budget).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pytest
	$(BIN)/python tests/fuzz/run_schemathesis.py --examples 10

## make fuzz: schemathesis with a larger budget, on SQLite and (TEST_DATABASE_URL) PostgreSQL.
fuzz: $(STAMP)
	$(BIN)/python tests/fuzz/run_schemathesis.py --examples 100 --postgres

## make bench: a million leads, then the hire-form POST and list pages through gunicorn;
## then `flask import leads` of 100,000 rows (SPEC §16); then each Insights figure at a
## million leads (SPEC §13).
bench: $(STAMP)
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.imports
	$(BIN)/python -m bench.insights

## make bench-faults: faults injected into the running app (docs/faults.md), a table per fault.
bench-faults: $(STAMP)
	$(BIN)/python -m bench.faults

## make bench-sign-in: median failed sign-in time, known against unknown email (SPEC §14).
bench-sign-in: $(STAMP)
	$(BIN)/python -m bench.sign_in_timing
