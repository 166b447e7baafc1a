"""In a real browser (issue 13.12): after `flask demo`, a municipality's policy officer opens the
monitor and sees four charts with bars in them, not empty frames, and the page passes axe.

Shares the browser harness of test_browser.py (Playwright, Debian chromium, axe-core from the
app's origin, screenshots into test-artifacts/browser/).
"""
from __future__ import annotations

import base64
import re
import threading

import pytest

from .test_browser import ARTIFACTS, Person, browser  # noqa: F401  (browser: the fixture)


@pytest.fixture
def demo_server(app):
    """The demo loaded into the test database, served on a free port of 127.0.0.1."""
    from werkzeug.serving import make_server
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()


def _charts(page) -> list[str]:
    sources = page.locator("figure.chart img").evaluate_all("imgs => imgs.map(i => i.getAttribute('src'))")
    return [base64.b64decode(s.split(",", 1)[1]).decode() for s in sources]


def test_a_gemeente_sees_charts_with_bars_after_the_demo(browser, demo_server):  # noqa: F811
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shots, problems = [], []
    officer = Person(browser, demo_server, "demo-gemeente", shots, problems)
    page = officer.page
    officer.go("/aanmelden", "aanmelden")
    page.get_by_label("E-mailadres").fill("gemeente@ijmond.demo")
    page.get_by_label("Wachtwoord").fill("demo")
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_load_state("load")
    officer.go("/monitor/", "monitor na de demo")

    main = page.locator("main").inner_text()
    assert "1 t/m 9" in main and "1 tot 10" not in main, main[:600]
    svgs = _charts(page)
    assert len(svgs) == 4
    for svg in svgs:
        assert "Niets te tonen" not in svg, svg[:400]
        assert len(re.findall(r'<g id="patch_\d+"', svg)) >= 4, svg[:400]   # bars, not only the frame
    # Every chart image has loaded and is drawn at a real size.
    sizes = page.locator("figure.chart img").evaluate_all(
        "imgs => imgs.map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
    assert all(done and w > 200 and h > 100 for done, w, h in sizes), sizes
    # The officer's own municipality shows real numbers beside the region, not only "<10".
    own = page.locator("table.table").first.inner_text()
    assert re.search(r"Doelgroep\s+\d{2,}", own), own[:400]

    officer.go("/monitor/?peildatum=" + page.locator("#peildatum option").nth(12).get_attribute("value"),
               "monitor een jaar terug")
    assert len(_charts(page)) == 4
    assert not officer.csp, officer.csp
    assert not problems, "accessibility (axe, serious/critical):\n" + "\n".join(problems)
    officer.context.close()
