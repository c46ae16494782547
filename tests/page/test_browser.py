"""The page in a real browser: ``recogsim explore`` on a free port, Debian's Chromium through
Playwright. One run stepped through its 12 months, an ensemble run and downloaded, a results
folder opened and a folder outside the working directory refused; each time, what a person sees."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from recogsim import load_scenario, run_ensemble_to
from recogsim.page import browser

DATA = Path(__file__).parents[1] / "data"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """A working directory with one scenario and one finished results folder."""
    root = tmp_path_factory.mktemp("site")
    (root / "scenarios").mkdir()
    shutil.copy(DATA / "tiny.yaml", root / "scenarios" / "tiny.yaml")
    run_ensemble_to(load_scenario(root / "scenarios" / "tiny.yaml"), 12, root / "results" / "tiny", seed=3)
    return root


ERROR_BANNER = ".v-alert.error, .v-alert.error--text"
"""How solara.Error shows (Vuetify's alert of type error, filled or as text)."""


def _no_error_banner(page) -> None:
    banners = page.locator(ERROR_BANNER)
    assert banners.count() == 0, banners.all_inner_texts()
    assert "Traceback" not in page.inner_text("body")


def test_the_page_in_chromium(site: Path) -> None:
    states = len(load_scenario(site / "scenarios" / "tiny.yaml").states)
    with browser.serve(site) as url, browser.chromium() as chrome:
        page = chrome.new_page(viewport={"width": 1400, "height": 1000})

        # one run, month by month to its horizon: the Step button then stops
        browser.step_months(page, url, 12)
        assert page.get_by_text("The relation ladder, month 12").count() == 1
        assert page.locator("table.recogsim-ladder tbody tr").count() == states
        assert page.get_by_role("button", name="Step", exact=True).is_disabled()
        assert page.locator("img").count() >= 3  # posts by controller, counts over time, one state's terms
        assert re.search(r"Posts abroad, month 12: \d+ held by the Taliban", page.inner_text("body"))
        _no_error_banner(page)

        # an ensemble of a few runs, its figures and its results as a zip
        browser.run_ensemble(page, url, 8)
        body = page.inner_text("body")
        assert re.search(r"tiny\s+8\s", body), body[:2000]
        assert page.locator("img").count() >= 3  # fan chart, survival curve, ladder probabilities
        with page.expect_download() as download:
            page.get_by_role("button", name="Download the results (zip)").click()
        names = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes())).namelist()
        assert {"recogsim_ensemble/tiny/runs.parquet", "recogsim_ensemble/tiny/manifest.json"} <= set(names)
        _no_error_banner(page)

        # a results folder, then one outside the working directory
        browser.open_results(page, url, "results/tiny")
        page.get_by_text("ensemble: results/tiny").wait_for(timeout=browser.TIMEOUT_MS)
        assert re.search(r"tiny\s+12\s", page.inner_text("body"))
        _no_error_banner(page)
        page.get_by_label("Folder (inside the working directory)").fill("../elsewhere")
        page.get_by_role("button", name="Open", exact=True).click()
        page.get_by_text("outside the working directory").wait_for(timeout=browser.TIMEOUT_MS)
        assert page.locator(ERROR_BANNER).count() == 1  # the banner check above sees a banner when there is one
