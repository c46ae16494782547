"""The interactive page (``recogsim explore``): Solara, through Mesa's SolaraViz for one run.

Three views, one route each (:mod:`.app`): one run stepped month by month (:mod:`.one_run`), an
ensemble run from the page (:mod:`.ensemble`), and a results or sweep folder opened with its
plots, summary and scenario discovery (:mod:`.results`). The page sits at the top of the layers,
beside the command line: it reuses the runner, the analysis and the plot functions, and holds no
model logic of its own.
"""

import warnings

# Mesa 3.3's own ComponentsView trips Solara's hook check when Mesa's page is imported (a use_state
# after an early return that cannot happen once components are given): Mesa's to fix, not the
# user's to read.
warnings.filterwarnings("ignore", message=r".*solara_viz\.py.*ComponentsView", category=UserWarning)
