"""Sampling designs, one module each, with ``fit``, ``sample`` and ``analyze`` side by side (as in SALib).

``fit(design, parameters)`` returns ``None`` or ``(key_path, message)`` when the design cannot be
built from those parameters; ``sample(design, parameters, seed)`` returns the design matrix (one
row per point, one column per parameter, values in the parameters' own units); ``analyze(design,
parameters, X, Y, seed)`` returns sensitivity indices as a DataFrame, or ``None`` for designs that
have none (grid, lhs: their per-point summaries are the analysis).
"""

from . import grid, lhs, morris, sobol

DESIGNS = {"grid": grid, "lhs": lhs, "sobol": sobol, "morris": morris}
