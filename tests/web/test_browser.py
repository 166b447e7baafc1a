"""End to end in a real browser: two children across JGZ, VE and CJG, with an accessibility check on every page.

Debian's chromium driven by Playwright for Python; axe-core (npm) is injected into each page.
Skips when chromium, axe-core or playwright is missing, unless TOELEIDING_REQUIRE_BROWSER=1
(CI), where that is a failure. Screenshots of every page visited go to test-artifacts/.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import threading
from pathlib import Path

import pytest

from toeleiding import clock

from ..factories import PASSWORD, make_bsn

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401  (only whether it is installed)
    except ImportError:
        return "the Python package playwright is not installed (pip install -e '.[web-test]')"
    if not CHROMIUM.exists():
        return "no /usr/bin/chromium (apt-get install chromium, or run tests/web/setup_browser.sh)"
    if not AXE.exists():
        return "axe-core is not installed (run tests/web/setup_browser.sh)"
    return None


@pytest.fixture
def browser():
    reason = _missing()
    if reason:
        if os.environ.get("TOELEIDING_REQUIRE_BROWSER") == "1":
            pytest.fail(f"TOELEIDING_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        yield b
        b.close()


@pytest.fixture
def live_server(app, world):
    """The app on a real HTTP server on 127.0.0.1 and a free port, against the test database."""
    from werkzeug.serving import make_server
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()


class Person:
    """One person at one browser: every page they land on is screenshot and checked with axe."""

    def __init__(self, browser, base: str, name: str, shots: list, problems: list):
        self.context = browser.new_context(base_url=base, bypass_csp=True, locale="nl-NL",
                                           viewport={"width": 1100, "height": 900})
        self.page = self.context.new_page()
        self.name, self.shots, self.problems = name, shots, problems

    def check(self, label: str) -> None:
        page = self.page
        page.wait_for_load_state("load")
        n = len(self.shots) + 1
        path = ARTIFACTS / f"{n:02d}-{self.name}-{re.sub(r'[^a-z0-9]+', '-', label.lower())}.png"
        page.screenshot(path=str(path), full_page=True)
        self.shots.append(path)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("""async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
        }""")
        for v in result:
            if v["impact"] in ("serious", "critical"):
                self.problems.append(f"{label} ({page.url}): {v['id']} {v['impact']} {v['nodes']}")

    def go(self, path: str, label: str) -> None:
        self.page.goto(path)
        self.check(label)

    def sign_in(self, email: str) -> None:
        self.go("/aanmelden", "aanmelden")
        self.page.get_by_label("E-mailadres").fill(email)
        self.page.get_by_label("Wachtwoord").fill(PASSWORD)
        self.page.get_by_role("button", name="Aanmelden").click()
        self.check("werkvoorraad")

    def sign_out(self) -> None:
        self.page.get_by_role("button", name="Afmelden").click()
        self.check("afgemeld")

    def open_action(self, label: str):
        details = self.page.locator("details.action", has=self.page.locator("summary", has_text=label))
        details.locator("summary").click()
        return details

    def submit(self, form, label: str, expect_state: str) -> None:
        form.locator("button[type=submit]").click()
        self.check(label)
        badge = self.page.locator(".case-head__state .badge")
        assert badge.inner_text() == expect_state, (label, badge.inner_text(), self.page.locator("main").inner_text()[:800])


def _days_ago(n: int) -> str:
    return (clock.today() - dt.timedelta(days=n)).isoformat()


def _register(jgz: Person, bsn: str, given: str, family: str) -> None:
    page = jgz.page
    page.get_by_role("link", name="Kind registreren").click()
    jgz.check("registreren")
    page.get_by_label("Woongemeente").select_option(label="Beverwijk")
    page.get_by_label("Voornaam").first.fill(given)
    page.get_by_label("Achternaam").fill(family)
    bsn_input = page.locator("#f-bsn")
    bsn_input.fill(bsn[:8] + str((int(bsn[8]) + 1) % 10))
    assert "niet" in page.locator("#f-bsn-live").inner_text()   # the elfproef, as you type
    bsn_input.fill(bsn)
    assert page.locator("#f-bsn-live").inner_text() == "BSN voldoet aan de elfproef."
    born = clock.add_months(clock.today(), -36) - dt.timedelta(days=3)
    page.get_by_label("Geboortedatum").fill(born.isoformat())
    page.get_by_label("Postcode").fill("1941 AB")
    page.get_by_label("Huisnummer").fill("12")
    page.locator("#f-parent0_name").fill("Ouder Fictief")
    page.locator("#f-parent0_phone").fill("0612345678")
    page.get_by_role("button", name="Registreren").click()
    jgz.check("dossier-gesignaleerd")
    assert page.locator(".case-head__state .badge").inner_text() == "Gesignaleerd"


def _indicate_and_refer(jgz: Person) -> None:
    page = jgz.page
    form = jgz.open_action("Indiceren")
    form.get_by_label("Thuistaal niet Nederlands").check()
    form.get_by_label("Datum indicatie").fill(_days_ago(20))
    jgz.submit(form, "dossier-geindiceerd", "Geïndiceerd")
    form = jgz.open_action("Toeleiden")
    form.get_by_label("VE-locatie").select_option(label="Duinroos Centrum – Peuteropvang Duinroos (test)")
    form.get_by_label("De ouders geven toestemming voor toeleiding").check()
    form.get_by_label("Datum toeleiding").fill(_days_ago(15))
    jgz.submit(form, "dossier-toegeleid", "Toegeleid")
    assert page.locator(".timeline__item").count() == 3


def test_two_children_across_three_roles(browser, live_server, world):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    shots, problems = [], []
    jgz = Person(browser, live_server, "jgz", shots, problems)
    ve = Person(browser, live_server, "ve", shots, problems)
    cjg = Person(browser, live_server, "cjg", shots, problems)
    first_bsn, second_bsn = make_bsn(), make_bsn()

    # 1. JGZ registers, indicates and refers; VE places; JGZ sees the placement.
    jgz.sign_in(world.emails["jgz"])
    _register(jgz, first_bsn, "Anna", "Fictiefsma")
    _indicate_and_refer(jgz)

    ve.sign_in(world.emails["ve"])
    ve.page.get_by_role("link", name="Anna Fictiefsma").click()
    ve.check("ve-dossier")
    assert first_bsn not in ve.page.content()   # only JGZ sees the BSN
    form = ve.open_action("Plaatsen")
    form.get_by_label("Startdatum").fill(_days_ago(5))
    form.get_by_label("Uren per week").fill("60")
    form.locator("button[type=submit]").click()
    ve.check("ve-plaatsen-fout")   # the error beside its field, announced, with what was typed kept
    error = ve.page.locator("#f-place-hours_per_week-error")
    assert "Vul een getal van 1 tot en met 40 in." in error.inner_text()
    assert ve.page.locator("#f-place-hours_per_week").input_value() == "60"
    assert ve.page.locator("#f-place-start_date").input_value() == _days_ago(5)
    form = ve.page.locator("#actie-place")
    form.get_by_label("Uren per week").fill("16")
    ve.submit(form, "ve-geplaatst", "Geplaatst")

    jgz.page.get_by_role("link", name="Zoeken").click()
    jgz.check("zoeken")
    jgz.page.get_by_role("textbox", name="BSN").fill(first_bsn)
    jgz.page.get_by_role("button", name="Zoek op BSN").click()
    jgz.check("zoekresultaat")
    jgz.page.get_by_role("link", name="Anna Fictiefsma").click()
    jgz.check("jgz-ziet-plaatsing")
    assert jgz.page.locator(".case-head__state .badge").inner_text() == "Geplaatst"
    assert "Uren per week" in jgz.page.locator(".timeline").inner_text()

    # 2. A second child: not reached (reason "Anders" with its text), the CJG refers again.
    jgz.page.get_by_role("link", name="Werkvoorraad", exact=True).click()
    jgz.check("werkvoorraad-2")
    _register(jgz, second_bsn, "Bram", "Voorbeeldsma")
    _indicate_and_refer(jgz)
    form = jgz.open_action("Niet bereikt")
    assert not form.get_by_label("Toelichting").is_visible()   # appears only for "Anders"
    form.get_by_label("Anders").check()
    assert form.get_by_label("Toelichting").is_visible()
    form.get_by_label("Toelichting").fill("Gezin reageert niet op brieven (testtekst).")
    form.get_by_label("Datum", exact=True).fill(_days_ago(10))
    jgz.submit(form, "niet-bereikt", "Niet bereikt")
    jgz.sign_out()

    cjg.sign_in(world.emails["cjg"])
    cjg.page.get_by_role("link", name="Bram Voorbeeldsma").click()
    cjg.check("cjg-dossier")
    assert "Gezin reageert niet op brieven" in cjg.page.locator(".timeline").inner_text()
    form = cjg.open_action("Opnieuw toeleiden")
    form.get_by_label("VE-locatie").select_option(label="Duinroos Centrum – Peuteropvang Duinroos (test)")
    form.get_by_label("De ouders geven toestemming voor toeleiding").check()
    form.get_by_label("Datum toeleiding").fill(_days_ago(2))
    cjg.submit(form, "cjg-opnieuw-toegeleid", "Toegeleid")

    # The other pages a person meets, checked the same way.
    cjg.go("/werkvoorraad?lijst=follow_up", "cjg-werkvoorraad-opvolging")
    cjg.go("/ve", "publiek")
    cjg.go("/ve/GM0375", "publiek-beverwijk")
    admin = Person(browser, live_server, "admin", shots, problems)
    admin.sign_in(world.emails["admin"])
    for path, label in [("/beheer/organisaties", "beheer-organisaties"), ("/beheer/locaties", "beheer-locaties"),
                        (f"/beheer/locaties/{world.ids['loc']}", "beheer-locatie"), ("/beheer/gebruikers", "beheer-gebruikers"),
                        ("/beheer/doelgroepdefinities", "beheer-definities"), ("/beheer/werkstroom", "beheer-werkstroom"),
                        ("/dossiers/00000000-0000-0000-0000-000000000000", "foutpagina")]:
        admin.go(path, label)

    for person in (jgz, ve, cjg, admin):
        person.context.close()
    assert len(shots) >= 25 and all(p.exists() for p in shots)
    assert not problems, "accessibility (axe, serious/critical):\n" + "\n".join(problems)
