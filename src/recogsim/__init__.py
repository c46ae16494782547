"""recogsim: agent-based scenarios of the Taliban's bid for recognition through Afghanistan's posts abroad.

The public API, by layer (each name is imported on first use, so ``import recogsim`` stays light)::

    load_scenario, load_experiment            # config: scenario and experiment files
    RecognitionModel                          # model: one replication, step by step (Mesa)
    run_ensemble, run_ensemble_to, run_sweep  # runs: ensembles in memory or to a folder, sweeps
    write_results, load_results, load_sweep   # runs: results folders
    plots                                     # figures (matplotlib)
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("recogsim")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"

_EXPORTS = {
    "load_scenario": ("recogsim.config.loading", "load"),
    "load_experiment": ("recogsim.runs.plan", "load_experiment"),
    "RecognitionModel": ("recogsim.model.model", "RecognitionModel"),
    "run_ensemble": ("recogsim.runs.runner", "run_ensemble"),
    "run_ensemble_to": ("recogsim.runs.runner", "run_ensemble_to"),
    "run_sweep": ("recogsim.runs.runner", "run_sweep"),
    "write_results": ("recogsim.runs.store", "write_results"),
    "load_results": ("recogsim.runs.store", "load_results"),
    "load_sweep": ("recogsim.runs.store", "load_sweep"),
    "plots": ("recogsim.plots", None),
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'recogsim' has no attribute {name!r}")
    module, attr = _EXPORTS[name]
    value = importlib.import_module(module) if attr is None else getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
