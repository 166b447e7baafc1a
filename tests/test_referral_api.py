"""The two paths of the issue through the HTTP API, by the right roles, and every refusal."""
from __future__ import annotations

import datetime as dt

import pytest

from toeleiding import clock

from .factories import child, days_ago, make_bsn


def _placed_case(api, world, months=36):
    jgz, ve = api("jgz"), api("ve")
    case = jgz.register(months=months)
    case = jgz.fire(case, "indicate", criteria=["home_language"], indication_date=days_ago(20))
    case = jgz.fire(case, "refer", location_id=world.ids["loc"], consent=True, referral_date=days_ago(15))
    return ve.fire(case, "place", start_date=days_ago(10), hours_per_week=16)


def test_main_path_signalled_to_closed(api, world):
    jgz, ve = api("jgz"), api("ve")
    case = jgz.register()
    assert case["state"] == "signalled" and case["version"] == 1
    assert case["triggers"] == ["indicate", "reject", "close"]
    case = jgz.fire(case, "indicate", criteria=["home_language", "language_delay"], indication_date=days_ago(20))
    assert case["state"] == "indicated"
    case = jgz.fire(case, "refer", location_id=world.ids["loc"], consent=True, referral_date=days_ago(15))
    assert case["state"] == "referred" and case["location_id"] == world.ids["loc"]
    case = ve.fire(case, "place", start_date=days_ago(10), hours_per_week=16)
    assert case["state"] == "placed" and case["location_id"] == world.ids["loc"]   # defaulted to the referred one
    case = ve.fire(case, "hand_over_to_school", school_id=world.ids["school"], handover_date=days_ago(1))
    assert case["state"] == "school_handover" and case["triggers"] == ["close"]
    case = ve.fire(case, "close", outcome="at_school", date=days_ago(0))
    assert case["state"] == "closed" and case["outcome"] == "at_school" and case["triggers"] == []
    history = case["history"]
    assert [h["trigger"] for h in history] == ["register", "indicate", "refer", "place", "hand_over_to_school", "close"]
    assert [h["to"] for h in history][-1] == "closed"
    assert history[1]["data"]["criteria"] == ["home_language", "language_delay"]
    assert history[3]["role"] == "ve" and history[3]["organisation"] == "Peuteropvang Duinroos (test)"
    assert history[3]["effective_date"] == days_ago(10)
    # JGZ sees the placement the provider confirmed.
    seen = jgz.get(f"/cases/{case['id']}").json
    assert seen["history"][3]["data"]["hours_per_week"] == 16


def test_detour_not_reached_re_referred_waitlisted_placed(api, world):
    jgz, ve, cjg = api("jgz"), api("ve"), api("cjg")
    case = jgz.register()
    case = jgz.fire(case, "indicate", criteria=["parents_low_education"], indication_date=days_ago(60))
    case = jgz.fire(case, "refer", location_id=world.ids["loc"], consent=True, referral_date=days_ago(50))
    # Before the report the CJG does not see the child at all.
    assert cjg.get(f"/cases/{case['id']}").status_code == 404
    case = ve.fire(case, "report_not_reached", reason="other", reason_text="Gezin reageert niet op brieven.",
                   date=days_ago(40))
    assert case["state"] == "not_reached" and case["not_reached_reason"] == "other"
    fresh = cjg.get(f"/cases/{case['id']}").json
    assert fresh["triggers"] == ["re_refer", "close"]
    assert fresh["history"][-1]["data"]["reason_text"] == "Gezin reageert niet op brieven."
    case = cjg.fire(fresh, "re_refer", location_id=world.ids["loc"], consent=True, referral_date=days_ago(30))
    assert case["state"] == "referred" and case["not_reached_reason"] is None
    case = ve.fire(case, "waitlist", waitlist_date=days_ago(0), expected_start_date=days_ago(-30))
    assert case["state"] == "waitlisted"
    case = ve.fire(case, "place", start_date=days_ago(0), hours_per_week=12)
    assert case["state"] == "placed"
    assert [h["trigger"] for h in case["history"]] == [
        "register", "indicate", "refer", "report_not_reached", "re_refer", "waitlist", "place"]


def test_reject_closes_as_not_target_group(api):
    jgz = api("jgz")
    case = jgz.fire(jgz.register(), "reject", reason_text="Geen risicofactoren gevonden.")
    assert case["state"] == "closed" and case["outcome"] == "not_target_group"


