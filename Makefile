# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
REPS   ?= 300
SEED   ?= 20230401
OUT    ?= results

.PHONY: run test lint bench install clean

$(BIN)/recogsim: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/recogsim

# --resume: a second `make run` reuses the finished baseline instead of refusing its folder;
# another REPS or SEED needs another OUT (the folder says which runs it holds).
run: install
	$(BIN)/recogsim run scenarios/baseline.yaml -n $(REPS) --seed $(SEED) --workers 0 --out $(OUT) --resume

# The same checks as .pre-commit-config.yaml: lint and format (ruff), types (mypy), layers (import-linter).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	MPLBACKEND=Agg $(BIN)/python -m pytest -n 2 -q

bench: install
	$(BIN)/python benchmarks/bench_ensemble.py 200
	$(BIN)/python benchmarks/bench_sweep.py 1000

clean:
	rm -rf $(VENV) results
