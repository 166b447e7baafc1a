"""The warm handover with content (issue 11, point 6): the provider hands a placed child over to a
school with the parents' consent and a form; the school sees only that handover, confirms receipt,
and the provider is reminded when no receipt came within 14 days."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from toeleiding.extensions import db

from .factories import HANDOVER_FORM, days_ago
from .test_reminders import Region, day


@pytest.fixture
def placed(api, world):
    """A child of Beverwijk placed with the test provider (Duinroos) five months ago."""
    case = api("jgz").referred(world.ids["loc"], indicated_days_ago=200)
    return api("ve").fire(case, "place", start_date=days_ago(150), hours_per_week=16)


@pytest.fixture
def handed_over(api, world, placed):
    return api("ve").fire(placed, "hand_over_to_school", school_id=world.ids["school"], handover_date=days_ago(2),
                          parents_reaction="Ouders zijn blij met de overdracht (testtekst).")


def _hand_over(api, school_id, case, **changes):
    data = {"school_id": school_id, "handover_date": days_ago(1), **HANDOVER_FORM, **changes}
    return api("ve").post(f"/cases/{case['id']}/transitions",
                          {"trigger": "hand_over_to_school", "version": case["version"],
                           "data": {k: v for k, v in data.items() if v is not None}})


BAD_FORM = [
    ({"handover_consent": None}, "handover_consent", "verplicht"),
    ({"handover_consent": False}, "handover_consent", "toestemming"),
    ({"development_summary": None}, "development_summary", "Ontwikkeling van het kind is verplicht."),
    ({"development_summary": "x" * 4001}, "development_summary", "te lang"),
    ({"ve_programme": None}, "ve_programme", "Gevolgd VE-programma is verplicht."),
    ({"ve_programme": "montessori"}, "ve_programme", "Kies een van"),
    ({"hours_attended": None}, "hours_attended", "Aantal uren VE gevolgd is verplicht."),
    ({"hours_attended": -1}, "hours_attended", ""),
    ({"hours_attended": "veel"}, "hours_attended", ""),
    ({"parents_reaction": "x" * 2001}, "parents_reaction", "te lang"),
]


@pytest.mark.parametrize("changes,field,message", BAD_FORM, ids=[f"{f}-{i}" for i, (_, f, _) in enumerate(BAD_FORM)])
def test_a_handover_without_consent_or_form_is_422_at_the_field_and_stores_nothing(api, world, placed, changes,
                                                                                   field, message):
    r = _hand_over(api, world.ids["school"], placed, **changes)
    assert r.status_code == 422, r.json
    fields = {e["field"]: e["message"] for e in r.json["error"].get("errors", [r.json["error"]])}
    assert field in fields, r.json
    assert message in fields[field]
    after = api("ve").get(f"/cases/{placed['id']}").json
    assert (after["state"], after["version"]) == ("placed", placed["version"])


def test_the_handover_may_go_to_a_school_in_another_municipality_of_the_region(api, world):
    case = api("jgz").referred(world.ids["loc_heemskerk"], indicated_days_ago=200)   # a child of Beverwijk ...
    with_school = api("jgz").register(municipality="GM0396")                       # ... and one of Heemskerk
    case = api("jgz").fire(with_school, "indicate", criteria=["home_language"], indication_date=days_ago(200))
    case = api("jgz").fire(case, "refer", location_id=world.ids["loc_heemskerk"], consent=True,
                           referral_date=days_ago(199))
    case = api("ve").fire(case, "place", start_date=days_ago(150), hours_per_week=16)
    other_region = api("ve").post(f"/cases/{case['id']}/transitions", {
        "trigger": "hand_over_to_school", "version": case["version"],
        "data": {"school_id": world.ids["school_bev"], "handover_date": days_ago(1), **HANDOVER_FORM}})
    assert other_region.status_code == 422 and other_region.json["error"]["field"] == "school_id"
    moved = api("ve").fire(case, "hand_over_to_school", school_id=world.ids["school"], handover_date=days_ago(1))
    assert moved["state"] == "school_handover" and moved["school_id"] == world.ids["school"]
    assert api("school").get(f"/cases/{case['id']}").status_code == 200   # the Beverwijk school sees it


def test_the_free_text_of_the_handover_is_encrypted_at_rest(app, api, handed_over):
    with app.app_context():
        rows = db.session.execute(text("SELECT data, secret FROM case_events WHERE trigger = 'hand_over_to_school'")).all()
    assert len(rows) == 1
    stored = str(rows[0][0]) + repr(bytes(rows[0][1]))
    for value in ("Speelt graag", "Uitspraak volgen", "Logopedist", "Ouders zijn blij"):
        assert value not in stored
    event = next(h for h in api("ve").get(f"/cases/{handed_over['id']}").json["history"]
                 if h["trigger"] == "hand_over_to_school")
    assert event["data"]["development_summary"] == HANDOVER_FORM["development_summary"]
    assert event["data"]["ve_programme"] == "piramide" and event["data"]["hours_attended"] == 880


def test_a_school_sees_only_the_children_handed_over_to_it(api, world, placed, handed_over):
    other = api("ve").fire(api("jgz").referred(world.ids["loc"]), "place", start_date=days_ago(1), hours_per_week=16)
    school = api("school")
    listed = school.get("/cases").json
    assert [c["id"] for c in listed["items"]] == [handed_over["id"]] and listed["total"] == 1
    assert school.get(f"/cases/{other['id']}").status_code == 404   # placed, not handed over to it
    assert school.get(f"/cases?state=placed").json["items"] == []
    # The other region's school sees nothing of it.
    school_bev = api("school_bev")
    assert school_bev.get("/cases").json["items"] == []
    assert school_bev.get(f"/cases/{handed_over['id']}").status_code == 404


def test_a_school_reads_the_handover_only_no_bsn_address_parents_or_other_steps(api, handed_over):
    seen = api("school").get(f"/cases/{handed_over['id']}").json
    assert set(seen["child"]) == {"given_name", "family_name", "birth_date"}   # no BSN, no address
    assert seen["parents"] == []
    assert seen["location_id"] is None and seen["not_reached_reason"] is None
    assert [h["trigger"] for h in seen["history"]] == ["hand_over_to_school"]
    form = seen["history"][0]["data"]
    assert form["development_summary"] == HANDOVER_FORM["development_summary"]
    assert form["parents_reaction"] == "Ouders zijn blij met de overdracht (testtekst)."
    assert seen["triggers"] == ["acknowledge_handover"]
    assert "bsn" not in str(api("school").get("/cases").json)


def test_the_school_acknowledges_receipt_and_no_other_step(api, world, handed_over):
    school = api("school")
    assert school.fire(handed_over, "close", expect=403, outcome="at_school", date=days_ago(0))
    assert api("ve").fire(handed_over, "acknowledge_handover", expect=403, received_date=days_ago(0))
    r = school.post(f"/cases/{handed_over['id']}/transitions", {
        "trigger": "acknowledge_handover", "version": handed_over["version"],
        "data": {"received_date": days_ago(-1)}})
    assert r.status_code == 422 and r.json["error"]["field"] == "received_date"
    assert api("school_bev").fire(handed_over, "acknowledge_handover", expect=404, received_date=days_ago(0))
    received = school.fire(handed_over, "acknowledge_handover", received_date=days_ago(0))
    assert received["state"] == "handover_received" and received["triggers"] == []
    assert [h["trigger"] for h in received["history"]] == ["hand_over_to_school", "acknowledge_handover"]
    # The provider (and JGZ, CJG) close the case from there, as after the handover.
    closed = api("ve").fire(api("ve").get(f"/cases/{handed_over['id']}").json, "close", outcome="at_school",
                            date=days_ago(0))
    assert closed["state"] == "closed"
    assert api("school").get(f"/cases/{handed_over['id']}").status_code == 200   # the handover stays readable


def test_everything_else_about_the_case_is_not_found_for_a_school(api, handed_over):
    school, cid = api("school"), handed_over["id"]
    assert school.get(f"/cases/{cid}/contact-attempts").status_code == 404
    assert school.post(f"/cases/{cid}/contact-attempts", {"date": days_ago(0), "method": "phone"}).status_code == 404
    assert school.post(f"/cases/{cid}/notes", {"text": "Notitie (testtekst)."}).status_code == 404
    assert school.get(f"/cases/{cid}/export").status_code == 404
    r = school.client.patch(f"/api/v1/cases/{cid}", json={"version": handed_over["version"], "parents": []},
                            headers=school.headers)
    assert r.status_code == 404
    assert school.get("/cases?bsn=999999990").status_code == 403   # only JGZ searches by BSN
    assert school.get("/reminders").json["items"] == []   # no reminders are addressed to schools


def test_withdrawn_consent_ends_the_schools_access(api, handed_over):
    api("jgz").fire(api("jgz").get(f"/cases/{handed_over['id']}").json, "close", outcome="consent_withdrawn",
                    date=days_ago(0))
    assert api("school").get(f"/cases/{handed_over['id']}").status_code == 404
    assert api("school").get("/cases").json["items"] == []


# --- the reminder: no receipt within 14 days -----------------------------------------------------

@pytest.fixture
def region(app, client, runner, world):
    return Region(app, client, runner, world)


def _handed_over_on_day_0(region):
    jgz = region.who("jgz")
    case = region.register(months=44)
    case = jgz.fire(case, "indicate", criteria=["home_language"], indication_date=day(0).isoformat())
    case = jgz.fire(case, "refer", location_id=region.world.ids["loc"], consent=True, referral_date=day(0).isoformat())
    case = region.who("ve").fire(case, "place", start_date=day(0).isoformat(), hours_per_week=16)
    return region.who("ve").fire(case, "hand_over_to_school", school_id=region.world.ids["school"],
                                 handover_date=day(0).isoformat())


def test_the_provider_is_reminded_when_the_school_has_not_confirmed_within_14_days(region):
    case = _handed_over_on_day_0(region)
    region.sweep(13, 23, 59)
    assert "handover_unacknowledged" not in region.rules("ve", case)
    region.sweep(14)
    assert "handover_unacknowledged" in region.rules("ve", case)
    assert "handover_unacknowledged" not in region.rules("jgz", case)
    school = region.who("school")
    school.fire(school.get(f"/cases/{case['id']}").json, "acknowledge_handover", received_date=day(14).isoformat())
    region.sweep(15)
    assert "handover_unacknowledged" not in region.rules("ve", case)   # the receipt ends it


def test_a_receipt_within_14_days_means_no_reminder(region):
    case = _handed_over_on_day_0(region)
    region.at_day(5)
    school = region.who("school")
    school.fire(school.get(f"/cases/{case['id']}").json, "acknowledge_handover", received_date=day(5).isoformat())
    for n in (14, 15, 30):
        region.sweep(n)
    assert "handover_unacknowledged" not in region.rules("ve", case) + region.rules("ve", case, state="done")


def test_the_workflow_names_the_handover_content_and_the_school_role(app, world):
    wf = app.extensions["toeleiding.workflow"]
    t = wf.transitions["hand_over_to_school"]
    assert t.fields["handover_consent"].must_be is True
    assert {f.name for f in t.fields.values() if f.type == "text"} == {"development_summary", "concerns",
                                                                       "professionals_involved", "parents_reaction"}
    assert wf.role_organisation["school"] == "school"
    assert wf.transitions["acknowledge_handover"].roles == ("school",)
    with app.app_context():
        from toeleiding.users.models import User
        assert db.session.scalar(select(User.role).where(User.email == "school@test.example")) == "school"
