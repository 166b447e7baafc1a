"""In a real browser (issue 13, points 6, 8 and 9): the reminders inbox names each child, longest
overdue first; a search by part of a family name finds the child; a municipal user lands on the
monitor; a work-list tab and a status that exclude each other say so. axe on every page, the
screenshots in test-artifacts/browser/inbox/.
"""
from __future__ import annotations

import datetime as dt

import pytest

from toeleiding import clock

from ..factories import ApiClient, child
from . import test_browser
from .test_browser import Person, browser, live_server  # noqa: F401  (fixtures)

T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=clock.LOCAL_TZ)
NOW = dt.datetime(2026, 3, 9, 9, 0, tzinfo=clock.LOCAL_TZ)


@pytest.fixture
def artifacts(monkeypatch):
    folder = test_browser.ARTIFACTS / "inbox"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    monkeypatch.setattr(test_browser, "ARTIFACTS", folder)
    return folder


def _not_reached(jgz: ApiClient, given: str, family: str, day: dt.date, reason: str) -> dict:
    with jgz.client.application.app_context():
        data = child(given_name=given, family_name=family)
    r = jgz.post("/cases", {"municipality": "GM0375", "child": data})
    assert r.status_code == 201, r.json
    case = jgz.fire(r.json, "indicate", criteria=["home_language"], indication_date=day.isoformat())
    return jgz.fire(case, "report_not_reached", reason=reason, date=day.isoformat())


def test_inbox_names_the_child_and_search_finds_part_of_a_surname(browser, live_server, app, world,  # noqa: F811
                                                                  artifacts):
    # Two children not reached, reminded to CJG Beverwijk: Eva's reminder fell due first.
    app.config["CLOCK_NOW"] = T0
    jgz_api = ApiClient.sign_in(app.test_client(), world.emails["jgz"])
    _not_reached(jgz_api, "Eva", "van den Berg-Jansen", dt.date(2026, 2, 20), "no_contact")
    _not_reached(jgz_api, "Bram", "Voorbeeldsma", dt.date(2026, 2, 27), "no_contact")
    result = app.test_cli_runner().invoke(args=["reminders", "run", "--now", "2026-03-09T08:00"])
    assert "delivered 2," in result.output, result.output
    app.config["CLOCK_NOW"] = NOW
    shots, problems = [], []
    try:
        cjg = Person(browser, live_server, "cjg", shots, problems)
        cjg.sign_in(world.emails["cjg"])
        cjg.page.locator("a.reminder-badge").click()
        cjg.check("herinneringen")
        rows = cjg.page.locator("tbody tr")
        assert rows.count() == 2
        first, second = rows.nth(0).locator("td"), rows.nth(1).locator("td")
        assert first.nth(0).inner_text() == "Eva van den Berg-Jansen"
        assert first.nth(2).inner_text().startswith("17 dagen")
        assert second.nth(0).inner_text() == "Bram Voorbeeldsma"
        assert second.nth(2).inner_text().startswith("10 dagen")
        cjg.page.get_by_role("link", name="Eva van den Berg-Jansen").click()
        cjg.check("herinnering-dossier")
        assert "van den Berg-Jansen" in cjg.page.locator("main").inner_text()

        # The same inbox in English.
        cjg.page.goto("/reminders/")
        cjg.page.get_by_role("button", name="English").click()
        cjg.check("reminders-english")
        assert cjg.page.get_by_role("columnheader", name="Waiting").is_visible()
        assert cjg.page.locator("tbody tr").first.locator("td").nth(2).inner_text().startswith("17 days")

        # JGZ finds the child by part of the surname, without its tussenvoegsels.
        jgz = Person(browser, live_server, "jgz", shots, problems)
        jgz.sign_in(world.emails["jgz"])
        jgz.page.get_by_role("link", name="Zoeken").click()
        jgz.check("zoeken")
        jgz.page.get_by_role("textbox", name="Achternaam").fill("jans")
        jgz.page.get_by_role("button", name="Zoek op naam").click()
        jgz.check("zoeken-deel-achternaam")
        assert jgz.page.get_by_role("link", name="Eva van den Berg-Jansen").is_visible()
        jgz.page.get_by_role("textbox", name="Achternaam").fill("Berg")
        # The page before shows the same link: wait for the new one, or the check races the load.
        with jgz.page.expect_navigation():
            jgz.page.get_by_role("button", name="Zoek op naam").click()
        assert jgz.page.get_by_role("link", name="Eva van den Berg-Jansen").is_visible()

        # A tab and a status filter that exclude each other say so.
        jgz.go("/werkvoorraad?lijst=to_refer&status=placed", "werkvoorraad-sluiten-uit")
        assert "sluiten elkaar uit" in jgz.page.locator("main").inner_text()

        # A municipal user lands on the monitor.
        gemeente = Person(browser, live_server, "gemeente", shots, problems)
        gemeente.sign_in(world.emails["gemeente"])
        assert gemeente.page.url.endswith("/monitor/")
        for person in (cjg, jgz, gemeente):
            assert not person.csp, person.csp
        assert not problems, "\n".join(problems)
    finally:
        app.config["CLOCK_NOW"] = None
