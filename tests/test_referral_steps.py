"""What really happens to a referral (issue 11, points 1-4), through the API: a provider declines
a referral and loses the child; the waiting list has its own date; a placed child stops early; a
provider moves a child to another of its locations; JGZ or CJG refers a placed child to another
provider, and the former one loses it after the new start date. Steps, fields, checks and
reminders are workflow data (workflows/toeleiding.yaml)."""
from __future__ import annotations

import datetime as dt

import pytest

from toeleiding import clock

from .factories import ApiClient

T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=clock.LOCAL_TZ)


@pytest.fixture
def at(app, client, world):
    """Move the clock (to ``T0 + days``) and sign in afresh: ``at(days)("ve")``."""
    def move(days: int = 0):
        app.config["CLOCK_NOW"] = T0 + dt.timedelta(days=days)
        return lambda who: ApiClient.sign_in(client, world.emails[who])
    return move


def _day(n: int) -> str:
    return (T0.date() + dt.timedelta(days=n)).isoformat()


def _referred(who, world, location="loc", n=0):
    jgz = who("jgz")
    born = clock.add_months(T0.date(), -36).isoformat()   # 3 years old at T0, whatever the real date
    case = jgz.fire(jgz.register(birth_date=born), "indicate", criteria=["home_language"], indication_date=_day(n - 2))
    return jgz.fire(case, "refer", location_id=world.ids[location], consent=True, referral_date=_day(n - 1))


def _placed(who, world, location="loc", n=0):
    return who("ve").fire(_referred(who, world, location, n), "place", start_date=_day(n), hours_per_week=16)


def _inbox(who, name, case) -> list[str]:
    r = who(name).get("/reminders?state=open")
    assert r.status_code == 200, r.json
    return sorted(i["rule"] for i in r.json["items"] if i["case_id"] == case["id"])


def _sweep(app, runner, days: int) -> None:
    moment = (T0 + dt.timedelta(days=days)).astimezone(clock.LOCAL_TZ).replace(tzinfo=None)
    result = runner.invoke(args=["reminders", "run", "--now", moment.isoformat()])
    assert result.exit_code == 0, result.output


# --- 1. decline_referral --------------------------------------------------------------------

@pytest.mark.parametrize("from_state", ["referred", "waitlisted"])
def test_a_declined_referral_goes_back_to_jgz_and_the_provider_loses_the_child(at, world, app, runner, from_state):
    who = at(0)
    case = _referred(who, world)
    if from_state == "waitlisted":
        case = who("ve").fire(case, "waitlist", waitlist_date=_day(0))
    answer = who("ve").fire(case, "decline_referral", decline_reason="no_capacity", date=_day(0))
    # the answer shows the provider the case as it handed it back, not what happens next
    assert answer["history"][-1]["trigger"] == from_state.replace("referred", "refer").replace("waitlisted", "waitlist")
    case = who("jgz").get(f"/cases/{case['id']}").json
    assert (case["state"], case["location_id"]) == ("indicated", None)
    # from that moment: no case page, no list, no search hit for the provider
    ve = who("ve")
    assert ve.get(f"/cases/{case['id']}").status_code == 404
    assert case["id"] not in {i["id"] for i in ve.get("/cases").json["items"]}
    r = ve.post(f"/cases/{case['id']}/transitions", {"trigger": "place", "version": case["version"],
                                                     "data": {"start_date": _day(0), "hours_per_week": 16}})
    assert r.status_code == 404
    # JGZ reads why, and is reminded to refer again (not only after the generic 14 days)
    jgz = who("jgz").get(f"/cases/{case['id']}").json
    assert jgz["history"][-1]["trigger"] == "decline_referral"
    assert jgz["history"][-1]["data"]["decline_reason"] == "no_capacity"
    assert "refer" in jgz["triggers"]
    _sweep(app, runner, 0)
    assert _inbox(at(0), "jgz", case) == ["referral_declined"]
    assert _inbox(at(0), "ve", case) == []


def test_referred_again_to_the_same_provider_it_sees_the_child_again(at, world):
    who = at(0)
    case = who("ve").fire(_referred(who, world), "decline_referral", decline_reason="wrong_location", date=_day(0))
    who = at(1)
    case = who("jgz").fire(case, "refer", location_id=world.ids["loc_heemskerk"], consent=True, referral_date=_day(1))
    seen = who("ve").get(f"/cases/{case['id']}")
    assert seen.status_code == 200 and seen.json["state"] == "referred"
    assert "place" in seen.json["triggers"]


