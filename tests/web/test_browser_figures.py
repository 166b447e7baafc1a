"""In a real browser (as tests/web/test_browser.py): the admin enters a municipality's yearly
figures, corrects them after a refusal, sets a target and adds a municipality to the region;
the monitor then shows the figures. axe on every page; screenshots into test-artifacts/browser."""
from __future__ import annotations

import datetime as dt

from toeleiding import clock

from .test_browser import ARTIFACTS, Person, browser, live_server  # noqa: F401  (fixtures)


def test_admin_enters_figures_targets_and_a_municipality(browser, live_server, world):  # noqa: F811
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shots, problems = [], []
    admin = Person(browser, live_server, "figures-admin", shots, problems)
    page = admin.page
    admin.sign_in(world.emails["admin"])
    year = clock.today().year

    admin.go(f"/beheer/jaarcijfers?jaar={year}", "jaarcijfers")
    assert "niet ingevoerd" in page.locator("main").inner_text()
    page.get_by_role("link", name="Beverwijk").click()
    admin.check("jaarcijfers-beverwijk")
    page.get_by_label("Doelgroep CBS (aantal kinderen)").fill("130")
    page.get_by_label("Doelgroep volgens JGZ (aantal kinderen)").fill("241")
    page.get_by_label("GOAB-budget (euro)").fill("2424145,50")
    page.get_by_label("Peuters van 2,5 tot 4 jaar (alle kinderen)").fill("veel")
    page.get_by_label("VE-plaatsen").fill("300")
    page.get_by_role("button", name="Opslaan").click()
    admin.check("jaarcijfers-fout")
    assert page.locator(".error-summary").is_visible()
    page.get_by_label("Peuters van 2,5 tot 4 jaar (alle kinderen)").fill("400")
    page.get_by_role("button", name="Opslaan").click()
    admin.check("jaarcijfers-opgeslagen")
    row = page.locator("tr", has=page.get_by_role("link", name="Beverwijk"))
    assert "241" in row.inner_text() and "2424145.50" in row.inner_text()
    page.get_by_role("link", name="Beverwijk").click()
    admin.check("jaarcijfers-geschiedenis")
    assert "Test admin" in page.locator("main").inner_text()

    admin.go("/beheer/doelen", "doelen")
    page.get_by_label("Doel", exact=True).select_option("all_toddlers")
    page.get_by_label("Percentage").fill("90")
    page.get_by_label("Vanaf").fill(f"{year}-01-01")
    page.get_by_role("button", name="Vastleggen").click()
    admin.check("doelen-vastgelegd")
    assert "90.0%" in page.locator("main").inner_text()

    admin.go("/beheer/regio-indeling", "regio-indeling")
    page.get_by_label("CBS-code", exact=True).fill("GM0716")
    page.get_by_label("Naam", exact=True).fill("Tholen")
    page.get_by_label("Hoort bij de regio vanaf").fill((clock.today() + dt.timedelta(days=60)).isoformat())
    page.get_by_role("button", name="Toevoegen").click()
    admin.check("regio-indeling-toegevoegd")
    assert "Tholen" in page.locator("main").inner_text()

    last_month = clock.today().replace(day=1) - dt.timedelta(days=1)
    if last_month.year == year:
        admin.go(f"/monitor/?peildatum={last_month.isoformat()}", "monitor-met-jaarcijfers")
        assert page.locator("#figures-not-entered").is_visible()   # Heemskerk has none
        assert "Tholen" not in page.locator("main").inner_text()     # not yet in the region

    admin.context.close()
    assert all(p.exists() for p in shots)
    assert not problems, "accessibility (axe, serious/critical):\n" + "\n".join(problems)
    assert not admin.csp, "Content-Security-Policy violations or script errors:\n" + "\n".join(admin.csp)
