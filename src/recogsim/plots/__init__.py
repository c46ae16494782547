"""Figures of ensembles and sweeps. Each function takes data and ``ax=None`` and returns the axes;
``plot_kind`` and ``plot_sweep_kind`` build the figures the command line saves.

Names are imported on first use, so ``recogsim.plots.kinds`` (the kinds' names) needs no matplotlib.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "kaplan_meier": "recogsim.analysis.statistics",
    "level_probabilities": "recogsim.analysis.statistics",
    "quantiles": "recogsim.analysis.statistics",
    "pretty": "recogsim.plots.common",
    "OUTCOMES": "recogsim.plots.ensemble",
    "fan_chart": "recogsim.plots.ensemble",
    "missions_by_controller": "recogsim.plots.ensemble",
    "outcome_distribution": "recogsim.plots.ensemble",
    "state_levels": "recogsim.plots.ensemble",
    "survival_curve": "recogsim.plots.ensemble",
    "KINDS": "recogsim.plots.registry",
    "SWEEP_KINDS": "recogsim.plots.registry",
    "plot_kind": "recogsim.plots.registry",
    "plot_sweep_kind": "recogsim.plots.registry",
    "SweepPlotError": "recogsim.plots.sweep",
    "point_distributions": "recogsim.plots.sweep",
    "sensitivity_bars": "recogsim.plots.sweep",
    "sweep_heatmap": "recogsim.plots.sweep",
    "sweep_response": "recogsim.plots.sweep",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'recogsim.plots' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
