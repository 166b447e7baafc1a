"""Every route of the application, as every role and as an anonymous user.

The routes come from the app's URL map. Pages of the web, cases and admin blueprints have
their table in tests/web/test_pages.py; every other route has one here. A route that has no
expected answer in either table fails ``test_every_route_has_an_expected_answer_per_role``.
The calls carry no valid form or body, so "allowed" shows as the validation answer (422) or
the page itself, and "refused" as 401/403/404 or the sign-in redirect.
"""
from __future__ import annotations

import pytest

from .factories import ApiClient, days_ago
from .web.conftest import WebClient
from .web.test_pages import BLUEPRINTS as PAGE_BLUEPRINTS, EXPECTED as PAGE_EXPECTED

ROLES = ("anon", "jgz", "ve", "cjg", "gemeente", "admin")


def each(status: int, **overrides) -> dict:
    return {**{r: status for r in ROLES}, **overrides}


def signed_in(status: int, anon: int = 401, **overrides) -> dict:
    return {**each(status), "anon": anon, **overrides}


MONITOR_READERS = dict(jgz=403, ve=403)       # gemeente, CJG (recoding 'other') and admin read aggregates
INBOX_OWNERS = dict(gemeente=403, admin=403)  # reminders and bereik-overleg: the roles that act on cases

# endpoint -> (method, url, {role: status}); {case} is a referred case provider 've' sees.
EXPECTED = {
    "static": ("GET", "/static/css/app.css", each(200)),
    "api.openapi": ("GET", "/api/v1/openapi.json", each(200)),
    "api.login": ("POST", "/api/v1/auth/login", each(401)),
    "api.logout": ("POST", "/api/v1/auth/logout", signed_in(204)),
    "api.totp_setup": ("POST", "/api/v1/auth/totp/setup", signed_in(200)),
    "api.totp_confirm": ("POST", "/api/v1/auth/totp/confirm", signed_in(422)),
    "api.me": ("GET", "/api/v1/me", signed_in(200)),
    "api.workflow": ("GET", "/api/v1/workflow", signed_in(200)),
    "api.municipalities": ("GET", "/api/v1/municipalities", signed_in(200)),
    "api.locations": ("GET", "/api/v1/locations", signed_in(200)),
    "api.schools": ("GET", "/api/v1/schools", signed_in(200)),
    # Lists are scoped, never refused: a municipal user's list is simply empty.
    "api.cases": ("GET", "/api/v1/cases", signed_in(200)),
    "api.create_case": ("POST", "/api/v1/cases", signed_in(403, jgz=422)),
    "api.case": ("GET", "/api/v1/cases/{case}", signed_in(404, jgz=200, ve=200)),
    "api.transition": ("POST", "/api/v1/cases/{case}/transitions", signed_in(404, jgz=422, ve=422)),
    "api.move": ("POST", "/api/v1/cases/{case}/moves", signed_in(404, jgz=422, ve=403)),
    "api.case_export": ("GET", "/api/v1/cases/{case}/export", signed_in(404, jgz=200, ve=403)),
    "api.case_break_glass": ("POST", "/api/v1/cases/{case}/break-glass", signed_in(403, admin=422)),
    "api.audit_entries": ("GET", "/api/v1/audit", signed_in(403, admin=422)),
    "api.audit_csv": ("GET", "/api/v1/audit.csv", signed_in(403, admin=422)),
    "api.reminders": ("GET", "/api/v1/reminders", signed_in(200)),
    "api.reminder_done": ("POST", "/api/v1/reminders/1/done", signed_in(404)),
    "api.reminder_snooze": ("POST", "/api/v1/reminders/1/snooze", signed_in(404)),
    "api.meeting": ("GET", "/api/v1/bereik-overleg/GM0375", signed_in(200, **INBOX_OWNERS)),
    "api.meeting_note": ("POST", "/api/v1/bereik-overleg/GM0375/notes", signed_in(404, **INBOX_OWNERS)),
    "api.monitor": ("GET", "/api/v1/monitor", signed_in(422, **MONITOR_READERS)),
    "api.monitor_flows": ("GET", "/api/v1/monitor/flows", signed_in(422, **MONITOR_READERS)),
    "api.monitor_categories": ("GET", "/api/v1/monitor/categories", signed_in(422, **MONITOR_READERS)),
    "api.monitor_publications": ("GET", "/api/v1/monitor/publications", signed_in(422, **MONITOR_READERS)),
    "api.monitor_publication": ("GET", "/api/v1/monitor/publications/2026-01-01", signed_in(422, **MONITOR_READERS)),
    "api.other_reports": ("GET", "/api/v1/monitor/other", signed_in(422, **MONITOR_READERS)),
    "api.publish": ("POST", "/api/v1/monitor/publications", signed_in(403, admin=422)),
    "api.create_category": ("POST", "/api/v1/monitor/categories", signed_in(403, cjg=422, admin=422)),
    "api.recode": ("POST", "/api/v1/monitor/recodings", signed_in(403, cjg=422, admin=422)),
    "api.undo_recode": ("DELETE", "/api/v1/monitor/recodings/1", signed_in(403, cjg=404, admin=404)),
    "reminders.inbox": ("GET", "/reminders/", signed_in(200, anon=302, **INBOX_OWNERS)),
    "reminders.meetings": ("GET", "/reminders/overleg", signed_in(200, anon=302, **INBOX_OWNERS)),
    "reminders.meeting": ("GET", "/reminders/overleg/GM0375", signed_in(200, anon=302, **INBOX_OWNERS)),
    # Form posts without a valid choice come back to the page with a message.
    "reminders.add_note": ("POST", "/reminders/overleg/GM0375/notities", signed_in(302, anon=302, **INBOX_OWNERS)),
    "reminders.done": ("POST", "/reminders/1/afgehandeld", signed_in(302, anon=302, **INBOX_OWNERS)),
    "reminders.snooze": ("POST", "/reminders/1/uitstellen", signed_in(302, anon=302, **INBOX_OWNERS)),
    "monitor.index": ("GET", "/monitor/", signed_in(200, anon=302, **MONITOR_READERS)),
    "monitor.download_csv": ("GET", "/monitor/monitor.csv", signed_in(200, anon=302, **MONITOR_READERS)),
    "monitor.download_xlsx": ("GET", "/monitor/monitor.xlsx", signed_in(200, anon=302, **MONITOR_READERS)),
    "monitor.other": ("GET", "/monitor/anders", signed_in(403, anon=302, cjg=200, admin=200)),
    "monitor.publish": ("POST", "/monitor/publish", signed_in(403, anon=302, admin=302)),
    "monitor.add_category": ("POST", "/monitor/categorieen", signed_in(403, anon=302, cjg=302, admin=302)),
    "monitor.recode": ("POST", "/monitor/anders/1", signed_in(403, anon=302, cjg=302, admin=302)),
    # The privacy officer's pages and the parents' export; an admin sees no case without break-the-glass.
    "privacy.audit": ("GET", "/beheer/toegangslog", signed_in(403, anon=302, admin=200)),
    "privacy.audit_csv": ("GET", "/beheer/toegangslog.csv", signed_in(403, anon=302, admin=422)),
    "privacy.emergency_access": ("POST", "/beheer/noodtoegang", signed_in(403, anon=302, admin=422)),
    "privacy.export_page": ("GET", "/dossiers/{case}/inzage", signed_in(403, anon=302, jgz=200, admin=404)),
    "privacy.export_json": ("GET", "/dossiers/{case}/inzage.json", signed_in(403, anon=302, jgz=200, admin=404)),
}