@pytest.mark.parametrize("data,field", [
    ({"date": _day(0)}, "decline_reason"),
    ({"decline_reason": "too_busy", "date": _day(0)}, "decline_reason"),
    ({"decline_reason": "other", "date": _day(0)}, "reason_text"),
    ({"decline_reason": "no_capacity", "date": _day(3)}, "date"),
    ({"decline_reason": "no_capacity"}, "date"),
])
def test_decline_refuses_bad_input_at_the_field_and_stores_nothing(at, world, data, field):
    who = at(0)
    case = _referred(who, world)
    r = who("ve").post(f"/cases/{case['id']}/transitions",
                       {"trigger": "decline_referral", "version": case["version"], "data": data})
    assert r.status_code == 422, r.json
    assert r.json["error"]["field"] == field
    again = who("ve").get(f"/cases/{case['id']}").json
    assert (again["state"], again["version"]) == ("referred", case["version"])


def test_decline_other_takes_an_explanation_that_is_stored_encrypted(at, world, app):
    who = at(0)
    case = who("ve").fire(_referred(who, world), "decline_referral", decline_reason="other",
                          reason_text="Locatie gaat verbouwen.", date=_day(0))
    history = who("jgz").get(f"/cases/{case['id']}").json["history"]
    assert history[-1]["data"]["reason_text"] == "Locatie gaat verbouwen."
    from sqlalchemy import select
    from toeleiding.cases.models import CaseEvent
    from toeleiding.extensions import db
    with app.app_context():
        event = db.session.scalar(select(CaseEvent).where(CaseEvent.trigger == "decline_referral"))
        assert "reason_text" not in event.data and event.secret == {"reason_text": "Locatie gaat verbouwen."}


def test_only_the_provider_declines_and_only_its_own_referral(at, world):
    who = at(0)
    case = _referred(who, world)
    r = who("jgz").post(f"/cases/{case['id']}/transitions",
                        {"trigger": "decline_referral", "version": case["version"],
                         "data": {"decline_reason": "no_capacity", "date": _day(0)}})
    assert r.status_code == 403
    r = who("ve2").post(f"/cases/{case['id']}/transitions",
                        {"trigger": "decline_referral", "version": case["version"],
                         "data": {"decline_reason": "no_capacity", "date": _day(0)}})
    assert r.status_code == 404   # never referred to it: outside its scope
    placed = who("ve").fire(case, "place", start_date=_day(0), hours_per_week=16)
    r = who("ve").post(f"/cases/{placed['id']}/transitions",
                       {"trigger": "decline_referral", "version": placed["version"],
                        "data": {"decline_reason": "no_capacity", "date": _day(0)}})
    assert r.status_code == 409   # not from placed


# --- 2. waitlist with its own date -------------------------------------------------------

def test_waitlist_date_is_the_effective_date(at, world):
    who = at(10)
    case = _referred(who, world, n=0)
    case = who("ve").fire(case, "waitlist", waitlist_date=_day(3), expected_start_date=_day(60))
    assert (case["state"], case["state_since"]) == ("waitlisted", _day(3))
    last = case["history"][-1]
    assert (last["effective_date"], last["data"]["expected_start_date"]) == (_day(3), _day(60))


@pytest.mark.parametrize("data,field", [
    ({}, "waitlist_date"),
    ({"waitlist_date": _day(1)}, "waitlist_date"),            # in the future
    ({"waitlist_date": "gisteren"}, "waitlist_date"),
    ({"waitlist_date": _day(-5)}, "waitlist_date"),           # before the referral
    ({"waitlist_date": _day(0), "expected_start_date": "x"}, "expected_start_date"),
])
def test_waitlist_refuses_a_bad_date_at_the_field(at, world, data, field):
    who = at(0)
    case = _referred(who, world)
    r = who("ve").post(f"/cases/{case['id']}/transitions", {"trigger": "waitlist", "version": case["version"],
                                                            "data": data})
    assert r.status_code == 422, r.json
    assert r.json["error"]["field"] == field


# --- 3. drop-out --------------------------------------------------------------------------

