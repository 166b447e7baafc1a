"""In a real browser (issue 12.5): after `flask demo`, a municipality's policy officer goes from the
monitor to the reach over time, sees a chart with a line per municipality and the region, picks
other reference dates, reads it in English too, and every page passes axe.

Shares the browser harness of test_browser.py (Playwright, Debian chromium, axe-core from the
app's origin, screenshots into test-artifacts/browser/).
"""
from __future__ import annotations

import base64
import re

from .test_browser import ARTIFACTS, Person, browser  # noqa: F401  (browser: the fixture)
from .test_browser_monitor_demo import demo_server  # noqa: F401  (the fixture)


def _charts(page) -> list[str]:
    sources = page.locator("figure.chart img").evaluate_all("imgs => imgs.map(i => i.getAttribute('src'))")
    return [base64.b64decode(s.split(",", 1)[1]).decode() for s in sources]


def test_a_gemeente_follows_reach_over_time_after_the_demo(browser, demo_server):  # noqa: F811
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shots, problems = [], []
    officer = Person(browser, demo_server, "trend-gemeente", shots, problems)
    page = officer.page
    officer.go("/aanmelden", "aanmelden")
    page.get_by_label("E-mailadres").fill("gemeente@ijmond.demo")
    page.get_by_label("Wachtwoord").fill("demo")
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_load_state("load")
    officer.go("/monitor/", "monitor")
    page.get_by_role("link", name="Bereik door de tijd").click()
    officer.check("bereik door de tijd")

    # No publication in the demo: the ends of the last twelve months, a chart per municipality and the region.
    assert page.get_by_role("heading", level=1).inner_text().startswith("Bereik door de tijd")
    headings = page.get_by_role("heading", level=2).all_inner_texts()
    assert headings[-1] == "Regio IJmond" and {"Beverwijk", "Heemskerk", "Velsen"} <= set(headings), headings
    svgs = _charts(page)
    assert len(svgs) == len(headings)
    region = svgs[-1]
    assert "Niets te tonen" not in region and re.search(r'<g id="line2d_\d+"', region), region[:400]
    assert page.locator("input[name=peildatum]:checked").count() == 12
    sizes = page.locator("figure.chart img").evaluate_all(
        "imgs => imgs.map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
    assert all(done and w > 200 and h > 100 for done, w, h in sizes), sizes
    # Each chart has a table of the same numbers, its rows headed by the date.
    assert page.locator("section table").count() == len(headings)

    # Three dates only: unticking all but three, the page shows those.
    boxes = page.locator("input[name=peildatum]:checked")
    while boxes.count() > 3:
        boxes.first.uncheck()
    page.get_by_role("button", name="Tonen").click()
    page.wait_for_load_state("load")
    officer.check("drie peildata")
    assert page.locator("section").first.locator("tbody tr").count() == 3
    assert page.url.count("peildatum=") == 3

    # A date a gemeente user may not read: the 422 page names the reference date.
    response = page.goto(re.sub(r"peildatum=[^&]+", "peildatum=2025-06-15", page.url, count=1))
    assert response.status == 422
    assert "peildatum" in page.locator("main").inner_text().lower()

    page.goto("/monitor/trend")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state("load")
    officer.check("reach over time")
    assert page.locator("h1").inner_text().startswith("Reach over time")
    assert "Reference dates" in page.locator("main").inner_text()

    assert not officer.csp, officer.csp
    assert not problems, "accessibility (axe, serious/critical):\n" + "\n".join(problems)
    officer.context.close()