def test_every_route_has_an_expected_answer_per_role(app):
    routes = {rule.endpoint for rule in app.url_map.iter_rules()}
    covered = set(EXPECTED) | {e for e in routes if e.split(".")[0] in PAGE_BLUEPRINTS and e in PAGE_EXPECTED}
    assert routes - covered == set(), "a new route needs its expected answers in EXPECTED (or tests/web/test_pages.py)"
    assert set(EXPECTED) - routes == set(), "EXPECTED names a route that no longer exists"
    for endpoint, (_, _, answers) in EXPECTED.items():
        assert set(answers) == set(ROLES), endpoint


class _Web(WebClient):
    def _remember_token(self, response):
        # Downloads (CSV, XLSX) are not pages: there is no token to take from them.
        return super()._remember_token(response) if response.mimetype == "text/html" else response


@pytest.fixture
def referred_case(client, world):
    jgz = ApiClient.sign_in(client, world.emails["jgz"])
    case = jgz.register()
    case = jgz.fire(case, "indicate", criteria=["home_language"], indication_date=days_ago(10))
    return jgz.fire(case, "refer", location_id=world.ids["loc"], consent=True, referral_date=days_ago(5))["id"]


@pytest.mark.parametrize("endpoint", sorted(EXPECTED))
def test_route_answers_each_role_as_expected(app, world, referred_case, endpoint):
    method, template, expected = EXPECTED[endpoint]
    url = template.format(case=referred_case)
    answers = {}
    for role in ROLES:
        if url.startswith("/api/"):
            client = app.test_client()
            headers = {} if role == "anon" else ApiClient.sign_in(client, world.emails[role]).headers
            body = None if method in ("GET", "DELETE") else {}
            response = client.open(url, method=method, headers=headers, json=body)
        else:
            web = _Web(app)
            if role != "anon":
                web.sign_in(world.emails[role])
            response = web.get(url) if method == "GET" else web.post(url, {})
        answers[role] = response.status_code
        response.close()   # static files are streamed from disk
    assert answers == expected
