"""Every page route (every blueprint but the JSON API and static files), every method, every role.

The routes come from the app's URL map: ``tests/test_authorization.py`` fails the suite when a
(endpoint, method) pair of any rule has no row here or in its own API table, so a new route, or a
new method on an existing route, needs its expected answers before it can ship.

A row is one line: ``(endpoint, method): expect(url, default, role=answer, …)``. An answer is a
status code, ``SIGN_IN`` (anonymous: a redirect to the sign-in page) or, for an *allowed* role
only, ``ok(…)``, a set of acceptable codes (an empty form may be stored, refused as 422 or sent
back to the page). A refused role is always one exact answer: ``ok()`` may not hold 401, 403, 404
or the sign-in redirect, so a refusal cannot hide in a set. Posts carry the session's valid CSRF
token (anonymous ones too), so an answer reflects authorization, not a missing token.
"""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from toeleiding import clock
from toeleiding.extensions import db

from ..factories import ApiClient
from .conftest import WebClient

ROLES = ("anon", "jgz", "ve", "cjg", "gemeente", "admin", "school")
SIGN_IN = "sign-in"          # 302 to /aanmelden?next=…
REFUSALS = {401, 403, 404, SIGN_IN}
T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=clock.LOCAL_TZ)


def ok(*codes: int) -> frozenset:
    """Acceptable answers of an allowed role (never a refusal: checked by the completeness test)."""
    return frozenset(codes)


def expect(url: str, default=None, **answers) -> tuple[str, dict]:
    """``url`` (with {case}, {stuck}, {reminder}, …) and an answer for every role; ``default`` fills the rest."""
    table = {role: answers.get(role, default) for role in ROLES}
    unknown = set(answers) - set(ROLES)
    assert not unknown and None not in table.values(), (url, unknown, table)
    return url, table


def pages(default, anon=SIGN_IN, **answers):
    """Signed-in pages: anonymous visitors are sent to sign in."""
    return {"default": default, "anon": anon, **answers}


ADMIN_ONLY = pages(403, admin=200)
INBOX = dict(gemeente=403, admin=403, school=403)   # reminders and bereik-overleg: the roles that act on cases
MONITOR_READERS = dict(jgz=403, ve=403, school=403)   # gemeente, CJG (recoding 'other') and admin read aggregates

