"""The outreach log (issue 11, point 7): JGZ, VE and CJG record contact attempts with a family on a
case (date, method from the workflow file's list, interpreter, encrypted outcome), in the case's
timeline; the workflow file asks for a minimum of attempts before "not reached: no contact"; the
monitor counts attempts before not reached per reason, suppressed like the rest."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from toeleiding.extensions import db

from .factories import days_ago


def attempt(client, case, expect=201, **data):
    body = {"date": days_ago(1), "method": "phone", "interpreter": False, **data}
    r = client.post(f"/cases/{case['id']}/contact-attempts", body)
    assert r.status_code == expect, r.json
    return r.json


def referred(api, world):
    return api("jgz").referred(world.ids["loc"])


# --- Recording and reading -------------------------------------------------------------------

@pytest.mark.parametrize("who", ["jgz", "ve", "cjg"])
def test_jgz_ve_and_cjg_record_attempts_that_whoever_sees_the_case_reads(api, world, who):
    case = referred(api, world)
    if who == "cjg":   # the CJG sees a child once it was not reached
        case = api("jgz").fire(case, "report_not_reached", reason="moved", date=days_ago(1))
    made = attempt(api(who), case, method="home_visit", interpreter=True, outcome="Moeder thuis, tolk Arabisch.")
    assert made["method"] == "home_visit" and made["method_label"] == "Huisbezoek" and made["interpreter"] is True
    items = api("jgz").get(f"/cases/{case['id']}/contact-attempts").json["items"]
    assert [(a["date"], a["method"], a["interpreter"], a["outcome"]) for a in items] == [
        (days_ago(1), "home_visit", True, "Moeder thuis, tolk Arabisch.")]


def test_the_outcome_is_stored_encrypted(app, api, world):
    case = referred(api, world)
    attempt(api("jgz"), case, outcome="Geheimzinnige uitkomst Xq7")
    with app.app_context():
        raw = db.session.execute(text("SELECT outcome FROM contact_attempts")).scalar_one()
    assert b"Xq7" not in bytes(raw)


@pytest.mark.parametrize(("data", "field"), [
    ({"date": None}, "date"),
    ({"date": "morgen"}, "date"),
    ({"date": (dt.date.today() + dt.timedelta(days=400)).isoformat()}, "date"),
    ({"method": None}, "method"),
    ({"method": "carrier_pigeon"}, "method"),
    ({"interpreter": "ja"}, "interpreter"),
    ({"outcome": "x" * 2001}, "outcome"),
    ({"outcome": 12}, "outcome"),
])
def test_bad_input_is_refused_at_its_field(api, world, data, field):
    case = referred(api, world)
    body = attempt(api("jgz"), case, expect=422, **data)
    assert body["error"]["field"] == field
    assert api("jgz").get(f"/cases/{case['id']}/contact-attempts").json["items"] == []


def test_every_field_at_fault_is_named_at_once(api, world):
    case = referred(api, world)
    r = api("jgz").post(f"/cases/{case['id']}/contact-attempts", {"outcome": "x"})
    assert r.status_code == 422
    assert [f["field"] for f in r.json["error"]["fields"]] == ["date", "method"]
    assert r.json["error"]["fields"][0]["message"] == "Datum is verplicht."


def test_outside_the_scope_the_case_does_not_exist(api, world):
    case = referred(api, world)
    # Another provider; a CJG while the child was not yet not reached; the municipality and the
    # administrator, who never see a child (without break-the-glass): the scope answers first.
    for who in ("ve2", "cjg", "gemeente", "admin"):
        assert api(who).get(f"/cases/{case['id']}/contact-attempts").status_code == 404
        attempt(api(who), case, expect=404)
    assert api("jgz").get("/cases/not-a-case/contact-attempts").status_code == 404


def test_a_provider_the_child_left_may_not_record_any_more(api, world):
    case = referred(api, world)
    case = api("ve").fire(case, "decline_referral", decline_reason="no_capacity", date=days_ago(0))
    case = api("jgz").get(f"/cases/{case['id']}").json
    api("jgz").fire(case, "refer", location_id=world.ids["loc2"], consent=True, referral_date=days_ago(0))
    attempt(api("ve"), case, expect=404)   # it declined: it no longer sees the child
    attempt(api("ve2"), case)


# --- The workflow's minimum before "no contact" ------------------------------------------------

def test_no_contact_needs_two_attempts_first_with_an_error_at_the_reason(api, world):
    jgz = api("jgz")
    case = referred(api, world)
    body = {"trigger": "report_not_reached", "version": case["version"], "data": {"reason": "no_contact", "date": days_ago(0)}}
    r = jgz.post(f"/cases/{case['id']}/transitions", body)
    assert r.status_code == 422 and r.json["error"]["field"] == "reason"
    assert "minstens 2 contactpogingen" in r.json["error"]["message"] and "Geen contact met ouders" in r.json["error"]["message"]
    attempt(jgz, case, date=days_ago(3))
    assert jgz.post(f"/cases/{case['id']}/transitions", body).status_code == 422
    r = jgz.post(f"/cases/{case['id']}/transitions", {**body, "data": {"reason": "no_contact", "date": days_ago(5)}})
    assert r.status_code == 422   # attempts count up to the report's own date
    attempt(jgz, case, date=days_ago(2), method="letter")
    r = jgz.post(f"/cases/{case['id']}/transitions", body)
    assert r.status_code == 200 and r.json["state"] == "not_reached"


def test_the_error_reads_in_english_too(api, world):
    jgz = api("jgz")
    case = referred(api, world)
    r = jgz.client.post(f"/api/v1/cases/{case['id']}/transitions",
                        json={"trigger": "report_not_reached", "version": case["version"],
                              "data": {"reason": "no_contact", "date": days_ago(0)}},
                        headers={**jgz.headers, "Accept-Language": "en"})
    assert r.status_code == 422 and r.json["error"]["field"] == "reason"
    assert "at least 2 contact attempts" in r.json["error"]["message"] and "No contact with parents" in r.json["error"]["message"]


def test_other_reasons_need_no_attempts(api, world):
    case = referred(api, world)
    case = api("jgz").fire(case, "report_not_reached", reason="parents_declined", date=days_ago(0))
    assert case["state"] == "not_reached"


# --- The case page ----------------------------------------------------------------------------

def test_the_case_page_records_an_attempt_and_shows_it_in_the_history(app, api, world):
    from .web.conftest import WebClient
    case = referred(api, world)
    web = WebClient(app).sign_in(world.emails["ve"])
    page = web.get(f"/dossiers/{case['id']}").get_data(as_text=True)
    assert 'id="outreach-form"' in page and "Via een partner" in page
    r = web.post(f"/dossiers/{case['id']}/contactpogingen",
                 data={"date": days_ago(1), "method": "partner", "interpreter": "ja", "outcome": "Via de bibliotheek."})
    assert r.status_code == 302
    page = web.get(f"/dossiers/{case['id']}").get_data(as_text=True)
    assert "Contactpoging vastgelegd." in page
    history = page.split('id="history-title"', 1)[1]
    assert "Contactpoging" in history and "Via een partner" in history and "met tolk" in history
    assert "Via de bibliotheek." in history


def test_a_refused_form_says_why_and_stores_nothing(app, api, world):
    from .web.conftest import WebClient
    case = referred(api, world)
    web = WebClient(app).sign_in(world.emails["jgz"])
    r = web.post(f"/dossiers/{case['id']}/contactpogingen", data={"date": "", "method": ""})
    assert r.status_code == 302
    page = web.get(f"/dossiers/{case['id']}").get_data(as_text=True)
    assert "Datum is verplicht." in page and "Manier van contact is verplicht." in page
    assert api("jgz").get(f"/cases/{case['id']}/contact-attempts").json["items"] == []


def test_the_parents_export_holds_the_attempts(api, world):
    case = referred(api, world)
    attempt(api("ve"), case, method="letter", outcome="Brief verstuurd.")
    r = api("jgz").get(f"/cases/{case['id']}/export")
    assert r.status_code == 200
    assert [(a["method"], a["outcome"]) for a in r.json["contact_attempts"]] == [("letter", "Brief verstuurd.")]
