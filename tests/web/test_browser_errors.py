"""In a real browser (issue 13, points 2 and 3): an empty form shows every error at once in the
error summary, which takes the focus and whose links take it to each field. Screenshots and the axe check as in tests/web/test_browser.py."""
from __future__ import annotations

from .test_browser import ARTIFACTS, Person, browser, live_server  # noqa: F401  (fixtures)


def _focused_id(page) -> str:
    return page.evaluate("document.activeElement ? document.activeElement.id : ''")


def test_every_error_at_once_and_one_submit(browser, live_server, world, api):  # noqa: F811
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shots, problems = [], []
    jgz = Person(browser, live_server, "fouten-jgz", shots, problems)
    page = jgz.page
    jgz.sign_in(world.emails["jgz"])

    # An empty registration: one submit, every required field named, the focus on the summary.
    page.get_by_role("link", name="Kind registreren").click()
    jgz.check("registreren")
    page.get_by_role("button", name="Registreren").click()
    jgz.check("registreren-alle-fouten")
    summary = page.locator(".error-summary")
    assert summary.get_attribute("role") == "alert"
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    links = summary.locator("a")
    targets = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert targets == ["#f-municipality", "#f-given_name", "#f-family_name", "#f-bsn", "#f-birth_date",
                       "#f-postcode", "#f-house_number"], targets
    assert "Geboortedatum is verplicht." in summary.inner_text()
    assert page.locator(".field__error").count() == 7
    summary.get_by_role("link", name="Postcode is verplicht.").click()
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'f-postcode'")
    assert page.locator("#f-given_name").get_attribute("maxlength") == "100"

    # A transition form sent empty: its summary, and a link to a group focuses its first option.
    case = api("jgz").register()
    page.goto(f"/dossiers/{case['id']}")
    form = jgz.open_action("Indiceren")
    form.get_by_label("Datum indicatie").fill("")
    form.locator("button[type=submit]").click()
    jgz.check("indiceren-alle-fouten")
    summary = page.locator("#actie-indicate .error-summary")
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert summary.locator("a").count() == 2, summary.inner_text()
    summary.locator("a[href='#f-indicate-criteria-1']").click()
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'f-indicate-criteria-1'")

    assert not problems, "Accessibility problems:\n" + "\n".join(problems)
    assert not jgz.csp, jgz.csp


def test_a_sent_form_disables_its_button(browser, live_server, world):  # noqa: F811
    """Point 3: the button of a sent form is disabled once the form is sent, so a second click
    cannot send the step twice. The page counts the submits and keeps the browser from leaving
    (a listener that runs before the page's own), so the button can be looked at afterwards."""
    shots, problems = [], []
    jgz = Person(browser, live_server, "eenmaal-jgz", shots, problems)
    page = jgz.page
    jgz.sign_in(world.emails["jgz"])
    page.get_by_role("link", name="Kind registreren").click()
    page.evaluate("""() => { window.__sent = 0; window.addEventListener('submit', e => {
        window.__sent += 1; e.preventDefault(); }, true); }""")
    button = page.get_by_role("button", name="Registreren")
    assert button.is_enabled()
    button.click()
    page.wait_for_function("() => document.querySelector('button[data-once]').disabled")
    assert button.get_attribute("aria-disabled") == "true"
    page.evaluate("() => document.querySelector('button[data-once]').click()")   # the second click
    assert page.evaluate("window.__sent") == 1
