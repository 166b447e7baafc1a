"""The monitor's table of contact attempts before not reached (outreach log, issue 11 point 7):
children not reached at P per reason, by the attempts (0, 1, 2, 3+) dated up to the report; read
by the municipality (suppressed) and the administrator, refused to other roles."""
from __future__ import annotations

import pytest

from .factories import at, referred


def _attempts(client, case, *days):
    for i, day in enumerate(days):
        r = client.post(f"/cases/{case['id']}/contact-attempts",
                        {"date": day, "method": ("phone", "letter", "home_visit")[i % 3], "interpreter": i == 1})
        assert r.status_code == 201, r.json


@pytest.fixture
def reports(app, api, world):
    """Children of Beverwijk reported not reached in March 2025 after 0 to 4 attempts; one
    attempt after its report does not count for it."""
    loc = world.ids["loc"]
    at(app, "2025-02-01")
    jgz = api("jgz")
    c = {k: referred(jgz, "2022-06-15", "2025-02-01", loc) for k in ("N2", "N3", "N4", "P0", "P1", "M0")}
    at(app, "2025-03-15")
    jgz = api("jgz")
    _attempts(jgz, c["N2"], "2025-02-10", "2025-03-01")
    _attempts(jgz, c["N3"], "2025-02-10", "2025-02-20", "2025-03-01")
    _attempts(jgz, c["N4"], "2025-02-10", "2025-02-20", "2025-03-01", "2025-03-02")
    _attempts(jgz, c["P1"], "2025-02-10", "2025-03-12")   # the second after the report
    for k in ("N2", "N3", "N4"):
        jgz.fire(c[k], "report_not_reached", reason="no_contact", date="2025-03-05")
    jgz.fire(c["P0"], "report_not_reached", reason="parents_declined", date="2025-03-05")
    jgz.fire(c["P1"], "report_not_reached", reason="parents_declined", date="2025-03-05")
    at(app, "2025-05-15")
    return c


def table(api, peildatum, who="admin"):
    r = api(who).get(f"/monitor/contact-attempts?region=ijmond&peildatum={peildatum}")
    assert r.status_code == 200, r.json
    return r.json


def values(body):
    out = {r["code"]: {b: c["value"] for b, c in r["cells"].items()} for r in body["reasons"]}
    out["total"] = {b: c["value"] for b, c in body["total"]["cells"].items()}
    return out


def test_attempts_before_not_reached_per_reason(api, reports):
    body = table(api, "2025-03-31")
    assert body["buckets"] == ["0", "1", "2", "3+"] and body["threshold"] is None
    got = values(body)
    assert got["no_contact"] == {"0": 0, "1": 0, "2": 1, "3+": 2, "total": 3}
    assert got["parents_declined"] == {"0": 1, "1": 1, "2": 0, "3+": 0, "total": 2}
    assert got["moved"]["total"] == 0
    assert got["total"] == {"0": 1, "1": 1, "2": 1, "3+": 2, "total": 5}


def test_the_table_reads_the_state_at_the_reference_date(api, reports):
    assert values(table(api, "2025-02-28"))["total"]["total"] == 0   # reported in March


def test_a_child_referred_again_no_longer_counts(api, world, reports):
    jgz = api("jgz")
    case = jgz.get(f"/cases/{reports['N2']['id']}").json
    jgz.fire(case, "re_refer", location_id=world.ids["loc"], consent=True, referral_date="2025-04-10")
    assert values(table(api, "2025-04-30"))["no_contact"]["total"] == 2
    assert values(table(api, "2025-03-31"))["no_contact"]["total"] == 3


def test_the_municipality_reads_it_suppressed_and_other_roles_not_at_all(api, reports):
    body = table(api, "2025-03-31", who="gemeente")
    assert body["threshold"] == 10
    assert body["total"]["cells"]["total"] == {"value": None, "display": "<10"}
    assert all(c["value"] in (0, None) for r in body["reasons"] for c in r["cells"].values())
    for who in ("jgz", "ve", "cjg"):
        assert api(who).get("/monitor/contact-attempts?region=ijmond&peildatum=2025-03-31").status_code == 403
    assert api("gemeente").get("/monitor/contact-attempts?region=bevelanden&peildatum=2025-03-31").status_code == 403


def test_the_monitor_page_shows_the_table_to_the_municipality(app, world, reports):
    from .web.conftest import WebClient
    page = WebClient(app).sign_in(world.emails["gemeente"]).get("/monitor/?peildatum=2025-03-31")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Contactpogingen voor niet bereikt" in body and "3+ pogingen" in body and "Geen contact met ouders" in body
