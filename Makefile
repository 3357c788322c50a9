# fedcat — the two commands a fresh machine needs: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOME_DIR ?= .fedcat
HOST ?= 127.0.0.1
PORT ?= 8000
BENCH_SIZE ?= smoke

.PHONY: install demo demo-build test lint typecheck pytest bench-smoke bench clean

$(VENV)/.installed: pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || PYTHON=python3; \
	  test -x $(PY) || $${PYTHON:-python3} -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

install: $(VENV)/.installed ## Create .venv with pinned dependencies

demo-build: install ## Build the demo node in $(HOME_DIR): generate sources and data, harvest them
	$(PY) -m demo build --home $(HOME_DIR)

demo: demo-build ## Install, build the demo node, harvest it and serve it on http://$(HOST):$(PORT)
	$(VENV)/bin/fedcat serve --home $(HOME_DIR) --host $(HOST) --port $(PORT)

lint: install
	$(VENV)/bin/ruff check catalogue harvesters quality access vocabularies demo tests benchmarks
	$(VENV)/bin/ruff format --check catalogue harvesters quality access vocabularies demo tests benchmarks

typecheck: install
	$(VENV)/bin/mypy

pytest: install
	$(VENV)/bin/pytest -q

bench-smoke: install
	$(PY) benchmarks/harvest.py --size smoke
	$(PY) benchmarks/sparql_endpoint.py --size smoke

test: lint typecheck pytest bench-smoke ## Everything CI runs: ruff, mypy, the test suite, benchmarks at smoke size

bench: install ## The full benchmarks (minutes; prints the tables for benchmarks/README.md)
	$(PY) benchmarks/harvest.py --size full
	$(PY) benchmarks/sparql_endpoint.py --size 100k

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
