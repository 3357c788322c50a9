# fedcat — the two commands a fresh machine needs: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOME_DIR ?= .fedcat
HOST ?= 127.0.0.1
PORT ?= 8000
BENCH_SIZE ?= smoke

.PHONY: install sysdeps demo demo-build test lint typecheck pytest bench-smoke bench clean

$(VENV)/.installed: pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || PYTHON=python3; \
	  test -x $(PY) || $${PYTHON:-python3} -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

install: $(VENV)/.installed ## Create .venv with pinned dependencies

# Debian packages the tests drive for real: PostgreSQL, Chromium (browser tests), Virtuoso (remote store).
# Virtuoso itself is installed by scripts/virtuoso.sh (it needs a preseeded password) when its tests start.
sysdeps:
	@missing=""; \
	  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	  command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	  if [ -n "$$missing" ]; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	  fi

demo-build: install ## Build the demo node in $(HOME_DIR): generate sources and data, harvest them
	$(PY) -m demo.build --home $(HOME_DIR) $(DEMO_ARGS)

demo: demo-build ## Install, build the demo node, harvest it and serve it on http://$(HOST):$(PORT)
	$(VENV)/bin/fedcat serve --home $(HOME_DIR) --host $(HOST) --port $(PORT)

lint: install
	$(VENV)/bin/ruff check catalogue harvesters quality access vocabularies demo tests benchmarks
	$(VENV)/bin/ruff format --check catalogue harvesters quality access vocabularies demo tests benchmarks

typecheck: install
	$(VENV)/bin/mypy

pytest: install sysdeps
	$(VENV)/bin/pytest -q

bench-smoke: install sysdeps
	$(PY) benchmarks/harvest.py --size smoke
	$(PY) benchmarks/sparql_endpoint.py --size smoke
	$(PY) benchmarks/discovery.py --size smoke
	$(PY) benchmarks/quality.py --size smoke
	$(PY) benchmarks/access.py --size smoke --no-readme
	$(PY) benchmarks/sandbox.py --size smoke
	$(PY) benchmarks/store_backends.py --size smoke
	$(PY) benchmarks/scale.py --size 10k --backends oxigraph,virtuoso

test: lint typecheck pytest bench-smoke ## Everything CI runs: ruff, mypy, the test suite, benchmarks at smoke size

bench: install ## The full benchmarks (minutes; prints the tables for benchmarks/README.md)
	$(PY) benchmarks/harvest.py --size full
	$(PY) benchmarks/sparql_endpoint.py --size 100k
	$(PY) benchmarks/discovery.py --size 100k
	$(PY) benchmarks/quality.py --size full
	$(PY) benchmarks/access.py --size full
	$(PY) benchmarks/sandbox.py --size full --readme
	$(PY) benchmarks/store_backends.py --size 10k

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
