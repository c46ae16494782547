"""The tabs that lead from one view to another."""

from __future__ import annotations

import solara

VIEWS = (("/", "One run"), ("/ensemble", "Ensemble"), ("/results", "Results"))
"""The page's views: their paths (``app.routes``) and the names on their tabs."""


@solara.component
def Nav():
    """The views' tabs in the app bar, by name (Solara's own tabs would call the first "Home")."""
    router = solara.use_router()
    paths = [p for p, _ in VIEWS]
    here = "/" + router.path.strip("/")
    index = paths.index(here) if here in paths else 0
    with solara.AppBar(), solara.lab.Tabs(value=index, on_value=lambda i: router.push(paths[i])):
        for _, name in VIEWS:
            solara.lab.Tab(name)
