"""The README's screenshots of the page, taken by the browser test's own Chromium (``make screenshots``).

Serves this checkout (``recogsim explore scenarios/baseline.yaml``, after ``make run`` has written
``results/baseline``), then: the one-run view after 24 months, an ensemble of 200 runs of the
baseline, and the baseline's results folder with a scenario discovery on it. Writes
docs/img/explore_{one_run,ensemble,results}.png.
"""

from __future__ import annotations

import sys
from pathlib import Path

from recogsim.page import browser

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "img"


def main() -> None:
    if not (ROOT / "results" / "baseline" / "manifest.json").exists():
        sys.exit("docs/screenshots.py: results/baseline is missing: run `make run` first")
    with browser.serve(ROOT, ROOT / "scenarios" / "baseline.yaml") as url, browser.chromium() as chrome:
        page = chrome.new_page(viewport={"width": 1400, "height": 1000})
        browser.step_months(page, url, 24)
        page.screenshot(path=OUT / "explore_one_run.png")
        browser.run_ensemble(page, url, 200)
        page.screenshot(path=OUT / "explore_ensemble.png")
        browser.open_results(page, url, "results/baseline")
        page.get_by_text("ensemble: results/baseline").wait_for(timeout=browser.TIMEOUT_MS)
        page.get_by_label("Condition on run outcomes").fill("western_missions_taliban >= 3")
        page.get_by_role("button", name="Discover").click()
        page.get_by_text("these hold").first.wait_for(timeout=browser.TIMEOUT_MS)
        page.get_by_text("Scenario discovery: under").evaluate("card => card.scrollIntoView()")
        page.screenshot(path=OUT / "explore_results.png")
    for name in ("one_run", "ensemble", "results"):
        print(f"wrote {OUT / f'explore_{name}.png'}")


if __name__ == "__main__":
    main()
