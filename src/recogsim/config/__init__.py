"""Inputs: the scenario schema and its loading, parameter paths, experiment files and designs.

The lowest layer: it knows nothing of the model, of runs or of results.
"""
