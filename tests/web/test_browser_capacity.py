"""In a real browser (as tests/web/test_browser.py): a VE provider enters its location's places,
opening days, setting and programme, corrects them after a refusal, in Dutch and English; the
admin sees them on the location page; a parent sees the location free on the public page. axe
on every page; screenshots into test-artifacts/browser."""
from __future__ import annotations

from .test_browser import ARTIFACTS, Person, browser, live_server  # noqa: F401  (fixtures)


def test_provider_keeps_capacity_and_parents_see_a_free_place(browser, live_server, world):  # noqa: F811
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shots, problems = [], []
    ve = Person(browser, live_server, "capacity-ve", shots, problems)
    page = ve.page
    ve.sign_in(world.emails["ve"])

    ve.go("/organisatie/locaties", "capaciteit-locaties")
    page.get_by_role("link", name="Duinroos Centrum").click()
    ve.check("capaciteit-locatie")
    page.get_by_label("VE-plaatsen").fill("zestien")
    page.get_by_label("maandag").check()
    page.get_by_label("dinsdag").check()
    page.get_by_label("Soort opvang").select_option("peuteropvang")
    page.get_by_label("VE-programma").select_option("piramide")
    page.get_by_role("button", name="Opslaan").click()
    ve.check("capaciteit-fout")
    assert page.locator(".error-summary").is_visible()
    assert page.get_by_label("maandag").is_checked()   # what was typed stays
    page.get_by_label("VE-plaatsen").fill("16")
    page.get_by_role("button", name="Opslaan").click()
    ve.check("capaciteit-opgeslagen")
    row = page.locator("tr", has=page.get_by_role("link", name="Duinroos Centrum"))
    assert "16" in row.inner_text() and "maandag, dinsdag" in row.inner_text()

    ve.go(f"/organisatie/locaties/{world.ids['loc']}", "capaciteit-gewijzigd")
    assert "Laatst gewijzigd op" in page.locator("main").inner_text()

    # The same page in English.
    page.get_by_role("button", name="English").click()
    ve.check("capacity-english")
    assert page.get_by_label("VE places", exact=False).input_value() == "16"
    assert page.get_by_label("Monday").is_checked()

    admin = Person(browser, live_server, "capacity-admin", shots, problems)
    admin.sign_in(world.emails["admin"])
    admin.go(f"/beheer/locaties/{world.ids['loc']}", "capaciteit-beheer")
    assert admin.page.get_by_label("VE-plaatsen").input_value() == "16"

    parent = Person(browser, live_server, "capacity-parent", shots, problems)
    parent.go("/ve/GM0375", "capaciteit-publiek")
    assert "Plaats vrij" in parent.page.locator("main").inner_text()

    for person in (ve, admin, parent):
        person.context.close()
    assert all(p.exists() for p in shots)
    assert not problems, "accessibility (axe, serious/critical):\n" + "\n".join(problems)
    assert not any(p.csp for p in (ve, admin, parent)), "CSP violations or script errors"
