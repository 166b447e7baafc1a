"""In a real browser (issue 13, points 10, 11 and 13): the administrator publishes the monitor only
after confirming on a page naming region and reference date, enters the public text of a
municipality that parents then read, and JGZ opens the parents' overview. Every page is checked
with axe and screenshot (test-artifacts/browser/, names starting with "publish-"), as in
test_browser.py, whose fixtures and Person this walk uses."""
from __future__ import annotations

from ..factories import ApiClient, days_ago
from .test_browser import ARTIFACTS, Person, browser, live_server  # noqa: F401  (fixtures)


def test_publish_after_confirming_and_the_pages_for_parents(app, browser, live_server, world):  # noqa: F811
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    jgz_api = ApiClient.sign_in(app.test_client(), world.emails["jgz"])
    case = jgz_api.fire(jgz_api.register(given_name="Fenneke"), "indicate", criteria=["home_language"],
                        indication_date=days_ago(2))
    shots, problems = [], []
    admin = Person(browser, live_server, "publish-admin", shots, problems)
    admin.sign_in(world.emails["admin"])
    page = admin.page

    # 13. Publishing asks first, naming the region and the date; without the tick nothing happens.
    admin.go("/monitor/", "monitor")
    page.get_by_role("link", name="Publiceer de monitor op deze peildatum").click()
    admin.check("publiceren-bevestigen")
    heading = page.locator("h1").inner_text()
    assert "publiceren op peildatum" in heading and any(m in heading for m in ("jan", "feb", "mrt", "apr", "mei", "jun",
                                                                                "jul", "aug", "sep", "okt", "nov", "dec"))
    page.get_by_role("button", name="Publiceren").click()
    admin.check("publiceren-niet-bevestigd")
    assert "Vink aan" in page.locator(".error-summary").inner_text()
    assert page.locator("#f-confirm").get_attribute("aria-invalid") == "true"
    page.get_by_label("Ik publiceer de monitor").check()
    page.get_by_role("button", name="Publiceren").click()
    admin.check("gepubliceerd")
    assert "is gepubliceerd" in page.locator("main").inner_text()
    assert page.get_by_role("link", name="Publiceer de monitor op deze peildatum").count() == 0

    # 11. The municipality's words for parents, then the public page shows them.
    admin.go("/beheer/gemeenten", "beheer-gemeenten")
    page.get_by_role("link", name="Beverwijk", exact=True).click()
    admin.check("beheer-gemeente")
    page.get_by_label("Zo meldt u uw kind aan").fill("Bel het consultatiebureau in Beverwijk.")
    page.get_by_label("Contact met de JGZ").fill("JGZ Kennemerland, 023 789 1630")
    page.get_by_role("button", name="Opslaan").click()
    admin.check("beheer-gemeenten-opgeslagen")
    admin.go("/ve/GM0375", "publiek-beverwijk-tekst")
    main = page.locator("main").inner_text()
    assert "Bel het consultatiebureau in Beverwijk." in main and "JGZ Kennemerland" in main
    assert "Thuistaal niet Nederlands" not in main
    # The account menu leads to the second factor.
    page.get_by_role("link", name="Tweestapsverificatie").click()
    admin.check("tweestapsverificatie")

    # 10. The parents' overview reads as sentences.
    jgz = Person(browser, live_server, "publish-jgz", shots, problems)
    jgz.sign_in(world.emails["jgz"])
    jgz.go(f"/dossiers/{case['id']}/inzage", "inzage-ouders")
    text = jgz.page.locator("main").inner_text()
    assert "heeft Test jgz" in text and "transition:" not in text and "home_language" not in text

    csp = [line for person in (admin, jgz) for line in person.csp]
    for person in (admin, jgz):
        person.context.close()
    assert all(p.exists() for p in shots)
    assert not problems, "accessibility (axe, serious/critical):\n" + "\n".join(problems)
    assert not csp, "Content-Security-Policy violations or script errors:\n" + "\n".join(csp)
