"""Correcting a record (issue 13, point 1): JGZ corrects the child and parents, the CJG only the
parents' contact details; versioned like a transition; the history names the changed fields, never
their values; the BSN's blind index follows and the duplicate check runs again."""
from __future__ import annotations

import json
import uuid

from sqlalchemy import select

from toeleiding.audit.models import AccessLogEntry
from toeleiding.cases.models import Case, CaseEvent
from toeleiding.extensions import db

from .db_fingerprint import fingerprint
from .factories import days_ago, make_bsn
from .web.conftest import web  # noqa: F401  (the search is a page)


def patch(client, case, body, lang=None):
    headers = {**client.headers, **({"Accept-Language": lang} if lang else {})}
    return client.client.patch(f"/api/v1/cases/{case['id']}", json={"version": case["version"], **body},
                               headers=headers)


def stuck(api):
    """Not reached, reported by JGZ before any referral: JGZ and the CJG see it."""
    jgz = api("jgz")
    case = jgz.fire(jgz.register(), "indicate", criteria=["home_language"], indication_date=days_ago(20))
    return jgz.fire(case, "report_not_reached", reason="no_contact", date=days_ago(3))


def actions(app, case_id):
    with app.app_context():
        return [(e.action, e.role, e.result) for e in db.session.scalars(
            select(AccessLogEntry).where(AccessLogEntry.case_id == uuid.UUID(case_id)).order_by(AccessLogEntry.id))]


def test_jgz_corrects_the_child_and_parents_with_a_history_row_naming_fields_only(app, api):
    jgz = api("jgz")
    case = jgz.register()
    new_bsn = make_bsn()
    r = patch(jgz, case, {"child": {"family_name": "Verbeterd-Fictief", "bsn": new_bsn, "postcode": "1942 cd"},
                          "parents": [{"name": "Ouder Fictief", "phone": "0687654321", "email": "ouder@example.org"}]})
    assert r.status_code == 200, r.json
    out = r.json
    assert out["version"] == case["version"] + 1 and out["state"] == case["state"]
    assert out["child"]["family_name"] == "Verbeterd-Fictief" and out["child"]["bsn"] == new_bsn
    assert out["child"]["postcode"] == "1942CD" and out["child"]["given_name"] == "Testkind"   # untouched
    assert out["parents"][0]["email"] == "ouder@example.org"
    last = out["history"][-1]
    assert last["trigger"] == "correct" and last["from"] == last["to"] == case["state"]
    assert sorted(last["data"]["fields"]) == ["child.bsn", "child.family_name", "child.postcode",
                                              "parents[0].email", "parents[0].phone"]
    # Never the values: not in the history row, in clear or in its secret part.
    with app.app_context():
        row = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == uuid.UUID(case["id"]))
                                 .order_by(CaseEvent.seq.desc())).first()
        stored = json.dumps(row.data) + json.dumps(row.secret or {})
        assert new_bsn not in stored and "Verbeterd" not in stored and "0687654321" not in stored
    assert ("correct", "jgz", "allowed") in actions(app, case["id"])


def test_a_correction_that_changes_nothing_adds_no_version(api):
    jgz = api("jgz")
    case = jgz.register()
    r = patch(jgz, case, {"child": {"family_name": "Fictiefsma"}})
    assert r.status_code == 200 and r.json["version"] == case["version"]
    assert r.json["history"][-1]["trigger"] != "correct"


def test_a_stale_version_is_409_and_nothing_changes(app, api):
    jgz = api("jgz")
    case = jgz.register()
    jgz.fire(case, "indicate", criteria=["home_language"], indication_date=days_ago(2))
    before = fingerprint(app)
    r = patch(jgz, case, {"child": {"given_name": "Anders"}})
    assert r.status_code == 409 and r.json["error"]["field"] == "version", r.json
    assert fingerprint(app) == before
    assert ("correct", "jgz", "denied") in actions(app, case["id"])


def test_bad_input_is_422_at_its_field(app, api):
    jgz = api("jgz")
    case = jgz.register()
    before = fingerprint(app)
    for body, field in [({"child": {"bsn": "123456789"}}, "child.bsn"),
                        ({"child": {"postcode": "12"}}, "child.postcode"),
                        ({"child": {"given_name": ""}}, "child.given_name"),
                        ({"child": {"nickname": "x"}}, "child.nickname"),
                        ({"parents": [{"name": "Ouder", "phone": "bel me"}]}, "parents[0].phone"),
                        ({}, "child"),
                        ({"child": "tekst"}, "child")]:
        r = patch(jgz, case, body)
        assert r.status_code == 422 and r.json["error"]["field"] == field, (body, r.json)
    assert fingerprint(app) == before


def test_the_birth_date_is_refused_at_its_field_with_the_reason(api):
    jgz = api("jgz")
    case = jgz.register()
    r = patch(jgz, case, {"child": {"birth_date": days_ago(500)}})
    assert r.status_code == 422 and r.json["error"]["field"] == "child.birth_date"
    assert "geboortedatum kan niet worden gecorrigeerd" in r.json["error"]["message"]
    r = patch(jgz, case, {"child": {"birth_date": days_ago(500)}}, lang="en")
    assert "date of birth cannot be corrected" in r.json["error"]["message"], r.json
    # The same date again is no change, so no refusal.
    same = patch(jgz, case, {"child": {"birth_date": case["child"]["birth_date"], "given_name": "Tessa"}})
    assert same.status_code == 200 and same.json["child"]["given_name"] == "Tessa"