@pytest.mark.parametrize("who,trigger,data", [
    ("ve", "indicate", {"criteria": ["home_language"], "indication_date": days_ago(1)}),
    ("cjg", "indicate", {"criteria": ["home_language"], "indication_date": days_ago(1)}),
])
def test_wrong_role_is_403(api, world, who, trigger, data):
    jgz = api("jgz")
    case = jgz.register()
    case = jgz.fire(case, "indicate", criteria=["home_language"], indication_date=days_ago(3))
    case = jgz.fire(case, "refer", location_id=world.ids["loc"], consent=True, referral_date=days_ago(2))
    case = jgz.fire(case, "report_not_reached", reason="no_contact", date=days_ago(1))   # now CJG and VE both see it
    r = api(who).post(f"/cases/{case['id']}/transitions", {"trigger": "re_refer" if who == "ve" else "close",
                                                           "version": case["version"],
                                                           "data": {}})
    assert r.status_code == 403 if who == "ve" else r.status_code == 422
    assert api("jgz").get(f"/cases/{case['id']}").json["version"] == case["version"]


def test_provider_cannot_place_or_jgz_cannot_confirm_placement(api, world):
    jgz = api("jgz")
    case = jgz.register()
    case = jgz.fire(case, "indicate", criteria=["home_language"], indication_date=days_ago(3))
    case = jgz.fire(case, "refer", location_id=world.ids["loc"], consent=True, referral_date=days_ago(2))
    r = jgz.post(f"/cases/{case['id']}/transitions",
                 {"trigger": "place", "version": case["version"], "data": {"start_date": days_ago(0), "hours_per_week": 16}})
    assert r.status_code == 403 and r.json["error"]["code"] == "forbidden"


def test_provider_closes_only_after_handover(api, world):
    case = _placed_case(api, world)
    r = api("ve").post(f"/cases/{case['id']}/transitions",
                       {"trigger": "close", "version": case["version"], "data": {"outcome": "other", "date": days_ago(0)}})
    assert r.status_code == 403


def test_trigger_not_possible_from_state_is_409(api):
    jgz = api("jgz")
    case = jgz.register()
    r = jgz.post(f"/cases/{case['id']}/transitions", {"trigger": "refer", "version": 1, "data": {}})
    assert r.status_code == 409 and r.json["error"]["code"] == "invalid_transition"


def test_other_providers_case_is_404_and_does_not_leak(api, world):
    case = _placed_case(api, world)
    for who in ("ve2", "ve_bev", "jgz_bev", "gemeente", "admin", "cjg"):
        assert api(who).get(f"/cases/{case['id']}").status_code == 404, who
        r = api(who).post(f"/cases/{case['id']}/transitions", {"trigger": "close", "version": case["version"], "data": {}})
        assert r.status_code == 404, who
    assert api("ve2").get("/cases/00000000-0000-0000-0000-000000000000").status_code == 404
    assert api("ve2").get("/cases/not-a-uuid").status_code == 404
    assert api("ve2").get("/cases").json["total"] == 0


def test_cjg_sees_only_its_municipalities(api, world):
    jgz = api("jgz")
    case = jgz.register(municipality="GM0396")   # Heemskerk
    case = jgz.fire(case, "indicate", criteria=["home_language"], indication_date=days_ago(3))
    case = jgz.fire(case, "report_not_reached", reason="moved", date=days_ago(1))
    assert api("cjg").get(f"/cases/{case['id']}").status_code == 404     # Beverwijk's CJG
    assert api("cjg2").get(f"/cases/{case['id']}").status_code == 200    # Heemskerk's CJG


def test_only_jgz_sees_the_bsn(api, world):
    case = _placed_case(api, world)
    bsn = api("jgz").get(f"/cases/{case['id']}").json["child"]["bsn"]
    assert len(bsn) == 9
    r = api("ve").get(f"/cases/{case['id']}")
    assert r.status_code == 200 and "bsn" not in r.json["child"] and bsn not in r.get_data(as_text=True)
    listing = api("ve").get("/cases")
    assert listing.json["total"] == 1 and bsn not in listing.get_data(as_text=True)


