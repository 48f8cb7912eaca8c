# lpexec: `make demo` and `make test` do all the setup on a fresh machine with Python >= 3.11.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
PIP := $(BIN)/python -m pip --disable-pip-version-check

.PHONY: demo test lint bench bench-compare clean help
BASE ?= c6c52d5

help:
	@echo "make demo   - create .venv, install lpexec with every extra, run the demo on the paper venues"
	@echo "make test   - install the test extras, run lint and the whole test suite"
	@echo "make lint   - ruff, mypy (strict on core/) and the import-layer contracts"
	@echo "make bench  - run every benchmark in bench/ and print its figure"
	@echo "make bench-compare BASE=<rev> - engine, LP engine and backtest figures beside <rev>'s"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip setuptools wheel

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(PIP) install -q -e '.[all]'
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(PIP) install -q -e '.[dev,all]'
	touch $@ $(RUN_STAMP)

demo: $(RUN_STAMP)
	$(BIN)/lpexec demo

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/python -m pytest -q

bench: $(DEV_STAMP)
	@for script in bench/*.py; do \
		[ "$$script" = bench/compare.py ] && continue; \
		echo "== $$script"; PYTHONPATH=$(CURDIR) $(BIN)/python $$script || exit 1; \
	done

bench-compare: $(DEV_STAMP)
	$(BIN)/python bench/compare.py --base $(BASE)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