def test_a_placed_child_that_stops_is_not_reached_and_the_cjg_follows_up(at, world, app, runner):
    who = at(0)
    case = _placed(who, world)
    assert case["id"] not in {i["id"] for i in who("cjg").get("/cases").json["items"]}
    who = at(20)
    case = who("ve").fire(case, "stop_placement", stop_reason="parents_stopped", stop_date=_day(18))
    assert (case["state"], case["not_reached_reason"], case["state_since"]) == ("not_reached", "parents_stopped", _day(18))
    cjg = who("cjg").get(f"/cases/{case['id']}")
    assert cjg.status_code == 200 and "re_refer" in cjg.json["triggers"]
    _sweep(app, runner, 24)
    assert _inbox(at(24), "cjg", case) == []
    _sweep(app, runner, 25)   # 7 days after the last day of VE
    assert _inbox(at(25), "cjg", case) == ["stopped_early_follow_up"]
    # the CJG refers the child again; the reminder stops
    who = at(26)
    case = who("cjg").fire(case, "re_refer", location_id=world.ids["loc2"], consent=True, referral_date=_day(26))
    assert _inbox(who, "cjg", case) == []


@pytest.mark.parametrize("data,field", [
    ({"stop_date": _day(0)}, "stop_reason"),
    ({"stop_reason": "no_contact", "stop_date": _day(0)}, "stop_reason"),   # a reason, but not for stopping
    ({"stop_reason": "other", "stop_date": _day(0)}, "reason_text"),
    ({"stop_reason": "moved", "stop_date": _day(1)}, "stop_date"),
    ({"stop_reason": "moved", "stop_date": _day(-10)}, "stop_date"),        # before the placement
])
def test_drop_out_refuses_bad_input_at_the_field(at, world, data, field):
    who = at(0)
    case = _placed(who, world)
    r = who("ve").post(f"/cases/{case['id']}/transitions", {"trigger": "stop_placement", "version": case["version"],
                                                            "data": data})
    assert r.status_code == 422, r.json
    assert r.json["error"]["field"] == field


def test_drop_out_is_the_providers_and_offers_only_its_reasons(at, world, client):
    who = at(0)
    case = _placed(who, world)
    r = who("cjg").post(f"/cases/{case['id']}/transitions", {"trigger": "stop_placement", "version": case["version"],
                                                             "data": {"stop_reason": "moved", "stop_date": _day(0)}})
    assert r.status_code == 404   # a placed child is outside the CJG's scope
    r = who("jgz").post(f"/cases/{case['id']}/transitions", {"trigger": "stop_placement", "version": case["version"],
                                                             "data": {"stop_reason": "moved", "stop_date": _day(0)}})
    assert r.status_code == 403
    doc = client.get("/api/v1/openapi.json").json
    schemas = doc["paths"]["/cases/{case_id}/transitions"]["post"]["requestBody"]["content"]["application/json"]["schema"]["oneOf"]
    stop = next(s for s in schemas if s["title"] == "stop_placement")
    assert stop["properties"]["data"]["properties"]["stop_reason"]["enum"] == ["moved", "parents_stopped", "attendance", "other"]
    decline = next(s for s in schemas if s["title"] == "decline_referral")
    assert decline["properties"]["data"]["properties"]["decline_reason"]["enum"] == [
        "no_capacity", "wrong_location", "outside_service_area", "parents_unreachable", "other"]
    waitlist = next(s for s in schemas if s["title"] == "waitlist")
    assert "waitlist_date" in waitlist["properties"]["data"]["required"]


# --- 4. change of location and transfer to another provider -------------------------------

def test_the_provider_moves_a_placed_child_to_another_of_its_own_locations(at, world):
    who = at(0)
    case = _placed(who, world)
    who = at(30)
    case = who("ve").fire(case, "change_location", location_id=world.ids["loc_heemskerk"], transfer_date=_day(28))
    assert (case["state"], case["location_id"], case["state_since"]) == ("placed", world.ids["loc_heemskerk"], _day(28))
    r = who("ve").post(f"/cases/{case['id']}/transitions", {
        "trigger": "change_location", "version": case["version"],
        "data": {"location_id": world.ids["loc2"], "transfer_date": _day(30)}})
    assert r.status_code == 422 and r.json["error"]["field"] == "location_id"   # not its own
    r = who("ve").post(f"/cases/{case['id']}/transitions", {
        "trigger": "change_location", "version": case["version"],
        "data": {"location_id": world.ids["loc"], "transfer_date": _day(31)}})
    assert r.status_code == 422 and r.json["error"]["field"] == "transfer_date"   # in the future


