# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
REPS   ?= 300
SEED   ?= 20230401
OUT    ?= results

CHROMIUM := /usr/bin/chromium
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint bench examples install clean screenshots

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

# The page's browser test drives Debian's Chromium, installed here from Debian's packages when
# missing (Playwright never downloads a browser: its tests launch this executable).
$(CHROMIUM):
	$(SUDO) apt-get install -y -q --no-install-recommends chromium || \
	  { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q --no-install-recommends chromium; }

test: lint $(CHROMIUM)
	MPLBACKEND=Agg $(BIN)/python -m pytest -n 2 -q

# The README's screenshots of the page, taken by the browser test's own Chromium.
screenshots: install $(CHROMIUM)
	MPLBACKEND=Agg $(BIN)/python docs/screenshots.py

bench: install
	$(BIN)/python benchmarks/bench_engines.py
	$(BIN)/python benchmarks/bench_ensemble.py 200
	$(BIN)/python benchmarks/bench_sweep.py 1000

# The README's worked examples: their numbers and the figures in docs/img (about 6 minutes on 2 cores),
# measured with the Mesa engine (--engine mesa).
examples: install
	rm -rf results/example results/sweeps/crackdown_vs_conditions results/sweeps/sobol_baseline
	$(BIN)/recogsim run scenarios/baseline.yaml scenarios/tajik_deal.yaml -n 300 --seed 1 --workers 0 --out results/example --engine mesa
	$(BIN)/recogsim plot results/example/baseline results/example/tajik_deal --kind fan --series countries_taliban_presence -o docs/img/example_fan_presence.png
	$(BIN)/recogsim plot results/example/baseline results/example/tajik_deal --kind states -o docs/img/example_states.png
	$(BIN)/recogsim sweep experiments/crackdown_vs_conditions.yaml --engine mesa
	$(BIN)/recogsim analyze results/sweeps/crackdown_vs_conditions
	$(BIN)/recogsim plot results/sweeps/crackdown_vs_conditions --kind heatmap --outcome missions_taliban -o docs/img/example_grid_heatmap.png
	$(BIN)/recogsim sweep experiments/sobol_baseline.yaml --engine mesa
	$(BIN)/recogsim analyze results/sweeps/sobol_baseline --outcome missions_taliban
	$(BIN)/recogsim analyze results/sweeps/sobol_baseline --outcome recognized
	$(BIN)/recogsim plot results/sweeps/sobol_baseline --kind sensitivity --outcome missions_taliban -o docs/img/example_sobol_missions.png
	rm -rf results/discover
	$(BIN)/recogsim discover results/sweeps/sobol_baseline --where "first_recognition_month <= 36" --name recognition_36 --out results/discover
	$(BIN)/recogsim discover results/example/baseline --where "western_missions_taliban >= 3" --name western_posts --out results/discover
	cp results/discover/discover_recognition_36_limits.png docs/img/example_discover_limits.png
	cp results/discover/discover_recognition_36_scatter.png docs/img/example_discover_scatter.png

clean:
	rm -rf $(VENV) results
