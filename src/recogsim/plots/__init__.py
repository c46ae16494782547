"""Figures of ensembles and sweeps. Each function takes data and ``ax=None`` and returns the axes;
``plot_kind`` and ``plot_sweep_kind`` build the figures the command line saves."""

from ..analysis.statistics import kaplan_meier, level_probabilities, quantiles
from .common import pretty
from .ensemble import (
    OUTCOMES,
    fan_chart,
    missions_by_controller,
    outcome_distribution,
    state_levels,
    survival_curve,
)
from .registry import KINDS, SWEEP_KINDS, plot_kind, plot_sweep_kind
from .sweep import SweepPlotError, point_distributions, sensitivity_bars, sweep_heatmap, sweep_response

__all__ = [
    "KINDS",
    "OUTCOMES",
    "SWEEP_KINDS",
    "SweepPlotError",
    "fan_chart",
    "kaplan_meier",
    "level_probabilities",
    "missions_by_controller",
    "outcome_distribution",
    "plot_kind",
    "plot_sweep_kind",
    "point_distributions",
    "pretty",
    "quantiles",
    "sensitivity_bars",
    "state_levels",
    "survival_curve",
    "sweep_heatmap",
    "sweep_response",
]
