"""End to end in a real browser (issue 11.6): a VE provider hands a placed child over to a school
with the form and the parents' consent, a school user signs in, reads only the handover and
confirms receipt, and prints it. Axe on every page, screenshots into the same artefacts folder as
test_browser.py (prefixed ``handover-``); skips like it when the browser is missing."""
from __future__ import annotations

from ..factories import make_bsn
from .test_browser import ARTIFACTS, Person, _days_ago, _indicate_and_refer, _register, browser, live_server  # noqa: F401


def test_a_warm_handover_acknowledged_by_the_school(browser, live_server, world):  # noqa: F811
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*-handover-*.png"):
        old.unlink()
    shots, problems = [], []
    jgz = Person(browser, live_server, "handover-jgz", shots, problems)
    ve = Person(browser, live_server, "handover-ve", shots, problems)
    school = Person(browser, live_server, "handover-school", shots, problems)
    bsn = make_bsn()

    # 1. JGZ refers a child to Duinroos, Duinroos places it.
    jgz.sign_in(world.emails["jgz"])
    _register(jgz, bsn, "Eva", "Overdrachtsma")
    _indicate_and_refer(jgz)
    ve.sign_in(world.emails["ve"])
    ve.page.get_by_role("link", name="Eva Overdrachtsma").click()
    form = ve.open_action("Plaatsen")
    form.get_by_label("Startdatum").fill(_days_ago(10))
    form.get_by_label("Uren per week").fill("16")
    ve.submit(form, "ve-geplaatst", "Geplaatst")

    # 2. The handover without the parents' consent is refused beside the checkbox; with it, it is saved.
    form = ve.open_action("Warme overdracht")
    form.get_by_label("School", exact=True).select_option(label="Basisschool De Kievit (test)")
    form.get_by_label("Datum overdracht").fill(_days_ago(1))
    form.get_by_label("Ontwikkeling van het kind").fill("Speelt graag samen, praat in korte zinnen (testtekst).")
    form.get_by_label("Zorgen en aandachtspunten").fill("Uitspraak volgen (testtekst).")
    form.get_by_label("Piramide").check()
    form.get_by_label("Aantal uren VE gevolgd").fill("880")
    form.locator("button[type=submit]").click()
    ve.check("ve-overdracht-zonder-toestemming")
    error = ve.page.locator("#f-hand_over_to_school-handover_consent-error").inner_text()
    assert "Zonder toestemming van de ouders" in error
    form = ve.page.locator("#actie-hand_over_to_school")
    assert form.get_by_label("Ontwikkeling van het kind").input_value().startswith("Speelt graag")   # kept
    form.get_by_label("De ouders geven toestemming voor de overdracht aan school").check()
    ve.submit(form, "ve-overgedragen", "Overgedragen aan school")

    # 3. The school signs in: the child in its list, the handover only, no BSN; it confirms receipt.
    school.sign_in(world.emails["school"])
    nav = school.page.locator(".site-nav").inner_text()
    assert "Werkvoorraad" in nav and "Zoeken" not in nav and "Herinneringen" not in nav
    school.page.get_by_role("link", name="Eva Overdrachtsma").click()
    school.check("school-overdracht")
    main = school.page.locator("main").inner_text()
    assert "Speelt graag samen" in main and "Piramide" in main and "880" in main
    assert bsn not in main and "Toeleiden" not in main and "Plaatsen" not in main
    form = school.open_action("Ontvangst bevestigen")
    assert form.get_by_label("Datum ontvangst").input_value() == _days_ago(0)   # starts at today
    school.submit(form, "school-ontvangen", "Overdracht ontvangen door school")

    # 4. The printable handover for the school's file.
    school.page.get_by_role("link", name="Afdrukbare overdracht").click()
    school.check("school-afdrukbaar")
    printed = school.page.locator("main").inner_text()
    assert "Basisschool De Kievit (test)" in printed and "Uitspraak volgen" in printed
    school.page.emulate_media(media="print")
    assert not school.page.locator(".site-nav").is_visible()
    school.page.emulate_media(media="screen")

    # 5. The provider sees the receipt in the history.
    ve.page.reload()
    ve.check("ve-ontvangst-gezien")
    assert "Ontvangst bevestigen" in ve.page.locator(".timeline").inner_text()

    csp = [line for person in (jgz, ve, school) for line in person.csp]
    for person in (jgz, ve, school):
        person.context.close()
    assert len(shots) >= 10 and all(p.exists() for p in shots)
    assert not problems, "accessibility (axe, serious/critical):\n" + "\n".join(problems)
    assert not csp, "Content-Security-Policy violations or script errors:\n" + "\n".join(csp)
