"""The plot kinds the command line offers, by name: importable without matplotlib, so that the
command line can list them before anything is drawn. :mod:`.registry` builds each one."""

ENSEMBLE_KINDS: dict[str, str] = {
    "fan": "median and 50%/90% bands of one series over time",
    "survival": "Kaplan-Meier curve of time to the first de jure recognition",
    "distribution": "outcomes at the horizon across runs, per scenario",
    "states": "per-state probability of reaching each relation level",
    "missions": "posts abroad by controller over time",
}
SWEEP_KINDS: dict[str, str] = {
    "heatmap": "an outcome over two swept parameters",
    "response": "how one outcome responds to one parameter",
    "sensitivity": "Sobol' or Morris indices with their intervals",
    "distribution": "an outcome across runs, by design point",
}
FAN_SERIES: tuple[str, ...] = ("countries_taliban_presence", "missions_taliban", "de_jure_count", "legitimacy")
"""The series drawn as fan charts by default (``recogsim run``'s plots, the page's ensemble view)."""