# (endpoint, method) -> expect(...) or a tuple of them (one route probed on more than one object).
# {case}: referred to provider 've' (JGZ and VE see it); {stuck}: not reached, reported by JGZ
# before any referral (JGZ and the CJG see it, no provider does); {reminder}: the CJG's delivered
# reminder about {stuck}; {event}: that case's 'not reached: other' history row; {handover}:
# placed with provider 've' and handed over to the school of user 'school' (issue 11.6).
PAGES = {
    ("web.index", "GET"): expect("/", 302),
    ("web.login", "GET"): expect("/aanmelden", 302, anon=200),
    # An empty sign-in form is a failed sign-in, signed in or not.
    # The seventh empty sign-in from the same address in a row (the matrix's last role) is throttled.
    ("web.login", "POST"): expect("/aanmelden", 401, school=429),
    ("web.logout", "POST"): expect("/afmelden", 302),
    ("web.set_password", "GET"): expect("/wachtwoord/{token}", 200),
    ("web.set_password", "POST"): expect("/wachtwoord/{token}", ok(200, 422)),
    ("web.language", "POST"): expect("/taal/en", 302),
    ("web.two_factor", "GET"): expect("/account/tweestapsverificatie", **pages(200)),
    ("web.two_factor", "POST"): expect("/account/tweestapsverificatie", **pages(ok(200, 302, 422))),
    ("cases.worklist", "GET"): expect("/werkvoorraad", **pages(200, admin=302)),
    ("cases.search", "GET"): expect("/zoeken", **pages(200, gemeente=403, admin=403, school=403)),
    ("cases.search", "POST"): expect("/zoeken", **pages(ok(200, 422), gemeente=403, admin=403, school=403)),
    ("web.public_index", "GET"): expect("/ve", 200),
    ("web.public_municipality", "GET"): expect("/ve/GM0375", 200),
    ("cases.register", "GET"): expect("/dossiers/nieuw", **pages(403, jgz=200)),
    ("cases.register", "POST"): expect("/dossiers/nieuw", **pages(403, jgz=422)),
    # Signals (issue 11.9): the roles of the workflow's registration.signal; an empty form is 422.
    ("signals.index", "GET"): expect("/signaleringen", **pages(403, ve=200, cjg=200)),
    ("signals.new", "GET"): expect("/signaleringen/nieuw", **pages(403, ve=200, cjg=200)),
    ("signals.new", "POST"): expect("/signaleringen/nieuw", **pages(403, ve=422, cjg=422)),
    ("cases.show", "GET"): (
        expect("/dossiers/{case}", **pages(404, jgz=200, ve=200, gemeente=403)),
        expect("/dossiers/{stuck}", **pages(404, jgz=200, cjg=200, gemeente=403)),
        expect("/dossiers/{handover}", **pages(404, jgz=200, ve=200, school=200, gemeente=403)),
    ),
    # The printable warm handover: JGZ, the provider and the school; a case without one is not found.
    ("cases.handover", "GET"): (
        expect("/dossiers/{handover}/overdracht", **pages(404, jgz=200, ve=200, school=200, gemeente=403,
                                                          admin=403)),
        expect("/dossiers/{case}/overdracht", **pages(404, gemeente=403, admin=403)),
    ),
    # Empty forms: the role that may act is told what is missing (422), one that may not is refused.
    ("cases.act", "POST"): (
        expect("/dossiers/{case}/acties/place", **pages(404, jgz=403, ve=422, gemeente=403, admin=403)),
        expect("/dossiers/{stuck}/acties/close", **pages(404, jgz=422, cjg=422, gemeente=403, admin=403)),
        expect("/dossiers/{handover}/acties/acknowledge_handover",
               **pages(404, jgz=403, ve=403, school=422, gemeente=403, admin=403)),
    ),
    # Correcting a record (JGZ; the CJG the parents' contact details) and recording a move (JGZ).
    ("cases.edit", "GET"): (
        expect("/dossiers/{case}/wijzigen", **pages(403, jgz=200, cjg=404)),
        expect("/dossiers/{stuck}/wijzigen", **pages(403, jgz=200, cjg=200)),
    ),
    ("cases.edit", "POST"): (
        expect("/dossiers/{case}/wijzigen", **pages(403, jgz=422, cjg=404)),
        expect("/dossiers/{stuck}/wijzigen", **pages(403, jgz=422, cjg=302)),   # nothing changed: back
    ),
    ("cases.move", "POST"): expect("/dossiers/{case}/verhuizing", **pages(403, jgz=422)),
    # A note from the case page: an empty one comes back to the case page with the message.
    ("reminders.case_note", "POST"): (
        expect("/reminders/dossiers/{case}/notities", **pages(404, jgz=302, ve=302, **INBOX)),
        expect("/reminders/dossiers/{stuck}/notities", **pages(404, jgz=302, cjg=302, **INBOX)),
    ),
    # Outreach log: a contact attempt from the case page (refused input: back to the page with the errors).
    ("outreach.record", "POST"): (
        expect("/dossiers/{case}/contactpogingen", **pages(404, jgz=302, ve=302, **INBOX)),
        expect("/dossiers/{stuck}/contactpogingen", **pages(404, jgz=302, cjg=302, **INBOX)),
    ),
    ("admin.index", "GET"): expect("/beheer", **ADMIN_ONLY),
    ("admin.organisations", "GET"): expect("/beheer/organisaties", **ADMIN_ONLY),
    ("admin.organisations", "POST"): expect("/beheer/organisaties", **pages(403, admin=422)),
    ("admin.organisation", "GET"): expect("/beheer/organisaties/{organisation}", **ADMIN_ONLY),
    ("admin.municipalities", "GET"): expect("/beheer/gemeenten", **ADMIN_ONLY),
    ("admin.municipality", "GET"): expect("/beheer/gemeenten/{municipality}", **ADMIN_ONLY),
    ("admin.municipality", "POST"): expect("/beheer/gemeenten/{municipality}", **pages(403, admin=302)),
    ("admin.organisation", "POST"): expect("/beheer/organisaties/{organisation}", **pages(403, admin=422)),
    # {organisation} still has users and a location: deactivating it is refused with the reason.
    ("admin.organisation_deactivate", "POST"): expect("/beheer/organisaties/{organisation}/deactiveren",
                                                      **pages(403, admin=422)),
    ("admin.organisation_activate", "POST"): expect("/beheer/organisaties/{organisation}/activeren",
                                                    **pages(403, admin=302)),
    ("admin.locations", "GET"): expect("/beheer/locaties", **ADMIN_ONLY),
    ("admin.locations", "POST"): expect("/beheer/locaties", **pages(403, admin=422)),
    ("admin.location", "GET"): expect("/beheer/locaties/{location}", **ADMIN_ONLY),
    ("admin.location", "POST"): expect("/beheer/locaties/{location}", **pages(403, admin=422)),
    ("admin.users", "GET"): expect("/beheer/gebruikers", **ADMIN_ONLY),
    ("admin.users", "POST"): expect("/beheer/gebruikers", **pages(403, admin=422)),
    ("admin.user_deactivate", "POST"): expect("/beheer/gebruikers/{user}/deactiveren", **pages(403, admin=302)),
    ("admin.user_activate", "POST"): expect("/beheer/gebruikers/{user}/activeren", **pages(403, admin=302)),
    ("admin.user_reset", "POST"): expect("/beheer/gebruikers/{user}/wachtwoord", **pages(403, admin=302)),
    ("admin.definitions", "GET"): expect("/beheer/doelgroepdefinities", **ADMIN_ONLY),
    ("admin.definitions", "POST"): expect("/beheer/doelgroepdefinities", **pages(403, admin=422)),
    ("admin.definition_end", "POST"): expect("/beheer/doelgroepdefinities/{definition}/beeindigen",
                                             **pages(403, admin=422)),
    ("admin.workflow", "GET"): expect("/beheer/werkstroom", **ADMIN_ONLY),
    # Issue 12: yearly figures, region membership, targets (the form posts without fields: 422).
    ("admin.figures", "GET"): expect("/beheer/jaarcijfers", **ADMIN_ONLY),
    # Issue 12.4: a VE provider's users keep their own locations' capacity ({location} is provider ve's).
    ("capacity.locations", "GET"): expect("/organisatie/locaties", **pages(403, ve=200)),
    ("capacity.location", "GET"): expect("/organisatie/locaties/{location}", **pages(404, ve=200)),
    ("capacity.location", "POST"): expect("/organisatie/locaties/{location}", **pages(404, ve=302)),
    ("admin.figures_edit", "GET"): expect("/beheer/jaarcijfers/GM0375/2026", **ADMIN_ONLY),
    ("admin.figures_edit", "POST"): expect("/beheer/jaarcijfers/GM0375/2026", **pages(403, admin=302)),
    ("admin.memberships", "GET"): expect("/beheer/regio-indeling", **ADMIN_ONLY),
    ("admin.municipality_create", "POST"): expect("/beheer/regio-indeling", **pages(403, admin=422)),
    ("admin.membership_change", "POST"): expect("/beheer/regio-indeling/wijzigen", **pages(403, admin=422)),
    ("admin.targets", "GET"): expect("/beheer/doelen", **ADMIN_ONLY),
    ("admin.targets", "POST"): expect("/beheer/doelen", **pages(403, admin=422)),
    # Form posts to the inbox come back to the page with a message (done for the owner, "not
    # found" for another organisation's reminder): the role check is what answers 403.
    ("reminders.inbox", "GET"): expect("/reminders/", **pages(200, **INBOX)),
    ("reminders.meetings", "GET"): expect("/reminders/overleg", **pages(200, **INBOX)),
    ("reminders.meeting", "GET"): expect("/reminders/overleg/GM0375", **pages(200, **INBOX)),
    ("reminders.add_note", "POST"): expect("/reminders/overleg/GM0375/notities", **pages(302, **INBOX)),
    ("reminders.done", "POST"): expect("/reminders/{reminder}/afgehandeld", **pages(302, **INBOX)),
    ("reminders.snooze", "POST"): expect("/reminders/{reminder}/uitstellen", **pages(302, **INBOX)),
    # Bereik-overleg as meetings: the CJG of the municipality records; the action's owner and
    # that CJG complete an action; a refused form is a notice on the page it came from.
    ("reminders.open_meeting", "POST"): expect("/reminders/overleg/GM0375/vergaderingen", **pages(302, **INBOX)),
    ("reminders.meeting_record", "GET"): expect("/reminders/vergaderingen/{meeting}", **pages(200, **INBOX)),
    ("reminders.add_action", "POST"): expect("/reminders/vergaderingen/{meeting}/afspraken", **pages(302, **INBOX)),
    ("reminders.action_done", "POST"): expect("/reminders/afspraken/{action}/gedaan",
                                              **pages(404, jgz=302, cjg=302, **INBOX)),
    ("monitor.index", "GET"): expect("/monitor/", **pages(200, **MONITOR_READERS)),
    ("monitor.download_csv", "GET"): expect("/monitor/monitor.csv", **pages(200, **MONITOR_READERS)),
    ("monitor.download_xlsx", "GET"): expect("/monitor/monitor.xlsx", **pages(200, **MONITOR_READERS)),
    ("monitor.declines_csv", "GET"): expect("/monitor/declines.csv", **pages(200, **MONITOR_READERS, cjg=403)),
    ("monitor.trend_page", "GET"): expect("/monitor/trend", **pages(200, **MONITOR_READERS)),
    ("monitor.trend_csv", "GET"): expect("/monitor/trend.csv", **pages(200, **MONITOR_READERS)),
    ("monitor.other", "GET"): expect("/monitor/anders", **pages(403, cjg=200, admin=200)),
    ("monitor.confirm_publish", "GET"): expect("/monitor/publiceren", **pages(403, admin=200)),
    ("monitor.publish", "POST"): expect("/monitor/publish", **pages(403, admin=302)),
    ("monitor.add_category", "POST"): expect("/monitor/categorieen", **pages(403, cjg=302, admin=302)),
    ("monitor.recode", "POST"): expect("/monitor/anders/{event}", **pages(403, cjg=302, admin=302)),
    # The privacy officer's pages and the parents' export; an admin sees no case without break-the-glass.
    ("privacy.audit", "GET"): expect("/beheer/toegangslog", **ADMIN_ONLY),
    ("privacy.audit_csv", "GET"): expect("/beheer/toegangslog.csv", **pages(403, admin=422)),
    ("privacy.grants_csv", "GET"): expect("/beheer/noodtoegang.csv", **ADMIN_ONLY),
    ("privacy.emergency_access", "POST"): expect("/beheer/noodtoegang", **pages(403, admin=422)),
    ("privacy.export_page", "GET"): expect("/dossiers/{case}/inzage", **pages(403, jgz=200, admin=404)),
    ("privacy.export_json", "GET"): expect("/dossiers/{case}/inzage.json", **pages(403, jgz=200, admin=404)),
    ("privacy.export_text", "GET"): expect("/dossiers/{case}/inzage.txt", **pages(403, jgz=200, admin=404)),
}