@pytest.mark.parametrize("field,value,expect_field", [
    ("bsn", "123456789", "child.bsn"),            # fails the elfproef
    ("bsn", "12345", "child.bsn"),
    ("birth_date", "2099-01-01", "child.birth_date"),
    ("birth_date", "31-12-2024", "child.birth_date"),
    ("postcode", "0123 AB", "child.postcode"),
    ("given_name", "", "child.given_name"),
    ("house_number", "", "child.house_number"),
])
def test_registration_bad_input_is_422_naming_the_field(api, client, field, value, expect_field):
    jgz = api("jgz")
    r = jgz.post("/cases", {"municipality": "GM0375", "child": child(**{field: value})})
    assert r.status_code == 422 and r.json["error"]["field"] == expect_field, r.json
    assert jgz.get("/cases").json["total"] == 0


def test_registration_refusals(api, world):
    jgz = api("jgz")
    assert jgz.post("/cases", {"municipality": "GM9999", "child": child()}).json["error"]["field"] == "municipality"
    r = jgz.post("/cases", {"municipality": "GM0664", "child": child()})   # Goes: other region
    assert r.status_code == 422 and r.json["error"]["field"] == "municipality"
    assert api("ve").post("/cases", {"municipality": "GM0375", "child": child()}).status_code == 403
    r = jgz.client.post("/api/v1/cases", data="not json", headers=jgz.headers)
    assert r.status_code == 400
    r = jgz.post("/cases", {"municipality": "GM0375", "child": child(), "parents": [{"name": "X", "email": "nope"}]})
    assert r.status_code == 422 and r.json["error"]["field"] == "parents[0].email"


def test_duplicate_bsn_links_inside_scope_and_says_nothing_of_where_outside(api, world):
    bsn = make_bsn()
    first = api("jgz").register(bsn=bsn)
    r = api("jgz").post("/cases", {"municipality": "GM0375", "child": child(bsn=bsn)})
    assert r.status_code == 409 and r.json["error"]["case_id"] == first["id"]
    r = api("jgz_bev").post("/cases", {"municipality": "GM0664", "child": child(bsn=bsn)})
    assert r.status_code == 409 and r.json["error"]["field"] == "child.bsn"
    assert set(r.json["error"]) <= {"code", "message", "field", "fields"}, r.json   # no case id, no contact
    assert r.json["error"]["fields"] == [{"field": "child.bsn", "message": r.json["error"]["message"]}]
    message = r.json["error"]["message"]
    assert "elders" in message and "beheerder" in message
    assert "IJmond" not in message and "JGZ" not in message


@pytest.mark.parametrize("trigger,data,field", [
    ("indicate", {"criteria": ["astrology"], "indication_date": days_ago(1)}, "criteria"),
    ("indicate", {"criteria": [], "indication_date": days_ago(1)}, "criteria"),
    ("indicate", {"indication_date": days_ago(1)}, "criteria"),
    ("indicate", {"criteria": ["home_language"]}, "indication_date"),
    ("indicate", {"criteria": ["home_language"], "indication_date": days_ago(-1)}, "indication_date"),
    ("indicate", {"criteria": ["home_language"], "indication_date": "gisteren"}, "indication_date"),
    ("indicate", {"criteria": ["home_language"], "indication_date": days_ago(1), "colour": "red"}, "colour"),
])
def test_transition_bad_data_is_422_naming_the_field(api, trigger, data, field):
    jgz = api("jgz")
    case = jgz.register()
    r = jgz.post(f"/cases/{case['id']}/transitions", {"trigger": trigger, "version": 1, "data": data})
    assert r.status_code == 422 and r.json["error"]["field"] == field, r.json
    after = jgz.get(f"/cases/{case['id']}").json
    assert after["state"] == "signalled" and after["version"] == 1 and len(after["history"]) == 1


def test_refer_needs_consent_and_a_location_in_the_region(api, world):
    jgz = api("jgz")
    case = jgz.fire(jgz.register(), "indicate", criteria=["home_language"], indication_date=days_ago(3))
    for data, field in [({"location_id": world.ids["loc"], "consent": False, "referral_date": days_ago(1)}, "consent"),
                        ({"location_id": world.ids["loc_goes"], "consent": True, "referral_date": days_ago(1)}, "location_id"),
                        ({"location_id": "abc", "consent": True, "referral_date": days_ago(1)}, "location_id"),
                        ({"consent": True, "referral_date": days_ago(1)}, "location_id"),
                        ({"location_id": world.ids["loc"], "consent": True, "referral_date": days_ago(9)}, "referral_date")]:
        r = jgz.post(f"/cases/{case['id']}/transitions", {"trigger": "refer", "version": case["version"], "data": data})
        assert r.status_code == 422 and r.json["error"]["field"] == field, (data, r.json)


