"""Statistics of finished runs: distributions over replications, survival, sweep summaries and
sensitivity indices. Reads results; never runs the model."""
