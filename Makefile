# Segregation indicator pipeline. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3.11
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(shell command -v uv 2>/dev/null || echo $(TOOLS)/bin/uv)
export UV_PYTHON_DOWNLOADS := never
# Compile the dependencies' bytecode once at install: Python would otherwise compile Dagster,
# pandas and Plotly on every start where it cannot or may not cache (PYTHONDONTWRITEBYTECODE).
export UV_COMPILE_BYTECODE := 1
export DAGSTER_HOME := $(CURDIR)/.dagster_home
HOST ?= 127.0.0.1
PORT ?= 3000
NOTEBOOK_PORT ?= 8888
NOTEBOOK_ARGS ?=

.PHONY: help setup run test test-fast dev notebook bench lint docs clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'
	@echo "Settings (environment): SEGREGATION_SOURCE=snapshot|live, SCB_API_URL, KOLADA_API_URL, SEGREGATION_RAW_DIR, SEGREGATION_MARTS_DIR (all in docs/configuration.md)"

# uv from PyPI into .tools/ (needs only pip, not the venv module).
$(TOOLS)/bin/uv:
	$(PYTHON) -m pip install --quiet --target $(TOOLS) uv==$(UV_VERSION)

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

setup: .venv/.synced ## install Python dependencies into .venv (from uv.lock)

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	@mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $@

run: setup $(DAGSTER_HOME)/dagster.yaml ## install, then materialise every asset on the bundled snapshot: marts and committee reports in data/marts/
	.venv/bin/segregation run

test: setup ## install, then run the whole test suite (one worker per core)
	.venv/bin/python -m pytest -n auto --dist loadgroup

test-fast: setup ## the quick loop: every test but the end-to-end ones (marked e2e)
	.venv/bin/python -m pytest -n auto --dist loadgroup -m "not e2e"

dev: setup $(DAGSTER_HOME)/dagster.yaml ## open the Dagster UI (webserver and daemon) on http://127.0.0.1:3000 (HOST=, PORT= to change)
	@echo "Dagster UI: http://$(HOST):$(PORT)  (DAGSTER_HOME=$(DAGSTER_HOME); Ctrl-C stops it)"
	@# run from DAGSTER_HOME so the instance's dagster.yaml is the one used (no warning about the
	@# project's copy); the code location is named `segregation` in workspace.yaml
	cd $(DAGSTER_HOME) && PYTHONWARNINGS=ignore::FutureWarning $(CURDIR)/.venv/bin/dagster dev -w $(CURDIR)/workspace.yaml -h $(HOST) -p $(PORT)

notebook: setup ## open JupyterLab on notebooks/ with the project's environment (runs `make run` first if no marts are published; NOTEBOOK_PORT= to change 8888, NOTEBOOK_ARGS= for more options)
	@# JupyterLab is not a project dependency: uv fetches it once into its cache and lays it over
	@# .venv, so the notebooks' kernel imports the pipelines package and its dependencies
	@test -f $${SEGREGATION_MARTS_DIR:-data/marts}/focus_area_indicator.parquet || $(MAKE) run
	$(UV) run --frozen --with jupyterlab jupyter lab --ip $(HOST) --port $(NOTEBOOK_PORT) $(NOTEBOOK_ARGS) notebooks/

bench: setup ## run the benchmarks and print their figures
	@# PySAL's segregation package, beside the project (not a dependency), for the index validation
	@test -d $(TOOLS)/pysal/segregation || $(UV) pip install --quiet --python .venv/bin/python \
		--target $(TOOLS)/pysal segregation \
		|| echo "PySAL's segregation package could not be installed: the index validation is skipped"
	.venv/bin/python -m benchmarks

lint: setup ## ruff lint and format check
	.venv/bin/ruff check pipelines tests benchmarks
	.venv/bin/ruff format --check pipelines tests benchmarks

docs: setup ## regenerate docs/marts.md from the column descriptions in sql/marts/*.sql
	.venv/bin/python -m pipelines.warehouse.reference

clean: ## remove generated marts, run history and the virtual environment
	rm -rf .venv $(TOOLS) $(DAGSTER_HOME) data/marts/.work
	find data/marts -type f ! -name .gitkeep -delete