@pytest.mark.parametrize("referrer", ["jgz", "cjg"])
def test_a_placed_child_transferred_to_another_provider_leaves_the_former_one_after_the_new_start(
        at, world, referrer):
    who = at(0)
    case = _placed(who, world)
    if referrer == "cjg":   # the CJG acts on children it follows: one that was not reached before
        case = who("ve").fire(case, "stop_placement", stop_reason="attendance", stop_date=_day(0))
        case = who("cjg").fire(case, "re_refer", location_id=world.ids["loc"], consent=True, referral_date=_day(0))
        case = who("ve").fire(case, "place", start_date=_day(0), hours_per_week=16)
    who = at(10)
    case = who(referrer).fire(case, "transfer_to_provider", location_id=world.ids["loc2"], consent=True,
                              referral_date=_day(10))
    assert (case["state"], case["location_id"]) == ("referred", world.ids["loc2"])
    # the former provider still reads the case as it left it, but may not act
    former = who("ve").get(f"/cases/{case['id']}")
    assert former.status_code == 200 and former.json["triggers"] == []
    assert former.json["state"] == "placed"
    case = who("ve2").fire(case, "place", start_date=_day(20), hours_per_week=16)   # starts in 10 days
    assert who("ve").get(f"/cases/{case['id']}").status_code == 200
    who = at(20)
    assert who("ve").get(f"/cases/{case['id']}").status_code == 200   # through the start date …
    who = at(21)
    assert who("ve").get(f"/cases/{case['id']}").status_code == 404   # … and no longer after it
    assert case["id"] not in {i["id"] for i in who("ve").get("/cases").json["items"]}
    assert who("ve2").get(f"/cases/{case['id']}").json["state"] == "placed"


def test_only_jgz_and_cjg_transfer_and_only_a_placed_child(at, world):
    who = at(0)
    case = _placed(who, world)
    r = who("ve").post(f"/cases/{case['id']}/transitions", {
        "trigger": "transfer_to_provider", "version": case["version"],
        "data": {"location_id": world.ids["loc2"], "consent": True, "referral_date": _day(0)}})
    assert r.status_code == 403
    r = who("jgz").post(f"/cases/{case['id']}/transitions", {
        "trigger": "transfer_to_provider", "version": case["version"],
        "data": {"location_id": world.ids["loc2"], "referral_date": _day(0)}})
    assert r.status_code == 422 and r.json["error"]["field"] == "consent"
    referred = _referred(who, world)
    r = who("jgz").post(f"/cases/{referred['id']}/transitions", {
        "trigger": "transfer_to_provider", "version": referred["version"],
        "data": {"location_id": world.ids["loc2"], "consent": True, "referral_date": _day(0)}})
    assert r.status_code == 409



# --- the engine's new capabilities refuse mistakes, naming the key ---------------------------

def _load_changed(tmp_path, change):
    import yaml
    from toeleiding.config import PROJECT_ROOT
    from toeleiding.workflow import WorkflowError, load_workflow
    data = yaml.safe_load((PROJECT_ROOT / "workflows" / "toeleiding.yaml").read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "changed.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(WorkflowError) as info:
        load_workflow(path)
    return str(info.value)


def _transition(data, trigger):
    return next(t for t in data["transitions"] if t["trigger"] == trigger)


def _rule(data, name):
    return next(r for r in data["reminders"] if r["name"] == name)


@pytest.mark.parametrize("change,expected", [
    (lambda d: _transition(d, "stop_placement")["fields"]["stop_reason"].update(only=["sleepy"]),
     "fields.stop_reason.only: 'sleepy' is not in the list 'reasons'"),
    (lambda d: _transition(d, "decline_referral")["fields"]["decline_reason"].update(choices="excuses"),
     "fields.decline_reason.choices: a choice field names its list"),
    (lambda d: _transition(d, "refer")["fields"]["consent"].update(default="today"),
     "fields.consent.default: only a date field starts at today"),
    (lambda d: _transition(d, "decline_referral").update(ends_access="everyone"), "ends_access"),
    (lambda d: _transition(d, "decline_referral").update(monitor="declined"), "monitor"),
    (lambda d: _rule(d, "referral_declined").update(after_step="decline"), "after_step: unknown trigger 'decline'"),
    (lambda d: _rule(d, "referral_declined").update(after_step="place"), "does not lead to a state of the rule"),
    (lambda d: d["reminders"].append({**_rule(d, "stopped_early_follow_up"), "name": "twice"}),
     "already covers 'not_reached'"),
    (lambda d: d.update(choice_lists={"reasons": {"x": "X"}}), "choice_lists.reasons"),
])
def test_the_new_capabilities_refuse_mistakes(tmp_path, change, expected):
    message = _load_changed(tmp_path, change)
    assert expected in message, message
