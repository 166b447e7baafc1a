"""Bereik-overleg as meetings (issue 11.8): the CJG opens a meeting of its municipality, records
agreed actions per child with an owner and a due day; each action is a reminder for the owner,
shows on the case, and completing it (either way) closes both."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from toeleiding import clock

from .factories import PASSWORD, ApiClient, child

T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=clock.LOCAL_TZ)
DAY = T0.date().isoformat()


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _browser(app, email: str):
    c = app.test_client()
    token = _csrf(c.get("/aanmelden").get_data(as_text=True))
    assert c.post("/aanmelden", data={"email": email, "password": PASSWORD, "csrf_token": token}).status_code == 302
    return c


@pytest.fixture
def setting(app, client, world):
    """A child not reached in Beverwijk, a child referred again to Duinroos there, signed-in clients."""
    app.config["CLOCK_NOW"] = T0
    jgz = ApiClient.sign_in(client, world.emails["jgz"])
    r = jgz.post("/cases", {"municipality": "GM0375", "child": child(given_name="Overlegkind", family_name="Besprokensma")})
    stuck = jgz.fire(r.json, "indicate", criteria=["home_language"], indication_date=DAY)
    stuck = jgz.fire(stuck, "report_not_reached", reason="no_contact", date=DAY)
    # Not reached first (so the CJG follows it), then referred again to Duinroos.
    referred = jgz.fire(jgz.register(), "indicate", criteria=["home_language"], indication_date=DAY)
    referred = jgz.fire(referred, "report_not_reached", reason="no_contact", date=DAY)
    referred = jgz.fire(referred, "re_refer", location_id=world.ids["loc"], consent=True, referral_date=DAY)
    return {"stuck": stuck, "referred": referred, "jgz": jgz,
            "cjg": ApiClient.sign_in(client, world.emails["cjg"]), "ve": ApiClient.sign_in(client, world.emails["ve"]),
            "ve2": ApiClient.sign_in(client, world.emails["ve2"])}


def _meeting(s, world, orgs=("ve", "jgz")) -> dict:
    r = s["cjg"].post("/bereik-overleg/GM0375/meetings",
                      {"held_on": DAY, "organisation_ids": [world.ids[o] for o in orgs]})
    assert r.status_code == 201, r.json
    return r.json


def test_cjg_opens_a_meeting_with_the_regions_organisations_and_itself(setting, world):
    m = _meeting(setting, world)
    assert {o["id"] for o in m["organisations"]} == {world.ids["cjg"], world.ids["ve"], world.ids["jgz"]}
    listed = setting["jgz"].get("/bereik-overleg/GM0375/meetings").json["items"]
    assert [x["id"] for x in listed] == [m["id"]] and listed[0]["held_on"] == DAY


def test_only_the_cjg_serving_the_municipality_opens_a_meeting(setting, client, world):
    assert setting["jgz"].post("/bereik-overleg/GM0375/meetings", {"held_on": DAY}).status_code == 403
    cjg2 = ApiClient.sign_in(client, world.emails["cjg2"])
    assert cjg2.post("/bereik-overleg/GM0375/meetings", {"held_on": DAY}).status_code == 403
    assert cjg2.post("/bereik-overleg/GM0396/meetings", {"held_on": DAY}).status_code == 201
    # Another region's municipality is not found; a municipal user reads no meeting at all.
    assert setting["cjg"].post("/bereik-overleg/GM0664/meetings", {"held_on": DAY}).status_code == 404
    gem = ApiClient.sign_in(client, world.emails["gemeente"])
    assert gem.get("/bereik-overleg/GM0375/meetings").status_code == 403


@pytest.mark.parametrize("body, field", [
    ({"held_on": ""}, "held_on"), ({"organisation_ids": []}, "held_on"), ({"held_on": "gisteren"}, "held_on"), ({"held_on": "2031-01-01"}, "held_on"), ({"held_on": "2019-01-01"}, "held_on"),
    ({"held_on": DAY, "organisation_ids": ["x"]}, "organisation_ids"),
    ({"held_on": DAY, "organisation_ids": [999999]}, "organisation_ids"),
])
def test_bad_meeting_input_is_422_at_the_field(setting, body, field):
    r = setting["cjg"].post("/bereik-overleg/GM0375/meetings", body)
    assert r.status_code == 422 and r.json["error"]["field"] == field, r.json


def test_a_school_or_another_regions_organisation_does_not_take_part(setting, world):
    for org in ("school", "school_bev"):
        r = setting["cjg"].post("/bereik-overleg/GM0375/meetings", {"held_on": DAY, "organisation_ids": [world.ids[org]]})
        assert r.status_code == 422 and r.json["error"]["field"] == "organisation_ids"


def test_an_action_becomes_a_reminder_for_its_owner_and_shows_on_the_case(setting, world):
    s = setting
    m = _meeting(s, world)
    r = s["cjg"].post(f"/meetings/{m['id']}/actions", {"case_id": s["referred"]["id"], "owner_id": world.ids["ve"],
                                                       "due_on": "2026-03-16", "text": "Ouders bellen over de startdatum."})
    assert r.status_code == 201, r.json
    action = r.json
    assert action["status"] == "open" and action["owner_id"] == world.ids["ve"]
    inbox = s["ve"].get("/reminders").json["items"]
    mine = [x for x in inbox if x["id"] == action["reminder_id"]]
    assert mine and mine[0]["case_id"] == s["referred"]["id"] and mine[0]["due_at"].startswith("2026-03-15T23:00")
    assert mine[0]["rule_label"] == "Afspraak uit het bereik-overleg"
    # The owner reads the action in the meeting; another provider does not see that child.
    assert [a["text"] for a in s["ve"].get(f"/meetings/{m['id']}").json["actions"]] == ["Ouders bellen over de startdatum."]
    assert s["ve2"].get(f"/meetings/{m['id']}").json["actions"] == []


def test_actions_survive_the_cases_next_step_but_not_its_closing(setting, world):
    s = setting
    m = _meeting(s, world)
    a = s["cjg"].post(f"/meetings/{m['id']}/actions", {"case_id": s["stuck"]["id"], "owner_id": world.ids["jgz"],
                                                       "due_on": "2026-03-20", "text": "Opnieuw toeleiden."}).json
    case = s["jgz"].get(f"/cases/{s['stuck']['id']}").json
    case = s["jgz"].fire(case, "re_refer", location_id=world.ids["loc"], consent=True, referral_date=DAY)
    assert s["cjg"].get(f"/meetings/{m['id']}").json["actions"][0]["status"] == "open"
    assert any(x["id"] == a["reminder_id"] for x in s["jgz"].get("/reminders").json["items"])
    s["jgz"].fire(case, "close", outcome="moved_out_of_region", date=DAY)
    assert s["cjg"].get(f"/meetings/{m['id']}").json["actions"][0]["status"] == "cancelled"
    assert not any(x["id"] == a["reminder_id"] for x in s["jgz"].get("/reminders").json["items"])


def test_completing_the_action_closes_the_reminder_and_the_other_way_round(setting, world):
    s = setting
    m = _meeting(s, world)
    post = lambda case, text: s["cjg"].post(f"/meetings/{m['id']}/actions", {  # noqa: E731
        "case_id": case["id"], "owner_id": world.ids["ve"], "due_on": "2026-03-16", "text": text}).json
    first, second = post(s["referred"], "Eerste afspraak."), post(s["referred"], "Tweede afspraak.")
    # Another provider cannot complete it; the owner can.
    assert s["ve2"].post(f"/meeting-actions/{first['id']}/done").status_code == 404
    r = s["ve"].post(f"/meeting-actions/{first['id']}/done")
    assert r.status_code == 200 and r.json["status"] == "done"
    done = s["ve"].get("/reminders?state=done").json["items"]
    assert first["reminder_id"] in [x["id"] for x in done]
    # The reminder marked done in the inbox completes its action.
    assert s["ve"].post(f"/reminders/{second['reminder_id']}/done").status_code == 200
    statuses = {a["id"]: a["status"] for a in s["cjg"].get(f"/meetings/{m['id']}").json["actions"]}
    assert statuses == {first["id"]: "done", second["id"]: "done"}


@pytest.mark.parametrize("change, field", [
    ({"case_id": ""}, "case_id"), ({"owner_id": None}, "owner_id"), ({"owner_id": "abc"}, "owner_id"),
    ({"due_on": ""}, "due_on"), ({"due_on": "2026-02-01"}, "due_on"), ({"due_on": "2028-01-01"}, "due_on"),
    ({"text": "  "}, "text"), ({"text": "x" * 2001}, "text"),
])
def test_bad_action_input_is_422_at_the_field(setting, world, change, field):
    s = setting
    m = _meeting(s, world)
    body = {"case_id": s["stuck"]["id"], "owner_id": world.ids["jgz"], "due_on": "2026-03-16", "text": "Bellen."} | change
    r = s["cjg"].post(f"/meetings/{m['id']}/actions", body)
    assert r.status_code == 422 and r.json["error"]["field"] == field, r.json


def test_the_owner_must_take_part_and_reach_the_child(setting, world):
    s = setting
    m = _meeting(s, world, orgs=("ve",))
    body = {"case_id": s["stuck"]["id"], "due_on": "2026-03-16", "text": "Bellen."}
    r = s["cjg"].post(f"/meetings/{m['id']}/actions", body | {"owner_id": world.ids["jgz"]})
    assert r.status_code == 422 and r.json["error"]["field"] == "owner_id"   # JGZ does not take part
    r = s["cjg"].post(f"/meetings/{m['id']}/actions", body | {"owner_id": world.ids["ve"]})
    assert r.status_code == 422 and r.json["error"]["field"] == "owner_id"   # the child was never referred to it
    assert s["ve"].get("/reminders").json["total"] == 0


def test_only_the_meetings_cjg_records_actions(setting, world):
    s = setting
    m = _meeting(s, world)
    body = {"case_id": s["stuck"]["id"], "owner_id": world.ids["jgz"], "due_on": "2026-03-16", "text": "Bellen."}
    assert s["jgz"].post(f"/meetings/{m['id']}/actions", body).status_code == 403
    assert s["cjg"].post("/meetings/not-a-uuid/actions", body).status_code == 404


def test_another_regions_user_does_not_find_the_meeting(setting, client, world):
    m = _meeting(setting, world)
    bev = ApiClient.sign_in(client, world.emails["jgz_bev"])
    assert bev.get(f"/meetings/{m['id']}").status_code == 404


def test_meeting_pages_open_record_print_and_list(app, setting, world):
    s = setting
    c = _browser(app, world.emails["cjg"])
    html = c.get("/reminders/overleg/GM0375").get_data(as_text=True)
    assert "Nog geen overleggen vastgelegd." in html and "Overleg vastleggen" in html
    r = c.post("/reminders/overleg/GM0375/vergaderingen",
               data={"csrf_token": _csrf(html), "held_on": DAY, "organisation_ids": [str(world.ids["jgz"])]})
    assert r.status_code == 302
    record = r.headers["Location"]
    page = c.get(record).get_data(as_text=True)
    assert "Bereik-overleg Beverwijk, 2 mrt 2026" in page and "JGZ Testregio IJmond" in page
    assert 'data-print' in page and "Overlegkind Besprokensma" in page   # the child to choose
    r = c.post(record + "/afspraken", data={"csrf_token": _csrf(page), "case_id": s["stuck"]["id"],
                                            "owner_id": str(world.ids["jgz"]), "due_on": "", "text": "Bellen."},
               follow_redirects=True)
    assert "Uiterlijk is verplicht." in r.get_data(as_text=True)
    r = c.post(record + "/afspraken", data={"csrf_token": _csrf(page), "case_id": s["stuck"]["id"],
                                            "owner_id": str(world.ids["jgz"]), "due_on": "2026-03-20",
                                            "text": "Huisbezoek plannen met tolk."}, follow_redirects=True)
    page = r.get_data(as_text=True)
    assert "Afspraak vastgelegd." in page and "Huisbezoek plannen met tolk." in page
    # Listed per municipality; the meeting's action is on the case page's timeline.
    assert "Overleg van 2 mrt 2026" in c.get("/reminders/overleg/GM0375").get_data(as_text=True)
    case_page = _browser(app, world.emails["jgz"]).get(f"/dossiers/{s['stuck']['id']}").get_data(as_text=True)
    assert "Afspraak uit het overleg van 2 mrt 2026" in case_page and "Huisbezoek plannen met tolk." in case_page
    # The JGZ completes it from the meeting page.
    j = _browser(app, world.emails["jgz"])
    page = j.get(record).get_data(as_text=True)
    aid = re.search(r'/reminders/afspraken/([0-9a-f-]+)/gedaan', page).group(1)
    r = j.post(f"/reminders/afspraken/{aid}/gedaan", data={"csrf_token": _csrf(page)}, follow_redirects=True)
    assert "Afspraak afgehandeld." in r.get_data(as_text=True)


def test_the_print_stylesheet_hides_forms_of_the_meeting_record(app, client):
    r = client.get("/static/css/app.css")
    css = r.get_data(as_text=True)
    r.close()
    assert re.search(r"@media print \{[^@]*\.no-print", css)


def test_the_parents_export_holds_the_actions_agreed_about_their_child(app, setting, world):
    s = setting
    m = _meeting(s, world)
    s["cjg"].post(f"/meetings/{m['id']}/actions", {"case_id": s["stuck"]["id"], "owner_id": world.ids["jgz"],
                                                   "due_on": "2026-03-16", "text": "Bellen met tolk."})
    export = s["jgz"].get(f"/cases/{s['stuck']['id']}/export").json
    actions = export["reminders"]["meeting_actions"]
    assert [(a["text"], a["owner"], a["due_on"]) for a in actions] == [("Bellen met tolk.", "JGZ Testregio IJmond", "2026-03-16")]
    page = _browser(app, world.emails["jgz"]).get(f"/dossiers/{s['stuck']['id']}/inzage").get_data(as_text=True)
    assert "Bellen met tolk. (uiterlijk 16 mrt 2026)" in page


def test_a_snoozed_action_comes_back_to_its_owner_after_the_sweep(app, runner, setting, world):
    s = setting
    m = _meeting(s, world)
    a = s["cjg"].post(f"/meetings/{m['id']}/actions", {"case_id": s["stuck"]["id"], "owner_id": world.ids["jgz"],
                                                       "due_on": "2026-03-09", "text": "Bellen."}).json
    r = s["jgz"].post(f"/reminders/{a['reminder_id']}/snooze", {"until": "2026-03-05", "reason": "Ouders op reis."})
    assert r.status_code == 200 and r.json["state"] == "snoozed"
    result = runner.invoke(args=["reminders", "run", "--now", "2026-03-05T08:00"])
    assert result.exit_code == 0, result.output
    back = [x for x in s["jgz"].get("/reminders").json["items"] if x["id"] == a["reminder_id"]]
    assert back and back[0]["state"] == "open"
    assert s["cjg"].get(f"/meetings/{m['id']}").json["actions"][0]["status"] == "open"
