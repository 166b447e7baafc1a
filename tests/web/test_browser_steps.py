"""End to end in a real browser (issue 11): a provider declines a referral and JGZ refers the
child elsewhere; a placed child stops early and the CJG finds it; the monitor shows the declines
per provider. Axe on every page, screenshots into the same artefacts folder as test_browser.py
(prefixed ``steps-``); skips like it when the browser is missing."""
from __future__ import annotations

from ..factories import make_bsn
from .test_browser import ARTIFACTS, Person, _days_ago, _indicate_and_refer, _register, browser, live_server  # noqa: F401


def test_a_declined_referral_and_a_drop_out(browser, live_server, world):  # noqa: F811
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*-steps-*.png"):
        old.unlink()
    shots, problems = [], []
    jgz = Person(browser, live_server, "steps-jgz", shots, problems)
    ve = Person(browser, live_server, "steps-ve", shots, problems)
    cjg = Person(browser, live_server, "steps-cjg", shots, problems)
    gemeente = Person(browser, live_server, "steps-gemeente", shots, problems)

    # 1. JGZ refers a child to Duinroos; Duinroos declines it (no capacity) and no longer sees it.
    jgz.sign_in(world.emails["jgz"])
    _register(jgz, make_bsn(), "Cas", "Afwijssma")
    _indicate_and_refer(jgz)
    ve.sign_in(world.emails["ve"])
    ve.page.get_by_role("link", name="Cas Afwijssma").click()
    ve.check("ve-dossier-afwijzen")
    form = ve.open_action("Toeleiding afwijzen")
    assert form.get_by_label("Datum", exact=True).input_value() == _days_ago(0)   # starts at today
    form.get_by_label("Anders").check()
    form.locator("button[type=submit]").click()
    ve.check("ve-afwijzen-fout")   # "Anders" needs its explanation, said beside the field
    assert "Toelichting is verplicht." in ve.page.locator("#f-decline_referral-reason_text-error").inner_text()
    form = ve.page.locator("#actie-decline_referral")
    form.get_by_label("Geen plaats").check()
    form.locator("button[type=submit]").click()
    ve.check("ve-afgewezen-werkvoorraad")
    main = ve.page.locator("main").inner_text()
    assert "Dit dossier staat niet meer in uw overzicht." in main and "Cas Afwijssma" not in main

    # 2. JGZ finds it under "to refer", reads why, and refers it to Strandgaper.
    jgz.go("/werkvoorraad?lijst=to_refer", "jgz-nog-toe-te-leiden")
    jgz.page.get_by_role("link", name="Cas Afwijssma").click()
    jgz.check("jgz-afgewezen-dossier")
    assert "Geen plaats" in jgz.page.locator(".timeline").inner_text()
    form = jgz.open_action("Toeleiden")
    form.get_by_label("VE-locatie").select_option(label="Strandgaper – Kinderhuis Strandgaper (test)")
    form.get_by_label("De ouders geven toestemming voor toeleiding").check()
    form.get_by_label("Datum toeleiding").fill(_days_ago(0))
    jgz.submit(form, "jgz-opnieuw-toegeleid", "Toegeleid")

    # 3. A second child is placed at Duinroos and stops: not reached, the CJG takes it up.
    jgz.go("/werkvoorraad", "jgz-werkvoorraad")
    _register(jgz, make_bsn(), "Dirk", "Stopsma")
    _indicate_and_refer(jgz)
    ve.go("/werkvoorraad", "ve-werkvoorraad")
    ve.page.get_by_role("link", name="Dirk Stopsma").click()
    ve.check("ve-dossier-plaatsen")
    form = ve.open_action("Plaatsen")
    form.get_by_label("Startdatum").fill(_days_ago(10))
    form.get_by_label("Uren per week").fill("16")
    ve.submit(form, "ve-geplaatst", "Geplaatst")
    form = ve.open_action("Voortijdig gestopt")
    assert form.get_by_label("Geen contact met ouders").count() == 0   # only the reasons to stop
    form.get_by_label("Te weinig aanwezig").check()
    form.get_by_label("Laatste dag VE").fill(_days_ago(1))
    ve.submit(form, "ve-gestopt", "Niet bereikt")

    cjg.sign_in(world.emails["cjg"])
    cjg.go("/werkvoorraad?lijst=not_reached", "cjg-niet-bereikt")
    cjg.page.get_by_role("link", name="Dirk Stopsma").click()
    cjg.check("cjg-gestopt-dossier")
    assert "Te weinig aanwezig" in cjg.page.locator(".timeline").inner_text()

    # 4. The municipality's monitor page, with the declines per provider.
    gemeente.sign_in(world.emails["gemeente"])
    gemeente.go("/monitor/", "gemeente-monitor")
    assert "Afgewezen toeleidingen per aanbieder" in gemeente.page.locator("main").inner_text()

    csp = [line for person in (jgz, ve, cjg, gemeente) for line in person.csp]
    for person in (jgz, ve, cjg, gemeente):
        person.context.close()
    assert len(shots) >= 15 and all(p.exists() for p in shots)
    assert not problems, "accessibility (axe, serious/critical):\n" + "\n".join(problems)
    assert not csp, "Content-Security-Policy violations or script errors:\n" + "\n".join(csp)