def test_cjg_corrects_only_the_parents_contact_details(app, api):
    case = stuck(api)
    cjg = api("cjg")
    r = patch(cjg, case, {"child": {"given_name": "Anders"}})
    assert r.status_code == 403 and r.json["error"]["field"] == "child.given_name"
    r = patch(cjg, case, {"parents": [{"name": "Iemand Anders", "phone": "0611111111"}]})
    assert r.status_code == 403 and r.json["error"]["field"] == "parents[0].name"
    r = patch(cjg, case, {"parents": []})   # removing a parent is JGZ's
    assert r.status_code == 403
    r = patch(cjg, case, {"parents": [{"name": "Ouder Fictief", "phone": "0611111111", "email": "o@example.org"},
                                      {"name": "Tweede Ouder", "email": "t@example.org"}]})
    assert r.status_code == 200, r.json
    assert r.json["parents"][0] == {"name": "Ouder Fictief", "phone": "0611111111", "email": "o@example.org"}
    assert r.json["parents"][1]["name"] == "Tweede Ouder"
    assert "bsn" not in r.json["child"]   # the CJG never sees a BSN
    assert ("correct", "cjg", "allowed") in actions(app, case["id"])


def test_who_may_correct_is_scoped_like_everything_else(api, world):
    jgz = api("jgz")
    case = jgz.referred(world.ids["loc"])
    assert patch(api("ve"), case, {"parents": []}).status_code == 403        # sees it, may not correct
    assert patch(api("cjg"), case, {"parents": []}).status_code == 404       # not in its scope
    assert patch(api("jgz_bev"), case, {"child": {"given_name": "X"}}).status_code == 404   # other region
    assert patch(api("gemeente"), case, {"parents": []}).status_code == 404


def test_a_bsn_of_another_open_case_is_refused_at_the_bsn(app, api):
    jgz = api("jgz")
    first, second = jgz.register(), jgz.register()
    before = fingerprint(app)
    r = patch(jgz, second, {"child": {"bsn": first["child"]["bsn"]}})
    assert r.status_code == 422 and r.json["error"]["field"] == "child.bsn", r.json
    assert fingerprint(app) == before
    # Another region's open case: refused too, without saying where.
    other = api("jgz_bev").register(municipality="GM0664")
    r = patch(jgz, second, {"child": {"bsn": other["child"]["bsn"]}})
    assert r.status_code == 422 and r.json["error"]["field"] == "child.bsn"
    assert "functioneel beheerder" in r.json["error"]["message"] and other["id"] not in json.dumps(r.json)


def test_a_bsn_of_a_closed_case_is_no_duplicate(api):
    jgz = api("jgz")
    closed = jgz.register()
    jgz.fire(closed, "close", outcome="not_target_group", date=days_ago(0))
    case = jgz.register()
    r = patch(jgz, case, {"child": {"bsn": closed["child"]["bsn"]}})
    assert r.status_code == 200, r.json


def test_search_finds_the_new_bsn_and_name_not_the_old(app, api, web):
    jgz = api("jgz")
    case = jgz.register()
    old_bsn, new_bsn = case["child"]["bsn"], make_bsn()
    assert patch(jgz, case, {"child": {"bsn": new_bsn, "family_name": "Nieuwenaam"}}).status_code == 200
    page = web("jgz")
    found = page.post("/zoeken", {"bsn": new_bsn}).get_data(as_text=True)
    assert case["id"] in found
    assert case["id"] not in page.post("/zoeken", {"bsn": old_bsn}).get_data(as_text=True)
    assert case["id"] in page.post("/zoeken", {"achternaam": "nieuwenaam"}).get_data(as_text=True)
    assert case["id"] not in page.post("/zoeken", {"achternaam": "Fictiefsma"}).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Case, uuid.UUID(case["id"])).bsn == new_bsn
    # And a new registration with the old BSN is no duplicate any more.
    r = jgz.post("/cases", {"municipality": "GM0375", "child": {
        **{k: case["child"][k] for k in ("given_name", "birth_date", "postcode", "house_number")},
        "family_name": "Fictiefsma", "bsn": old_bsn}})
    assert r.status_code == 201, r.json


def test_a_correction_leaves_the_reminders_and_monitor_stay_alone(app, api):
    """A correction is no step: the state's reminders keep their start (the stay)."""
    from toeleiding.reminders.models import Reminder
    case = stuck(api)
    with app.app_context():
        before = sorted((r.rule, r.stay, r.state) for r in db.session.scalars(
            select(Reminder).where(Reminder.case_id == uuid.UUID(case["id"]))))
    case = patch(api("jgz"), case, {"child": {"given_name": "Tessa"}}).json
    # The next step re-derives the reminders: the correction must not count as entering the state.
    with app.app_context():
        from toeleiding.reminders.operations import sync_reminders
        sync_reminders(db.session.get(Case, uuid.UUID(case["id"])))
        db.session.commit()
        after = sorted((r.rule, r.stay, r.state) for r in db.session.scalars(
            select(Reminder).where(Reminder.case_id == uuid.UUID(case["id"]))))
    assert after == before and before


def test_the_openapi_document_describes_the_correction(client):
    doc = client.get("/api/v1/openapi.json").json
    op = doc["paths"]["/cases/{case_id}"]["patch"]
    assert "409" in op["responses"] and "403" in op["responses"] and "404" in op["responses"]
    props = op["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert {"version", "child", "parents"} <= set(props)
