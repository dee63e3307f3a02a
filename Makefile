# Two commands do all the set-up: `make reports` and `make test`.
# Both build .venv when it is missing or when requirements.lock / pyproject.toml changed.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
RUN_ARGS ?=

.PHONY: reports test lab lab-check bench lock lint sync-notebooks golden clean-generated

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name plan-eval --display-name "Plan evaluation (plan-eval)" >/dev/null
	@touch $(STAMP)

## Produce every report for every plan under data/raw/ (skips what has not changed).
reports: $(STAMP)
	$(BIN)/python -m analysis run --all --jobs $(JOBS) $(RUN_ARGS)

## Run the whole test suite: unit tests, notebook validation (nbval) and hygiene checks.
test: $(STAMP)
	$(BIN)/ruff check analysis tests scripts
	$(BIN)/python -m pytest -q tests
	$(BIN)/python -m pytest -q -p no:cacheprovider --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg notebooks
	$(BIN)/python scripts/check_lab.py

## Start JupyterLab on the project with the project's kernel.
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=. $(LAB_ARGS)

## Headless check of `make lab`: start JupyterLab, run every notebook through it, shut down.
lab-check: $(STAMP)
	$(BIN)/python scripts/check_lab.py

## Strip notebook outputs and rewrite the paired percent scripts (run before committing).
sync-notebooks: $(STAMP)
	$(BIN)/python scripts/sync_notebooks.py

## Re-run every notebook and store the golden cells' outputs (review the diff!).
golden: $(STAMP)
	$(BIN)/python scripts/update_golden.py

## Benchmark the pipeline (see scripts/bench.py).
bench: $(STAMP)
	$(BIN)/python scripts/bench.py

## Re-pin requirements.lock from requirements.in in a throw-away venv.
lock:
	rm -rf /tmp/plan-eval-lock && $(PYTHON) -m venv /tmp/plan-eval-lock
	/tmp/plan-eval-lock/bin/pip install --quiet -r requirements.in
	/tmp/plan-eval-lock/bin/pip freeze --exclude-editable > requirements.lock

lint: $(STAMP)
	$(BIN)/ruff check analysis tests scripts

clean-generated:
	rm -rf data/processed/*/ reports/*/
