"""In a real browser (issue 13, points 1 and 7): JGZ corrects a name, records a move and adds a
note; the CJG completes a parent's contact details. axe checks every page visited, the edit page
with and without errors; screenshots go to test-artifacts/browser/ (prefix ``edit-``)."""
from __future__ import annotations

from toeleiding import clock

from ..factories import days_ago
from .test_browser import ARTIFACTS, Person, browser, live_server  # noqa: F401  (fixtures)


def test_edit_a_name_record_a_move_and_add_a_note(browser, live_server, world, api):  # noqa: F811
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    jgz_api = api("jgz")
    case = jgz_api.fire(jgz_api.register(given_name="Bente", family_name="Fictiefsma"), "indicate",
                        criteria=["home_language"], indication_date=days_ago(20))
    case = jgz_api.fire(case, "report_not_reached", reason="no_contact", date=days_ago(3))
    shots, problems = [], []
    jgz = Person(browser, live_server, "edit-jgz", shots, problems)
    jgz.sign_in(world.emails["jgz"])
    page = jgz.page
    jgz.go(f"/dossiers/{case['id']}", "dossier")

    # 1. Correct the family name; an invalid postcode first shows its error at the field.
    page.get_by_role("link", name="Gegevens wijzigen of verhuizing vastleggen").click()
    jgz.check("wijzigen")
    assert page.locator("h1").inner_text() == "Gegevens wijzigen"
    page.get_by_label("Achternaam").fill("Fictiefstra")
    page.get_by_label("Postcode").fill("12")
    page.get_by_role("button", name="Wijzigingen opslaan").click()
    jgz.check("wijzigen-fout")
    assert "Ongeldige postcode" in page.locator("#f-postcode-error").inner_text()
    assert page.locator(".error-summary a[href='#f-postcode']").count() == 1
    assert page.get_by_label("Achternaam").input_value() == "Fictiefstra"   # what was typed stays
    page.get_by_label("Postcode").fill("1941 AB")
    page.get_by_role("button", name="Wijzigingen opslaan").click()
    jgz.check("gecorrigeerd")
    assert page.locator("h1").inner_text() == "Bente Fictiefstra"
    assert "De gegevens zijn gecorrigeerd." in page.locator("main").inner_text()
    assert "Gegevens gecorrigeerd" in page.locator(".timeline").inner_text()

    # 2. Record a move to Heemskerk from today.
    page.get_by_role("link", name="Gegevens wijzigen of verhuizing vastleggen").click()
    page.get_by_label("Nieuwe woongemeente").select_option(label="Heemskerk")
    page.get_by_label("Ingangsdatum").fill(clock.today().isoformat())
    page.get_by_role("button", name="Verhuizing vastleggen").click()
    jgz.check("verhuisd")
    assert "De verhuizing is vastgelegd." in page.locator("main").inner_text()
    assert "Heemskerk" in page.locator(".case-grid").inner_text()

    # 3. Add a note: it shows in the timeline, newest first.
    page.get_by_role("textbox", name="Notitie").fill("Ouders bellen terug na de vakantie (testnotitie).")
    page.get_by_role("button", name="Notitie opslaan").click()
    jgz.check("notitie")
    first = page.locator(".timeline__item").first.inner_text()
    assert "Ouders bellen terug na de vakantie (testnotitie)." in first and "Notitie" in first

    # 4. The explanation field is offered with every non-reach reason (visible without choosing "Anders").
    other = jgz_api.fire(jgz_api.register(), "indicate", criteria=["home_language"], indication_date=days_ago(20))
    jgz.go(f"/dossiers/{other['id']}", "dossier-tweede")
    form = jgz.open_action("Niet bereikt")
    assert form.get_by_label("Toelichting").is_visible()

    # 5. The CJG completes a parent's e-mail address (its form has no child fields).
    # (A child still living in Beverwijk: the Heemskerk move took the first out of this CJG's scope.)
    followed = jgz_api.fire(other, "report_not_reached", reason="no_contact", date=days_ago(3))
    cjg = Person(browser, live_server, "edit-cjg", shots, problems)
    cjg.sign_in(world.emails["cjg"])
    cjg.go(f"/dossiers/{followed['id']}", "cjg-dossier")
    cjg.page.get_by_role("link", name="Contactgegevens ouders wijzigen").click()
    cjg.check("cjg-wijzigen")
    assert cjg.page.locator("#f-bsn").count() == 0
    cjg.page.locator("#f-parent0_email").fill("ouder@example.org")
    cjg.page.get_by_role("button", name="Wijzigingen opslaan").click()
    cjg.check("cjg-gecorrigeerd")
    assert "ouder@example.org" in cjg.page.locator(".case-grid").inner_text()

    for person in (jgz, cjg):
        assert not person.csp, person.csp
        person.context.close()
    assert not problems, "accessibility problems:\n" + "\n".join(problems)
    assert all(p.exists() for p in shots)
