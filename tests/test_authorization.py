"""Every route of the application, every method, as every role and as an anonymous user.

The routes come from the app's URL map: every (endpoint, method) pair of every rule (HEAD and
OPTIONS aside) must have a row, pages in ``tests/web/test_pages.py`` and the JSON API and static
files here, or ``test_every_route_and_method_has_expected_answers`` fails. A row is one line; the
notation (``expect``, ``ok``, ``SIGN_IN``) is explained in tests/web/test_pages.py. The calls carry
no valid body, so "allowed" shows as the validation answer (422) or the answer itself, and
"refused" as exactly one of 401/403/404.
"""
from __future__ import annotations

import pytest

from .factories import ApiClient
from .web.test_pages import PAGES, REFUSALS, ROLES, expect, matches, ok, probes, targets  # noqa: F401

NOT_ROLE = {"anon": 401}


def api(default, **answers):
    """Every API route but sign-in wants a bearer token: anonymous callers get 401."""
    return {"default": default, **NOT_ROLE, **answers}


MONITOR_READERS = dict(jgz=403, ve=403, school=403)
INBOX = dict(gemeente=403, admin=403, school=403)

# (endpoint, method) -> expect(...) or a tuple of them; {case}, {stuck}, {reminder}, {event} as in test_pages.
API = {
    ("static", "GET"): expect("/static/css/app.css", 200),
    ("api.openapi", "GET"): expect("/api/v1/openapi.json", 200),
    # The seventh empty sign-in from the same address in a row (the matrix's last role) is throttled.
    ("api.login", "POST"): expect("/api/v1/auth/login", 401, school=429),
    ("api.logout", "POST"): expect("/api/v1/auth/logout", **api(204)),
    ("api.totp_setup", "POST"): expect("/api/v1/auth/totp/setup", **api(200)),
    ("api.totp_confirm", "POST"): expect("/api/v1/auth/totp/confirm", **api(422)),
    ("api.me", "GET"): expect("/api/v1/me", **api(200)),
    ("api.workflow", "GET"): expect("/api/v1/workflow", **api(200)),
    ("api.municipalities", "GET"): expect("/api/v1/municipalities", **api(200)),
    ("api.locations", "GET"): expect("/api/v1/locations", **api(200)),
    ("api.schools", "GET"): expect("/api/v1/schools", **api(200)),
    # Lists are scoped, never refused: a municipal user's list is simply empty.
    ("api.cases", "GET"): expect("/api/v1/cases", **api(200)),
    ("api.search_cases", "POST"): expect("/api/v1/cases/search", **api(200)),
    ("api.create_case", "POST"): expect("/api/v1/cases", **api(403, jgz=422)),
    ("api.case", "GET"): (
        expect("/api/v1/cases/{case}", **api(404, jgz=200, ve=200)),
        expect("/api/v1/cases/{stuck}", **api(404, jgz=200, cjg=200)),
        expect("/api/v1/cases/{handover}", **api(404, jgz=200, ve=200, school=200)),
    ),
    ("api.transition", "POST"): (
        expect("/api/v1/cases/{case}/transitions", **api(404, jgz=422, ve=422)),
        expect("/api/v1/cases/{stuck}/transitions", **api(404, jgz=422, cjg=422)),
        expect("/api/v1/cases/{handover}/transitions", **api(404, jgz=422, ve=422, school=422)),
    ),
    ("api.correct", "PATCH"): (
        expect("/api/v1/cases/{case}", **api(404, jgz=422, ve=403)),
        expect("/api/v1/cases/{stuck}", **api(404, jgz=422, cjg=422)),
    ),
    ("api.move", "POST"): expect("/api/v1/cases/{case}/moves", **api(404, jgz=422, ve=403)),
    ("api.case_export", "GET"): expect("/api/v1/cases/{case}/export", **api(404, jgz=200, ve=403)),
    ("api.case_break_glass", "POST"): expect("/api/v1/cases/{case}/break-glass", **api(403, admin=422)),
    ("api.audit_entries", "GET"): expect("/api/v1/audit", **api(403, admin=422)),
    ("api.audit_csv", "GET"): expect("/api/v1/audit.csv", **api(403, admin=422)),
    ("api.reminders", "GET"): expect("/api/v1/reminders", **api(200)),
    # A reminder is found only in its own organisation's inbox.
    ("api.reminder_done", "POST"): expect("/api/v1/reminders/{reminder}/done", **api(404, cjg=200)),
    ("api.reminder_snooze", "POST"): expect("/api/v1/reminders/{reminder}/snooze", **api(404, cjg=422)),
    ("api.meeting", "GET"): expect("/api/v1/bereik-overleg/GM0375", **api(200, **INBOX)),
    ("api.case_note", "POST"): (
        expect("/api/v1/cases/{case}/notes", **api(404, jgz=422, ve=422)),
        expect("/api/v1/cases/{stuck}/notes", **api(404, jgz=422, cjg=422)),
    ),
    ("api.meeting_note", "POST"): expect("/api/v1/bereik-overleg/GM0375/notes", **api(404, **INBOX)),
    # Bereik-overleg as meetings: JGZ, VE and CJG of the region read; the municipality's CJG
    # records; the action's owner (JGZ here) and that CJG complete it. Municipal users: 403.
    ("api.meetings_of_municipality", "GET"): expect("/api/v1/bereik-overleg/GM0375/meetings", **api(200, **INBOX)),
    ("api.create_meeting", "POST"): expect("/api/v1/bereik-overleg/GM0375/meetings", **api(403, cjg=422)),
    ("api.meeting_detail", "GET"): expect("/api/v1/meetings/{meeting}", **api(200, **INBOX)),
    ("api.create_meeting_action", "POST"): expect("/api/v1/meetings/{meeting}/actions", **api(403, cjg=422)),
    ("api.meeting_action_done", "POST"): expect("/api/v1/meeting-actions/{action}/done", **api(404, jgz=200, cjg=200)),
    ("api.monitor", "GET"): expect("/api/v1/monitor", **api(422, **MONITOR_READERS)),
    ("api.monitor_flows", "GET"): expect("/api/v1/monitor/flows", **api(422, **MONITOR_READERS)),
    ("api.monitor_declines", "GET"): expect("/api/v1/monitor/declines", **api(422, **MONITOR_READERS, cjg=403)),
    # Issue 12.5: reach over the reference dates; without any asked, the published ones (or month ends).
    ("api.monitor_trend", "GET"): (expect("/api/v1/monitor/trend", **api(422, **MONITOR_READERS)),
                                   expect("/api/v1/monitor/trend?region=ijmond", **api(200, **MONITOR_READERS))),
    # Outreach log (issue 11, point 7): attempts on a case in scope; the table for gemeente and admin.
    ("api.contact_attempts", "GET"): (
        expect("/api/v1/cases/{case}/contact-attempts", **api(404, jgz=200, ve=200)),
        expect("/api/v1/cases/{stuck}/contact-attempts", **api(404, jgz=200, cjg=200)),
    ),
    ("api.add_contact_attempt", "POST"): (
        expect("/api/v1/cases/{case}/contact-attempts", **api(404, jgz=422, ve=422)),
        expect("/api/v1/cases/{stuck}/contact-attempts", **api(404, jgz=422, cjg=422)),
    ),
    # Signals (issue 11.9): VE and CJG signal (an empty body is 422) and read their own; others 403.
    ("api.signals", "GET"): expect("/api/v1/signals", **api(403, ve=200, cjg=200)),
    ("api.create_signal", "POST"): expect("/api/v1/signals", **api(403, ve=422, cjg=422)),
    # The signals about a case: JGZ reads them; a provider seeing the case (referred to it) is 403.
    ("api.case_signals", "GET"): (
        expect("/api/v1/cases/{case}/signals", **api(404, jgz=200, ve=403)),
        expect("/api/v1/cases/{stuck}/signals", **api(404, jgz=200, cjg=403)),
    ),
    ("api.monitor_contact_attempts", "GET"): expect("/api/v1/monitor/contact-attempts",
                                                    **api(422, **MONITOR_READERS, cjg=403)),
    ("api.monitor_categories", "GET"): expect("/api/v1/monitor/categories", **api(422, **MONITOR_READERS)),
    ("api.monitor_publications", "GET"): expect("/api/v1/monitor/publications", **api(422, **MONITOR_READERS)),
    ("api.monitor_publication", "GET"): expect("/api/v1/monitor/publications/2026-01-01",
                                               **api(422, **MONITOR_READERS)),
    ("api.other_reports", "GET"): expect("/api/v1/monitor/other", **api(422, **MONITOR_READERS)),
    ("api.publish", "POST"): expect("/api/v1/monitor/publications", **api(403, admin=422)),
    ("api.create_category", "POST"): expect("/api/v1/monitor/categories", **api(403, cjg=422, admin=422)),
    ("api.recode", "POST"): expect("/api/v1/monitor/recodings", **api(403, cjg=422, admin=422)),
    # {event} was never recoded: the roles that may recode learn there is nothing to undo.
    # Issue 12: a municipality's yearly figures and the region's targets, the admin's (own region).
    ("api.municipality_figures", "GET"): expect("/api/v1/municipalities/GM0375/figures/2026", **api(403, admin=200)),
    ("api.put_municipality_figures", "PUT"): expect("/api/v1/municipalities/GM0375/figures/2026", **api(403, admin=200)),
    ("api.targets", "GET"): expect("/api/v1/targets", **api(403, admin=200)),
    # Issue 12.4: a location's capacity, its provider's ({location} is provider ve's) and the admin's.
    ("api.location_capacity", "GET"): expect("/api/v1/locations/{location}/capacity", **api(403, ve=200, admin=200)),
    ("api.put_location_capacity", "PUT"): expect("/api/v1/locations/{location}/capacity",
                                                 **api(403, ve=200, admin=200)),
    ("api.create_target", "POST"): expect("/api/v1/targets", **api(403, admin=422)),
    ("api.undo_recode", "DELETE"): expect("/api/v1/monitor/recodings/{event}", **api(403, cjg=404, admin=404)),
}