def test_not_reached_other_needs_text(api, world):
    jgz = api("jgz")
    case = jgz.fire(jgz.register(), "indicate", criteria=["home_language"], indication_date=days_ago(3))
    r = jgz.post(f"/cases/{case['id']}/transitions",
                 {"trigger": "report_not_reached", "version": case["version"], "data": {"reason": "other", "date": days_ago(1)}})
    assert r.status_code == 422 and r.json["error"]["field"] == "reason_text"
    r = jgz.post(f"/cases/{case['id']}/transitions",
                 {"trigger": "report_not_reached", "version": case["version"], "data": {"reason": "lost", "date": days_ago(1)}})
    assert r.status_code == 422 and r.json["error"]["field"] == "reason"
    jgz.fire(case, "report_not_reached", reason="no_contact", date=days_ago(1))   # other reasons need no text


def _referred(api, world, municipality, months, location):
    jgz = api("jgz") if municipality.startswith("GM03") else api("jgz_bev")
    case = jgz.register(municipality=municipality, months=months)
    case = jgz.fire(case, "indicate", criteria=["home_language"], indication_date=days_ago(3))
    return jgz.fire(case, "refer", location_id=world.ids[location], consent=True, referral_date=days_ago(2))


def test_placement_minimum_age_is_the_municipalitys(api, world):
    # 27 months old: below Beverwijk's 30-month minimum, above Goes's 24.
    beverwijk = _referred(api, world, "GM0375", 27, "loc")
    r = api("ve").post(f"/cases/{beverwijk['id']}/transitions", {"trigger": "place", "version": beverwijk["version"],
                                                                 "data": {"start_date": days_ago(0), "hours_per_week": 16}})
    assert r.status_code == 422 and r.json["error"]["field"] == "start_date" and "30 maanden" in r.json["error"]["message"]
    goes = _referred(api, world, "GM0664", 27, "loc_goes")
    assert api("ve_bev").fire(goes, "place", start_date=days_ago(0), hours_per_week=16)["state"] == "placed"


def test_placement_start_may_be_up_to_six_months_ahead_only(api, world):
    case = _referred(api, world, "GM0375", 36, "loc")
    ve = api("ve")
    r = ve.post(f"/cases/{case['id']}/transitions", {"trigger": "place", "version": case["version"],
                                                     "data": {"start_date": days_ago(-200), "hours_per_week": 16}})
    assert r.status_code == 422 and r.json["error"]["field"] == "start_date"
    r = ve.post(f"/cases/{case['id']}/transitions", {"trigger": "place", "version": case["version"],
                                                     "data": {"start_date": days_ago(0), "hours_per_week": 99}})
    assert r.status_code == 422 and r.json["error"]["field"] == "hours_per_week"
    assert ve.fire(case, "place", start_date=days_ago(-60), hours_per_week=16)["state"] == "placed"


def test_provider_places_only_at_its_own_locations(api, world):
    case = _referred(api, world, "GM0375", 36, "loc")
    r = api("ve").post(f"/cases/{case['id']}/transitions", {"trigger": "place", "version": case["version"], "data": {
        "start_date": days_ago(0), "hours_per_week": 16, "location_id": world.ids["loc2"]}})
    assert r.status_code == 422 and r.json["error"]["field"] == "location_id"


def test_stale_version_is_409_and_changes_nothing(api, world):
    jgz = api("jgz")
    case = jgz.register()
    moved = jgz.fire(case, "indicate", criteria=["home_language"], indication_date=days_ago(3))
    r = jgz.post(f"/cases/{case['id']}/transitions", {"trigger": "reject", "version": case["version"], "data": {}})
    assert r.status_code == 409 and r.json["error"]["code"] == "stale_version"
    assert r.json["error"]["current_version"] == moved["version"]
    assert jgz.get(f"/cases/{case['id']}").json["state"] == "indicated"
    r = jgz.post(f"/cases/{case['id']}/transitions", {"trigger": "reject", "data": {}})
    assert r.status_code == 422 and r.json["error"]["field"] == "version"


def test_unknown_trigger_is_422(api):
    jgz = api("jgz")
    case = jgz.register()
    r = jgz.post(f"/cases/{case['id']}/transitions", {"trigger": "teleport", "version": 1, "data": {}})
    assert r.status_code == 422 and r.json["error"]["field"] == "trigger"


