# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
REPS   ?= 300
SEED   ?= 20230401
OUT    ?= results

.PHONY: run test bench install clean

$(BIN)/recogsim: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/recogsim

run: install
	$(BIN)/recogsim run scenarios/baseline.yaml -n $(REPS) --seed $(SEED) --workers 0 --out $(OUT)

test: install
	MPLBACKEND=Agg $(BIN)/python -m pytest -n 2 -q

bench: install
	$(BIN)/python benchmarks/bench_ensemble.py 200
	$(BIN)/python benchmarks/bench_sweep.py 1000

clean:
	rm -rf $(VENV) results