def probes(row) -> tuple:
    return row if isinstance(row[0], tuple) else (row,)


@pytest.fixture
def targets(app, client, runner, world) -> dict:
    """The objects the rows name, made through the API and the reminders sweep as a user would."""
    app.config["CLOCK_NOW"] = T0
    jgz = ApiClient.sign_in(client, world.emails["jgz"])
    day = T0.date().isoformat()
    case = jgz.register()
    case = jgz.fire(case, "indicate", criteria=["home_language"], indication_date=day)
    case = jgz.fire(case, "refer", location_id=world.ids["loc"], consent=True, referral_date=day)
    handover = jgz.fire(jgz.register(months=46), "indicate", criteria=["home_language"], indication_date=day)
    handover = jgz.fire(handover, "refer", location_id=world.ids["loc"], consent=True, referral_date=day)
    ve = ApiClient.sign_in(client, world.emails["ve"])
    handover = ve.fire(ve.fire(handover, "place", start_date=day, hours_per_week=16), "hand_over_to_school",
                       school_id=world.ids["school"], handover_date=day)
    stuck = jgz.fire(jgz.register(), "indicate", criteria=["home_language"], indication_date=day)
    stuck = jgz.fire(stuck, "report_not_reached", reason="other", reason_text="verhuisd, adres onbekend", date=day)
    result = runner.invoke(args=["reminders", "run", "--now", "2026-03-16T08:00"])
    assert result.exit_code == 0, result.output
    app.config["CLOCK_NOW"] = dt.datetime(2026, 3, 16, 9, 0, tzinfo=clock.LOCAL_TZ)
    with app.app_context():
        from toeleiding.cases.models import CaseEvent
        from toeleiding.organisations.models import TargetGroupDefinition
        from toeleiding.reminders.models import Reminder
        from toeleiding.users.models import User
        from toeleiding.users.operations import password_link_token
        stuck_id = uuid.UUID(stuck["id"])
        reminder = db.session.scalar(select(Reminder.id).where(
            Reminder.case_id == stuck_id, Reminder.role == "cjg", Reminder.state == "open"))
        event = db.session.scalar(select(CaseEvent.id).where(
            CaseEvent.case_id == stuck_id, CaseEvent.trigger == "report_not_reached"))
        target = db.session.scalar(select(User).where(User.email == world.emails["ve2"]))
        definition = db.session.scalar(select(TargetGroupDefinition.id).order_by(TargetGroupDefinition.id))
        from toeleiding.organisations.models import Municipality
        municipality = db.session.scalar(select(Municipality.id).where(Municipality.code == "GM0375"))
        assert reminder and event
        token, target_id = password_link_token(target), target.id
    # Bereik-overleg as meetings (issue 11.8): a meeting of Beverwijk with an action for the JGZ.
    cjg = ApiClient.sign_in(client, world.emails["cjg"])
    meeting = cjg.post("/bereik-overleg/GM0375/meetings", {"held_on": day, "organisation_ids": [world.ids["jgz"]]})
    assert meeting.status_code == 201, meeting.json
    action = cjg.post(f"/meetings/{meeting.json['id']}/actions", {"case_id": stuck["id"], "owner_id": world.ids["jgz"],
                                                                  "due_on": "2026-03-30", "text": "Bellen."})
    assert action.status_code == 201, action.json
    return {"meeting": meeting.json["id"], "action": action.json["id"], "case": case["id"], "handover": handover["id"],
            "handover_version": handover["version"],
            "version": case["version"], "stuck": stuck["id"], "reminder": reminder,
            "event": event, "location": world.ids["loc"], "user": target_id,
            "organisation": world.ids["ve2"], "definition": definition, "municipality": municipality,
            "token": token}