def test_list_filters_and_paginates(api, world):
    jgz = api("jgz")
    ids = [jgz.register()["id"] for _ in range(3)]
    jgz.register(municipality="GM0396")
    assert jgz.get("/cases").json["total"] == 4
    assert jgz.get("/cases?municipality=GM0396").json["total"] == 1
    page = jgz.get("/cases?per_page=2&page=2&state=signalled").json
    assert page["total"] == 4 and len(page["items"]) == 2
    assert jgz.get("/cases?state=dreaming").status_code == 422
    assert jgz.get("/cases?per_page=0").json["error"]["field"] == "per_page"
    assert set(ids) <= {c["id"] for c in jgz.get("/cases?per_page=10").json["items"]}


def test_case_ids_are_random_uuids(api):
    jgz = api("jgz")
    a, b = jgz.register()["id"], jgz.register()["id"]
    assert len(a) == 36 and a[14] == "4" and a != b


def test_reference_endpoints(api, world):
    jgz = api("jgz")
    assert jgz.get("/me").json["role"] == "jgz"
    munis = {m["code"]: m for m in jgz.get("/municipalities").json["items"]}
    assert munis["GM0664"]["definition"]["min_age_months"] == 24
    assert munis["GM0375"]["definition"]["criteria"][0]["code"] == "parents_low_education"
    locs = jgz.get("/locations?municipality=GM0375").json["items"]
    assert {loc["name"] for loc in locs} == {"Duinroos Centrum", "Strandgaper"}
    assert jgz.get("/locations?municipality=GM0000").status_code == 422
    assert [s["name"] for s in jgz.get("/schools?municipality=GM0664").json["items"]] == ["Basisschool Het Getij (test)"]
    wf = jgz.get("/workflow").json
    close = next(t for t in wf["transitions"] if t["trigger"] == "close")
    assert close["roles_from"] == {"school_handover": ["jgz", "cjg", "ve"], "handover_received": ["jgz", "cjg", "ve"]}
    assert wf["reasons"]["no_contact"] == "Geen contact met ouders"


def test_authentication(client, world):
    assert client.get("/api/v1/cases").status_code == 401
    assert client.get("/api/v1/cases", headers={"Authorization": "Bearer forged"}).status_code == 401
    r = client.post("/api/v1/auth/login", json={"email": world.emails["jgz"], "password": "wrong"})
    unknown = client.post("/api/v1/auth/login", json={"email": "nobody@test.example", "password": "wrong"})
    assert r.status_code == unknown.status_code == 401 and r.json == unknown.json
    token = client.post("/api/v1/auth/login", json={"email": world.emails["jgz"], "password": "correct horse battery"}).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_expired_token_is_refused(app, client, world):
    token = client.post("/api/v1/auth/login", json={"email": world.emails["jgz"], "password": "correct horse battery"}).json["token"]
    app.config["CLOCK_NOW"] = clock.now() + dt.timedelta(hours=13)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_openapi_document_lists_every_api_route(app, client):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    import re
    routes = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", r.rule.removeprefix("/api/v1"))
              for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1") and r.endpoint != "api.openapi"}
    assert routes == set(doc["paths"])
    data_schemas = doc["paths"]["/cases/{case_id}/transitions"]["post"]["requestBody"]["content"]["application/json"]["schema"]["oneOf"]
    # every transition of the workflow file (tests/test_referral_steps.py checks the later ones)
    assert {s["title"] for s in data_schemas} >= {"indicate", "reject", "refer", "waitlist", "place",
                                                  "report_not_reached", "re_refer", "hand_over_to_school", "close"}
    assert {s["title"] for s in data_schemas} == set(app.extensions["toeleiding.workflow"].transitions)


def test_every_read_and_change_is_in_the_access_log(app, api, world):
    from sqlalchemy import select
    from toeleiding.audit.models import AccessLogEntry
    from toeleiding.extensions import db
    jgz = api("jgz")
    case = jgz.register()
    jgz.get(f"/cases/{case['id']}")
    jgz.fire(case, "indicate", criteria=["home_language"], indication_date=days_ago(1))
    api("ve2").get(f"/cases/{case['id']}")
    with app.app_context():
        rows = db.session.execute(select(AccessLogEntry.action, AccessLogEntry.role, AccessLogEntry.result)
                                  .where(AccessLogEntry.case_id == __import__("uuid").UUID(case["id"]))
                                  .order_by(AccessLogEntry.id)).all()
    assert [tuple(r) for r in rows] == [("create", "jgz", "allowed"), ("read", "jgz", "allowed"),
                                        ("transition:indicate", "jgz", "allowed"), ("read", "ve", "denied")]
