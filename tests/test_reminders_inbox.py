"""The reminders inbox names the child, says how long the case has waited, and puts the longest
overdue first; the children it names are in the access log (issue 13, point 6)."""
from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from sqlalchemy import func, select

from toeleiding import clock
from toeleiding.audit.models import AccessLogEntry
from toeleiding.extensions import db

from .factories import ApiClient, child
from .web.conftest import WebClient

T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=clock.LOCAL_TZ)
NOW = dt.datetime(2026, 3, 9, 9, 0, tzinfo=clock.LOCAL_TZ)


def _not_reached(jgz, given, day: dt.date, reason: str, municipality="GM0375"):
    with jgz.client.application.app_context():
        data = child(given_name=given, family_name="Wachtsma")
    r = jgz.post("/cases", {"municipality": municipality, "child": data})
    assert r.status_code == 201, r.json
    case = jgz.fire(r.json, "indicate", criteria=["home_language"], indication_date=day.isoformat())
    return jgz.fire(case, "report_not_reached", reason=reason, date=day.isoformat())


@pytest.fixture
def inbox(app, client, runner, world):
    """Three children not reached in Beverwijk (CJG Beverwijk's inbox), one in Heemskerk (another
    CJG's). Eerste: no contact on 20 Feb, reminded after 7 days (due 27 Feb). Derde: parents
    declined on 18 Feb, reminded after 14 days (due 4 Mar): waited longer, overdue less. Tweede:
    no contact on 27 Feb (due 6 Mar)."""
    app.config["CLOCK_NOW"] = T0
    jgz = ApiClient.sign_in(client, world.emails["jgz"])
    cases = {
        "Eerste": _not_reached(jgz, "Eerste", dt.date(2026, 2, 20), "no_contact"),
        "Tweede": _not_reached(jgz, "Tweede", dt.date(2026, 2, 27), "no_contact"),
        "Derde": _not_reached(jgz, "Derde", dt.date(2026, 2, 18), "parents_declined"),
        "Elders": _not_reached(jgz, "Elders", dt.date(2026, 2, 20), "no_contact", municipality="GM0396"),
    }
    result = runner.invoke(args=["reminders", "run", "--now", "2026-03-09T08:00"])
    assert "delivered 4," in result.output, result.output
    app.config["CLOCK_NOW"] = NOW
    return cases


def _rows(html: str) -> list[tuple[str, str]]:
    """(child, days waited) per row, in the page's order."""
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    rows = re.findall(r'<tr id="herinnering-\d+">(.*?)</tr>', body, flags=re.S)
    out = []
    for row in rows:
        cells = re.findall(r"<td>(.*?)</td>", row, flags=re.S)
        name = re.sub(r"<[^>]+>", "", cells[0]).strip()
        days = re.sub(r"<[^>]+>", "", cells[2]).split("(")[0].strip()
        out.append((name, days))
    return out


def test_the_inbox_names_each_child_with_the_days_waited_longest_overdue_first(app, world, inbox):
    page = WebClient(app).sign_in(world.emails["cjg"])
    r = page.get("/reminders/")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert _rows(html) == [("Eerste Wachtsma", "17 dagen"), ("Derde Wachtsma", "19 dagen"),
                           ("Tweede Wachtsma", "10 dagen")]
    assert "Elders" not in html                                   # another CJG's reminder
    assert "(sinds 20 feb 2026)" in html                          # the state's effective date
    assert "Niet bereikt: ouders zien af van VE" in html and "Niet bereikt: geen contact met ouders" in html
    # Each name links to the child's case page.
    link = re.search(r'<a href="/dossiers/([0-9a-f-]{36})">Eerste Wachtsma</a>', html)
    assert link and link.group(1) == inbox["Eerste"]["id"]


def test_the_inbox_in_english(app, world, inbox):
    page = WebClient(app).sign_in(world.emails["cjg"])
    page.post("/taal/en", {"next": "/reminders/"})
    html = page.get("/reminders/").get_data(as_text=True)
    assert _rows(html)[0] == ("Eerste Wachtsma", "17 days")
    assert "Waiting" in html and "Not reached: no contact with parents" in html


def test_the_children_named_are_access_logged_like_the_work_list(app, world, inbox):
    page = WebClient(app).sign_in(world.emails["cjg"])
    with app.app_context():
        before = db.session.scalar(select(func.max(AccessLogEntry.id)))
    assert page.get("/reminders/").status_code == 200
    with app.app_context():
        rows = db.session.execute(select(AccessLogEntry.action, AccessLogEntry.case_id, AccessLogEntry.client,
                                         AccessLogEntry.role)
                                  .where(AccessLogEntry.id > before)).all()
    named = {uuid.UUID(inbox[n]["id"]) for n in ("Eerste", "Tweede", "Derde")}
    assert {(a, c, cl, ro) for a, c, cl, ro in rows} == {("list", cid, "web", "cjg") for cid in named}
    # An empty tab names nobody and logs nothing.
    with app.app_context():
        before = db.session.scalar(select(func.max(AccessLogEntry.id)))
    html = page.get("/reminders/?status=done").get_data(as_text=True)
    assert "Wachtsma" not in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(AccessLogEntry.id > before)) == 0


def test_a_reminder_whose_case_left_the_scope_does_not_name_the_child(app, world, inbox):
    # The case moves out of CJG Beverwijk's municipalities while its reminder is still open there.
    from toeleiding.cases.models import Case
    from toeleiding.organisations.models import Municipality
    with app.app_context():
        case = db.session.get(Case, uuid.UUID(inbox["Tweede"]["id"]))
        case.municipality_id = db.session.scalar(select(Municipality.id).where(Municipality.code == "GM0678"))
        db.session.commit()
    html = WebClient(app).sign_in(world.emails["cjg"]).get("/reminders/").get_data(as_text=True)
    assert "Tweede" not in html and "(niet meer in uw dossiers)" in html
    assert inbox["Tweede"]["id"] not in html
