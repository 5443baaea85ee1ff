# Two commands matter: `make serve` and `make test`. Both build .venv on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: serve test lint fmt bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

serve: $(VENV)/.installed
	$(BIN)/mockserver serve --scenarios scenarios --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed-test
	$(BIN)/ruff format --check mockserver tests
	$(BIN)/ruff check mockserver tests
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -n 2 -q

fmt: $(VENV)/.installed-test
	$(BIN)/ruff format mockserver tests
	$(BIN)/ruff check --fix mockserver tests

bench: $(VENV)/.installed-test
	$(BIN)/mockserver bench --matrix --output BENCHMARKS.md

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache
