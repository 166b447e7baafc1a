"""End to end in a real browser: two children across JGZ, VE and CJG, with an accessibility check on every page.

Debian's chromium driven by Playwright for Python, with the app's own Content-Security-Policy in
force: axe-core (npm, pinned in package.json) is served to the page from the app's origin by
route interception, since the CSP (script-src 'self') refuses an inline script, and any CSP
violation the browser reports on the console fails the test. Keyboard-only use is exercised too.
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


# Where the test serves axe-core: a path of the app's own origin, so script-src 'self' admits it.
# The app has no such route; the browser context answers it (route interception) from node_modules.
AXE_URL = "/__test__/axe.min.js"


def _is_csp_violation(text: str) -> bool:
    return "Content Security Policy" in text or "Content-Security-Policy" in text


class Person:
    """One person at one browser: every page they land on is screenshot and checked with axe, and
    every CSP violation or script error reported on the console is recorded."""

    def __init__(self, browser, base: str, name: str, shots: list, problems: list):
        self.context = browser.new_context(base_url=base, locale="nl-NL", viewport={"width": 1100, "height": 900})
        self.context.route(f"**{AXE_URL}", lambda route: route.fulfill(
            path=str(AXE), content_type="application/javascript; charset=utf-8"))
        self.page = self.context.new_page()
        self.name, self.shots, self.problems = name, shots, problems
        self.csp: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.csp.append(f"{self.name} {self.page.url}: script error {exc}"))

    def _console(self, msg) -> None:
        if msg.type == "error" and _is_csp_violation(msg.text):
            self.csp.append(f"{self.name} {self.page.url}: {msg.text}")

    def check(self, label: str) -> None:
        page = self.page
        page.wait_for_load_state("load")
        n = len(self.shots) + 1
        path = ARTIFACTS / f"{n:02d}-{self.name}-{re.sub(r'[^a-z0-9]+', '-', label.lower())}.png"
        page.screenshot(path=str(path), full_page=True)
        self.shots.append(path)
        page.add_script_tag(url=AXE_URL)
        result = page.evaluate("""async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
        }""")
        for v in result:
            if v["impact"] in ("serious", "critical"):
                self.problems.append(f"{label} ({page.url}): {v['id']} {v['impact']} {v['nodes']}")

    def probe_csp(self) -> None:
        """The CSP is really on, and a violation really reaches ``self.csp``: an inline script (as
        ``add_script_tag(path=...)`` would inject axe) is refused and reported on the console."""
        page = self.page
        try:
            page.add_script_tag(content="window.__inlineRan = true;")
        except Exception as exc:   # Playwright reports the refusal as an error of its own
            assert _is_csp_violation(str(exc)), exc
        page.wait_for_function("true")   # let the console message arrive
        assert page.evaluate("window.__inlineRan === undefined"), "an inline script ran: is the CSP missing?"
        assert self.csp and "inline script" in self.csp[-1], self.csp
        self.csp.clear()

    def keyboard_skip_link(self, path: str) -> None:
        """From the top of a page the first Tab reaches the skip link, which is then visible with a
        focus ring, and Enter on it moves focus to the main content."""
        page = self.page
        page.goto(path)
        page.wait_for_load_state("load")
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => {
            const el = document.activeElement, box = el.getBoundingClientRect(), style = getComputedStyle(el);
            return {cls: el.className, text: el.textContent.trim(), top: box.top, bottom: box.bottom, height: box.height,
                    outline: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth)};
        }""")
        assert focused["cls"] == "skip-link" and focused["text"] == "Naar de inhoud", (path, focused)
        assert page.locator(".skip-link").is_visible()
        assert focused["top"] >= 0 and focused["bottom"] <= page.viewport_size["height"] and focused["height"] > 0, focused
        assert focused["outline"] != "none" and focused["outlineWidth"] >= 2, focused   # a visible focus indicator
        page.keyboard.press("Enter")
        page.wait_for_function("document.activeElement && document.activeElement.id === 'inhoud'")
        assert page.url.endswith("#inhoud")

    def tab_to(self, selector: str, text: str | None = None, limit: int = 80) -> None:
        """Press Tab until the element matching ``selector`` (and showing ``text``) has the focus,
        as a keyboard user would."""
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            if self.page.evaluate("""([s, t]) => { const el = document.activeElement;
                    return !!el && el.matches(s) && (t === null || el.textContent.trim() === t); }""", [selector, text]):
                return
        raise AssertionError(f"{selector} {text or ''} not reached with {limit} presses of Tab")

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

    # 0. The CSP is in force and its violations are seen; the skip link works from the keyboard.
    jgz.go("/aanmelden", "aanmelden-csp")
    jgz.probe_csp()
    jgz.keyboard_skip_link("/aanmelden")

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
    # The error summary has the focus (read out at once); its link takes it to the field in error.
    assert ve.page.evaluate("document.activeElement.classList.contains('error-summary')")
    ve.page.locator("#actie-place .error-summary a[href='#f-place-hours_per_week']").click()
    assert ve.page.evaluate("document.activeElement.id") == "f-place-hours_per_week"
    assert ve.page.locator("#f-place-hours_per_week").get_attribute("aria-describedby").endswith("-error")
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
    assert form.get_by_label("Toelichting").is_visible()   # offered with every reason, required for "Anders"
    form.get_by_label("Anders").check()
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

    # 3. Keyboard only: the provider opens the second child, tabs to an action, opens it with
    #    Enter, types a date and submits, without the mouse.
    ve.page.goto("/werkvoorraad")
    ve.check("ve-werkvoorraad-2")
    ve.keyboard_skip_link(ve.page.url.split("#")[0])
    ve.tab_to("a[href^='/dossiers/']", "Bram Voorbeeldsma")
    ve.page.keyboard.press("Enter")
    ve.check("ve-dossier-2")
    ve.keyboard_skip_link(ve.page.url)
    ve.tab_to("#actie-waitlist > summary")
    ve.page.keyboard.press("Enter")
    assert ve.page.locator("#actie-waitlist").get_attribute("open") is not None
    ve.page.keyboard.press("Tab")
    assert ve.page.evaluate("document.activeElement.id") == "f-waitlist-waitlist_date"
    assert ve.page.locator("#f-waitlist-waitlist_date").input_value() == clock.today().isoformat()   # starts at today
    ve.tab_to("#f-waitlist-expected_start_date", limit=5)   # past the date field's own parts
    # A day equal to its month: headless chromium's date field takes dd-mm or mm/dd depending on
    # its UI language (not the page's locale), and such a date types the same either way.
    start = next(d for d in (clock.today() + dt.timedelta(days=n) for n in range(30, 400)) if d.day == d.month)
    ve.page.keyboard.type(start.strftime("%d%m%Y"))
    assert ve.page.locator("#f-waitlist-expected_start_date").input_value() == start.isoformat()
    ve.tab_to("#actie-waitlist button[type=submit]", limit=5)   # past the date field's own parts
    # Enter submits the form: wait for the answer's page, or the check below would inject axe
    # into the page being left (a key press, unlike a click, does not wait for the navigation).
    with ve.page.expect_navigation():
        ve.page.keyboard.press("Enter")
    ve.check("ve-wachtlijst-toetsenbord")
    assert ve.page.locator(".case-head__state .badge").inner_text() == "Wachtlijst"

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

    csp = [line for person in (jgz, ve, cjg, admin) for line in person.csp]
    for person in (jgz, ve, cjg, admin):
        person.context.close()
    assert len(shots) >= 25 and all(p.exists() for p in shots)
    assert not problems, "accessibility (axe, serious/critical):\n" + "\n".join(problems)
    assert not csp, "Content-Security-Policy violations or script errors:\n" + "\n".join(csp)