class _Web(WebClient):
    def _remember_token(self, response):
        # Downloads (CSV, XLSX, JSON) are not pages: there is no token to take from them.
        return super()._remember_token(response) if response.mimetype == "text/html" else response


def matches(answer, expected) -> bool:
    return answer in expected if isinstance(expected, frozenset) else answer == expected


def page_answer(app, world, role: str, method: str, url: str, targets: dict):
    web = _Web(app)
    if role != "anon":
        web.sign_in(world.emails[role])
    if method == "GET":
        r = web.get(url)
    else:
        # The case's version rides along, so a transition is judged on its role and scope alone.
        version = targets["handover_version"] if targets["handover"] in url else targets["version"]
        r = web.client.open(url, method=method, data={"csrf_token": web.token or _token(web),
                                                      "version": str(version)})
    answer = r.status_code
    if answer == 302 and r.location.startswith("/aanmelden?next="):
        answer = SIGN_IN
    if answer in (403, 404):
        body = r.get_data(as_text=True)
        assert "Traceback" not in body and "<main" in body, (url, role)   # a page, not a bare error
    r.close()
    return answer


def _token(web) -> str:
    web.get("/aanmelden")
    return web.token


@pytest.mark.parametrize("key", sorted(PAGES), ids=lambda k: f"{k[1]} {k[0]}")
def test_page_answers_each_role(app, world, targets, key):
    endpoint, method = key
    for template, expected in probes(PAGES[key]):
        url = template.format(**targets)
        answers = {}
        for role in ROLES:   # a fresh session per role
            answers[role] = page_answer(app, world, role, method, url, targets)
            if endpoint == "admin.user_deactivate" and role == "admin":
                _Web(app).sign_in(world.emails["admin"]).post(f"/beheer/gebruikers/{targets['user']}/activeren")
        wrong = {r: (a, expected[r]) for r, a in answers.items() if not matches(a, expected[r])}
        assert not wrong, f"{method} {template}: role -> (answer, expected) {wrong}"
