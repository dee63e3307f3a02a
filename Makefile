# Two commands do all the set-up: `make reports` and `make test`.
# Both build .venv when it is missing or when requirements.lock / pyproject.toml changed.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
RUN_ARGS ?=
# What `make reports` writes: the mid-term and the final evaluation (the final one once the
# returns of the target year are in the plan folder), in Chinese and English. RUN_ARGS given
# on the command line win, e.g. RUN_ARGS="--eval-year 2024 --lang zh".
EVALUATIONS ?= --eval-year midterm final --lang zh en

.PHONY: reports test lab lab-check bench lock lint sync-notebooks golden clean-generated

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name plan-eval --display-name "Plan evaluation (plan-eval)" >/dev/null
	@touch $(STAMP)

## Produce every report for every plan under data/raw/ (skips what has not changed).
reports: $(STAMP)
	$(BIN)/python -m analysis run --all --jobs $(JOBS) $(EVALUATIONS) $(RUN_ARGS)

## Run the whole test suite: unit tests, notebook validation (nbval) and hygiene checks.
test: $(STAMP)
	$(BIN)/ruff check analysis tests scripts
	$(BIN)/python -m pytest -q tests
	$(BIN)/python -m pytest -q -p no:cacheprovider --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg notebooks
	$(BIN)/python scripts/check_lab.py

## Start JupyterLab on the project with the project's kernel.
## As root (a container) it adds --allow-root; on Linux without a display (a server) it adds
## --no-browser: open the URL it prints (with its token) through `ssh -L 8888:localhost:8888 HOST`,
## or listen on the network with `make lab LAB_ARGS="--ip=0.0.0.0 --port=8888"`.
LAB_ROOT := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root,)
LAB_BROWSER := $(if $(and $(filter Linux,$(shell uname -s 2>/dev/null)),$(if $(DISPLAY)$(WAYLAND_DISPLAY),,x)),--no-browser,)
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=. $(LAB_ROOT) $(LAB_BROWSER) $(LAB_ARGS)

## Headless check of `make lab`: start JupyterLab, run every notebook through it, shut down.
lab-check: $(STAMP)
	$(BIN)/python scripts/check_lab.py

## Strip notebook outputs and rewrite the paired percent scripts (run before committing).
sync-notebooks: $(STAMP)
	$(BIN)/python scripts/sync_notebooks.py

## Re-run every notebook and store the golden cells' outputs (review the diff!).
golden: $(STAMP)
	$(BIN)/python scripts/update_golden.py

## Benchmark the pipeline (scripts/bench.py): the papermill loop against the runner, a no-op
## re-run, 1/2/4/8 plans, a Dask LocalCluster, where the time goes, peak memory, same outputs;
## prints the tables and writes them to docs/benchmark.md (BENCH_ARGS: e.g. --copies 1,2).
bench: $(STAMP)
	$(BIN)/python scripts/bench.py --markdown docs/benchmark.md $(BENCH_ARGS)

## Re-pin requirements.lock from requirements.in in a throw-away venv.
lock:
	rm -rf /tmp/plan-eval-lock && $(PYTHON) -m venv /tmp/plan-eval-lock
	/tmp/plan-eval-lock/bin/pip install --quiet -r requirements.in
	/tmp/plan-eval-lock/bin/pip freeze --exclude-editable > requirements.lock

lint: $(STAMP)
	$(BIN)/ruff check analysis tests scripts

clean-generated:
	rm -rf data/processed/*/ reports/*/
