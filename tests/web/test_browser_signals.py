"""In a real browser (as tests/web/test_browser.py): a VE provider signals a child, corrects the
form after a refusal, sees its signal not yet assessed; JGZ finds it in the signals tab, reads the
note and indicates; the provider then sees it assessed, in Dutch and English. axe on every page;
screenshots into test-artifacts/browser."""
from __future__ import annotations

from ..factories import child, days_ago
from .test_browser import ARTIFACTS, Person, browser, live_server  # noqa: F401  (fixtures)

NOTE = "Kind spreekt op de groep nog weinig Nederlands (testtekst)."


def test_provider_signals_and_jgz_assesses(browser, live_server, world):  # noqa: F811
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shots, problems = [], []
    kid = child(given_name="Signa")
    ve = Person(browser, live_server, "signals-ve", shots, problems)
    page = ve.page
    ve.sign_in(world.emails["ve"])

    ve.go("/signaleringen", "signaleringen-leeg")
    page.get_by_role("link", name="Kind signaleren").click()
    ve.check("signaleren-formulier")
    page.get_by_label("Woongemeente").select_option("GM0375")
    page.get_by_label("Voornaam").fill(kid["given_name"])
    page.get_by_label("Achternaam").fill(kid["family_name"])
    page.get_by_label("BSN").fill(kid["bsn"])
    page.get_by_label("Geboortedatum").fill(kid["birth_date"])
    page.get_by_label("Postcode").fill(kid["postcode"])
    page.get_by_label("Huisnummer").fill(kid["house_number"])
    page.get_by_role("button", name="Signaleren").click()   # without a note
    ve.check("signaleren-fout")
    assert page.locator(".error-summary").is_visible()
    assert "Toelichting is verplicht." in page.locator("main").inner_text()
    assert page.get_by_label("Voornaam").input_value() == "Signa"   # what was typed stays
    page.get_by_label("Toelichting").fill(NOTE)
    page.get_by_role("button", name="Signaleren").click()
    ve.check("signaleringen-een")
    row = page.locator("tr", has_text="Signa Fictiefsma")
    assert "Nog niet beoordeeld" in row.inner_text()

    jgz = Person(browser, live_server, "signals-jgz", shots, problems)
    jgz.sign_in(world.emails["jgz"])
    jgz.go("/werkvoorraad?lijst=partner_signals", "werkvoorraad-signalen")
    jgz.page.get_by_role("link", name="Signa Fictiefsma").click()
    jgz.check("dossier-signaal")
    assert NOTE in jgz.page.locator("main").inner_text()
    form = jgz.open_action("Indiceren")
    form.get_by_label("Thuistaal niet Nederlands").check()
    form.get_by_label("Datum indicatie").fill(days_ago(1))
    jgz.submit(form, "dossier-geindiceerd", "Geïndiceerd")

    ve.go("/signaleringen", "signaleringen-beoordeeld")
    assert "Beoordeeld" in page.locator("tr", has_text="Signa Fictiefsma").inner_text()
    page.get_by_role("button", name="English").click()
    ve.check("signals-english")
    assert "Assessed" in page.locator("tr", has_text="Signa Fictiefsma").inner_text()

    for person in (ve, jgz):
        person.context.close()
    assert all(p.exists() for p in shots)
    assert not problems, "accessibility (axe, serious/critical):\n" + "\n".join(problems)
    assert not any(p.csp for p in (ve, jgz)), "CSP violations or script errors"
