"""The pages: inbox with done and snooze forms, the header badge, the bereik-overleg with notes."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from toeleiding import clock

from .factories import PASSWORD, ApiClient, child

T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=clock.LOCAL_TZ)


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _browser(app, email: str):
    """A separate test client signed in through the sign-in page, as a person would."""
    c = app.test_client()
    token = _csrf(c.get("/aanmelden").get_data(as_text=True))
    r = c.post("/aanmelden", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    return c


@pytest.fixture
def stuck(app, client, runner, world):
    """One child not reached (no contact) with the CJG's first reminder delivered on day 7."""
    app.config["CLOCK_NOW"] = T0
    with app.app_context():
        data = child(given_name="Paginakind", family_name="Zichtbaarsma")
    jgz = ApiClient.sign_in(client, world.emails["jgz"])
    r = jgz.post("/cases", {"municipality": "GM0375", "child": data})
    case = jgz.fire(r.json, "indicate", criteria=["home_language"], indication_date=T0.date().isoformat())
    case = jgz.fire(case, "report_not_reached", reason="no_contact", date=T0.date().isoformat())
    result = runner.invoke(args=["reminders", "run", "--now", "2026-03-09T08:00"])
    assert "delivered 1," in result.output
    app.config["CLOCK_NOW"] = dt.datetime(2026, 3, 9, 9, 0, tzinfo=clock.LOCAL_TZ)
    return case


def test_inbox_page_shows_why_and_the_child_and_the_badge_counts(app, world, stuck):
    c = _browser(app, world.emails["cjg"])
    r = c.get("/reminders/")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert "Niet bereikt: geen contact met ouders" in html
    assert "Paginakind Zichtbaarsma" in html   # named since issue 13 (tests/test_reminders_inbox.py)
    assert re.search(r'class="reminder-badge reminder-badge--active"[^>]*>\s*Herinneringen <span class="count"[^>]*>1</span>', html)
    assert 'name="csrf_token"' in html


def test_done_and_snooze_from_the_page(app, world, stuck):
    c = _browser(app, world.emails["cjg"])
    html = c.get("/reminders/").get_data(as_text=True)
    rid = re.search(r'id="herinnering-(\d+)"', html).group(1)
    token = _csrf(html)
    # A snooze without a reason is refused with the reason named; the reminder stays open.
    r = c.post(f"/reminders/{rid}/uitstellen", data={"csrf_token": token, "until": "2026-03-12", "reason": ""},
               follow_redirects=True)
    assert "Geef een reden voor het uitstel." in r.get_data(as_text=True)
    assert f'id="herinnering-{rid}"' in c.get("/reminders/").get_data(as_text=True)
    r = c.post(f"/reminders/{rid}/uitstellen", data={"csrf_token": token, "until": "2026-03-12",
                                                     "reason": "Moeder belt donderdag."}, follow_redirects=True)
    assert "uitgesteld tot 12 mrt 2026" in r.get_data(as_text=True)
    assert f'id="herinnering-{rid}"' not in c.get("/reminders/").get_data(as_text=True)
    assert f'id="herinnering-{rid}"' in c.get("/reminders/?status=snoozed").get_data(as_text=True)
    r = c.post(f"/reminders/{rid}/afgehandeld", data={"csrf_token": token}, follow_redirects=True)
    assert "Herinnering afgehandeld." in r.get_data(as_text=True)
    assert f'id="herinnering-{rid}"' in c.get("/reminders/?status=done").get_data(as_text=True)
    # Without the CSRF token nothing happens.
    assert c.post(f"/reminders/{rid}/afgehandeld").status_code in (400, 403)


def test_someone_elses_reminder_from_the_page_is_refused(app, world, stuck):
    html = _browser(app, world.emails["cjg"]).get("/reminders/").get_data(as_text=True)
    rid = re.search(r'id="herinnering-(\d+)"', html).group(1)
    other = _browser(app, world.emails["cjg2"])
    token = _csrf(other.get("/reminders/").get_data(as_text=True))
    r = other.post(f"/reminders/{rid}/afgehandeld", data={"csrf_token": token}, follow_redirects=True)
    assert "Herinnering niet gevonden." in r.get_data(as_text=True)


def test_bereik_overleg_page_lists_the_child_and_records_an_agreement(app, world, stuck):
    c = _browser(app, world.emails["jgz"])
    assert "Beverwijk" in c.get("/reminders/overleg").get_data(as_text=True)
    r = c.get("/reminders/overleg/GM0375")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert "Paginakind Zichtbaarsma" in html and "7 dagen in deze stap" in html
    assert "Niet bereikt: geen contact met ouders" in html and "CJG Test Beverwijk" in html
    r = c.post("/reminders/overleg/GM0375/notities", data={
        "csrf_token": _csrf(html), "case_id": stuck["id"], "text": "JGZ plant een huisbezoek."}, follow_redirects=True)
    page = r.get_data(as_text=True)
    assert "Afspraak vastgelegd." in page and "JGZ plant een huisbezoek." in page
    r = c.post("/reminders/overleg/GM0375/notities", data={"csrf_token": _csrf(html), "case_id": stuck["id"],
                                                          "text": ""}, follow_redirects=True)
    assert "De afspraak is leeg." in r.get_data(as_text=True)
    assert c.get("/reminders/overleg/GM0664").status_code == 404   # another region


def test_roles_without_an_inbox_get_403(app, world):
    c = _browser(app, world.emails["gemeente"])
    assert c.get("/reminders/").status_code == 403
    assert c.get("/reminders/overleg/GM0375").status_code == 403
    assert 'class="reminder-badge' not in c.get("/reminders/").get_data(as_text=True)
