"""The page's routes: what ``solara run recogsim.page.app`` serves (``recogsim explore`` starts it)."""

from __future__ import annotations

import solara

from .ensemble import Ensemble
from .one_run import OneRun
from .results import Results

routes = [
    solara.Route(path="/", component=OneRun, label="One run"),
    solara.Route(path="ensemble", component=Ensemble, label="Ensemble"),
    solara.Route(path="results", component=Results, label="Results"),
]