def _routes(app) -> set[tuple[str, str]]:
    return {(rule.endpoint, method) for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def _without_rows(app) -> list[tuple[str, str]]:
    routes = _routes(app)
    return sorted(k for k in routes if k not in (API if k[0] == "static" or k[0].startswith("api.") else PAGES))


def test_every_route_and_method_has_expected_answers(app):
    routes = _routes(app)
    missing = _without_rows(app)
    assert not missing, (f"routes without expected answers: {missing}; add a row per (endpoint, method) "
                         "to API in tests/test_authorization.py or PAGES in tests/web/test_pages.py")
    stale = sorted((set(API) | set(PAGES)) - routes)
    assert not stale, f"rows for routes that no longer exist: {stale}"
    misplaced = sorted(k for k in routes if k in API and k in PAGES)
    assert not misplaced, f"rows in both tables: {misplaced}"
    for key, row in {**API, **PAGES}.items():
        for url, answers in probes(row):
            assert set(answers) == set(ROLES), key
            for role, answer in answers.items():
                # A refusal is one exact answer: a set of acceptable codes is for allowed roles only.
                assert not (isinstance(answer, frozenset) and answer & REFUSALS), (key, url, role, answer)


def test_the_table_check_sees_a_new_method_on_an_existing_route(app):
    # The check fails on a route's new method, not only on a new route: add a PUT to a page route.
    assert ("admin.workflow", "PUT") not in _without_rows(app)
    app.add_url_rule("/beheer/werkstroom", "admin.workflow", methods=["PUT"])
    assert ("admin.workflow", "PUT") in _without_rows(app)


@pytest.mark.parametrize("key", sorted(API), ids=lambda k: f"{k[1]} {k[0]}")
def test_route_answers_each_role_as_expected(app, world, targets, key):
    method = key[1]
    for template, expected in probes(API[key]):
        url = template.format(**targets)
        answers = {}
        for role in ROLES:
            client = app.test_client()
            headers = {} if role == "anon" else ApiClient.sign_in(client, world.emails[role]).headers
            body = None if method in ("GET", "DELETE") else {}
            response = client.open(url, method=method, headers=headers, json=body)
            answers[role] = response.status_code
            response.close()   # static files are streamed from disk
        wrong = {r: (a, expected[r]) for r, a in answers.items() if not matches(a, expected[r])}
        assert not wrong, f"{method} {template}: role -> (answer, expected) {wrong}"
