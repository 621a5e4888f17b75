# Two commands matter (README): `make demo` and `make test`.
# Both install what they need: Debian packages (when run as root), a virtualenv in .venv, the project.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test demo lint typecheck pytest system-deps venv bench clean

test: system-deps $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The demo province: a hub and ROOMS rooms on simulated hardware, until Ctrl-C (issue 13).
ROOMS ?= 31
demo: system-deps $(STAMP)
	$(BIN)/appliance demo province --rooms $(ROOMS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Every benchmark, then docs/BENCHMARKS.md + plots (bench/run_all.py; BENCH_ARGS=--quick for a smoke run).
bench: system-deps $(STAMP)
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

system-deps:
	@bash scripts/install-system-deps.sh

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
