# Two commands matter (README): `make demo` and `make test`.
# Both install what they need: Debian packages (when run as root), a virtualenv in .venv, the project.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
WHEELHOUSE := dist/wheelhouse-$(VERSION)

.PHONY: test demo lint typecheck pytest system-deps room-deps venv bench clean lock wheelhouse i18n-extract \
	docs-config docs-shots soak

# The suite on every core, at most 4 workers (pytest-xdist), a file per worker at a time
# (loadfile: a module's fixtures live once and its tests run in order, e.g. the rollout's
# containers; loadgroup interleaved other files and tore them down). XDIST= runs serially.
# tests/audio (the sound driver itself) runs after, in a process of its own: in a worker
# that had run other files' sound simulators first, 10 of its tests heard the wrong room
# (the process-wide PortAudio/ALSA state); not yet understood, see the note of 2026-12-04.
XDIST ?= -n auto --maxprocesses=4 --dist loadfile

test: system-deps $(STAMP) $(WHEELHOUSE).tar
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest $(XDIST) --ignore=tests/audio $(PYTEST_ARGS)
	$(BIN)/python -m pytest tests/audio $(PYTEST_ARGS)

# The demo province: a hub and ROOMS rooms on simulated hardware, until Ctrl-C (issue 13).
ROOMS ?= 31
demo: system-deps $(STAMP)
	$(BIN)/appliance demo province --rooms $(ROOMS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) $(WHEELHOUSE).tar
	$(BIN)/python -m pytest $(XDIST) --ignore=tests/audio $(PYTEST_ARGS)
	$(BIN)/python -m pytest tests/audio $(PYTEST_ARGS)

# Every benchmark, then docs/BENCHMARKS.md + plots (bench/run_all.py; BENCH_ARGS=--quick for a smoke run).
# The 31-room soak (tests/reliability/test_soak.py): hub + 31 agents under operators for
# SOAK_SECONDS (120); part of `make test`, `make soak` runs it alone.
soak: system-deps $(STAMP)
	$(BIN)/python -m pytest -m soak tests/reliability/test_soak.py $(PYTEST_ARGS)

bench: system-deps $(STAMP)
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

# Translating (README "Dịch / Translating", appliance/i18n/__init__.py): the keys the code
# asks for into appliance/locale/messages.pot (babel.cfg; what the code builds at run time
# is kept from the vi catalogue), new ones added empty to the vi and en .po files, then
# the python-brace-format flags `pybabel update` drops put back. Run from the checkout:
# `python -m` puts it first on sys.path, where babel.cfg's extractors live.
PYBABEL := $(BIN)/python -m babel.messages.frontend
LOCALE := appliance/locale
i18n-extract: $(STAMP)
	$(PYBABEL) --quiet extract -F babel.cfg --sort-output --width 100 \
		--project room-appliance --copyright-holder "room-appliance contributors" \
		-o $(LOCALE)/messages.pot .
	$(PYBABEL) --quiet update -i $(LOCALE)/messages.pot -d $(LOCALE) -D messages \
		--width 100 --no-fuzzy-matching
	$(BIN)/python -m appliance.i18n.extract $(LOCALE)

# docs/CONFIG.md from the config models (tests/test_config_reference.py fails when it is stale).
docs-config: $(STAMP)
	$(BIN)/python scripts/config_reference.py

# The guides' screenshots (docs/img, committed): the dashboard's browser tests save named
# PNGs there too (tests/support/browser.py docs_shot), then optipng when Debian has it.
DOCS_SHOTS ?= docs/img
docs-shots: system-deps $(STAMP)
	APPLIANCE_DOCS_SHOTS=$(DOCS_SHOTS) $(BIN)/python -m pytest -n 2 --dist loadfile \
		tests/dashboard/test_dashboard.py tests/dashboard/test_admin_pages.py \
		tests/dashboard/test_scenes_page.py
	@if command -v optipng >/dev/null; then optipng -quiet -o2 $(DOCS_SHOTS)/*.png; \
	else echo "optipng not installed: PNGs left as written (apt-get install optipng)"; fi

system-deps:
	@bash scripts/install-system-deps.sh

# The Debian packages of a room PC (the same list Ansible installs: packaging/room-packages.txt).
room-deps:
	@bash scripts/install-system-deps.sh packaging/room-packages.txt

# Deploying (README "Deploying to the rooms"): the project's wheel and every runtime
# dependency as wheels, pinned by packaging/constraints.txt, for rooms with no internet.

lock: $(STAMP)
	$(BIN)/python packaging/lock.py > packaging/constraints.txt

# Always rebuilt (the project's wheel is built from the current source).
wheelhouse:
	rm -f $(WHEELHOUSE).tar
	$(MAKE) --no-print-directory $(WHEELHOUSE).tar

# The tests need the dependency wheels (tests/support/wheels.py builds its own project
# wheels offline): made once, again when the pins change.
$(WHEELHOUSE).tar: $(STAMP) pyproject.toml packaging/constraints.txt
	rm -rf $(WHEELHOUSE) $(WHEELHOUSE).tar
	$(BIN)/python -m pip wheel --quiet --wheel-dir $(WHEELHOUSE) \
		--constraint packaging/constraints.txt .
	$(BIN)/python packaging/check_wheelhouse.py $(WHEELHOUSE) packaging/constraints.txt
	tar -C dist -cf $(WHEELHOUSE).tar $(notdir $(WHEELHOUSE))
	@echo "$(WHEELHOUSE).tar"

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

clean:
	rm -rf $(VENV) dist build .mypy_cache .ruff_cache .pytest_cache .hypothesis
