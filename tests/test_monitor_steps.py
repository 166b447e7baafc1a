"""The monitor and the steps of issue 11: referrals_declined, stopped_early, the per-provider table
of declined referrals, the waiting list's own date and a change of location, all read by effective
date, and suppressed for the municipality like every other cell."""
from __future__ import annotations

import pytest

from .factories import at, referred


@pytest.fixture
def steps(app, api, world):
    """Children of Beverwijk (born mid 2022, so in the target group all of 2025), their steps
    recorded as the clock moves; some back-dated."""
    ids = world.ids
    at(app, "2025-02-01")
    jgz, ve = api("jgz"), api("ve")
    c = {"D": referred(jgz, "2022-06-15", "2025-02-01", ids["loc"]),     # declined, then placed elsewhere
         "E": referred(jgz, "2022-07-15", "2025-02-01", ids["loc"]),     # declined twice, by both providers
         "S": referred(jgz, "2022-06-20", "2025-02-01", ids["loc"]),     # placed, stops
         "T": referred(jgz, "2022-06-25", "2025-02-01", ids["loc"]),     # placed, changes location
         "W": referred(jgz, "2022-08-01", "2025-02-01", ids["loc"])}     # waitlisted, recorded late
    c["S"] = ve.fire(c["S"], "place", start_date="2025-02-10", hours_per_week=16)
    c["T"] = ve.fire(c["T"], "place", start_date="2025-02-10", hours_per_week=16)
    at(app, "2025-03-01")
    ve = api("ve")
    c["D"] = ve.fire(c["D"], "decline_referral", decline_reason="no_capacity", date="2025-03-01")
    c["E"] = ve.fire(c["E"], "decline_referral", decline_reason="wrong_location", date="2025-03-01")
    c["W"] = ve.fire(c["W"], "waitlist", waitlist_date="2025-02-15")   # typed in two weeks late
    at(app, "2025-03-10")
    jgz = api("jgz")
    c["D"] = jgz.get(f"/cases/{c['D']['id']}").json
    c["D"] = jgz.fire(c["D"], "refer", location_id=ids["loc2"], consent=True, referral_date="2025-03-10")
    c["E"] = jgz.get(f"/cases/{c['E']['id']}").json
    c["E"] = jgz.fire(c["E"], "refer", location_id=ids["loc2"], consent=True, referral_date="2025-03-10")
    at(app, "2025-04-01")
    ve2 = api("ve2")
    c["D"] = ve2.fire(c["D"], "place", start_date="2025-04-01", hours_per_week=16)
    c["E"] = ve2.fire(c["E"], "decline_referral", decline_reason="other", reason_text="Alleen ochtenden vol.",
                      date="2025-04-01")
    at(app, "2025-06-15")
    ve = api("ve")
    c["S"] = ve.fire(c["S"], "stop_placement", stop_reason="attendance", stop_date="2025-05-15")
    c["T"] = ve.fire(c["T"], "change_location", location_id=ids["loc_heemskerk"], transfer_date="2025-06-01")
    at(app, "2025-07-15")
    return c


def cells(api, peildatum, who="admin", path="/monitor"):
    r = api(who).get(f"{path}?region=ijmond&peildatum={peildatum}")
    assert r.status_code == 200, r.json
    return r.json


def row(body, code="GM0375"):
    return {k: v["value"] for k, v in next(m for m in body["municipalities"] if m["code"] == code)["cells"].items()}


def test_referrals_declined_counts_children_declined_by_p(api, steps):
    assert row(cells(api, "2025-02-28"))["referrals_declined"] == 0
    march = row(cells(api, "2025-03-31"))
    assert march["referrals_declined"] == 2                       # D and E, once each
    assert march["not_yet_placed"] == 2 and march["target_group"] == 5
    april = row(cells(api, "2025-04-30"))
    assert april["referrals_declined"] == 2                       # E declined twice: one child
    assert april["placed"] == 3                                   # D placed after all; S and T
    total = cells(api, "2025-04-30")["total"]["cells"]
    assert total["referrals_declined"]["value"] == 2


def test_stopped_early_counts_from_the_last_day_by_effective_date(api, steps):
    before = row(cells(api, "2025-05-14"))
    assert (before["stopped_early"], before["not_reached"]) == (0, 0)
    after = row(cells(api, "2025-05-31"))
    assert (after["stopped_early"], after["not_reached"], after["not_reached_attendance"]) == (1, 1, 1)


def test_the_waiting_list_counts_from_its_own_date(api, steps):
    assert row(cells(api, "2025-02-14"))["waitlisted"] == 0
    assert row(cells(api, "2025-02-15"))["waitlisted"] == 1      # recorded on 1 March, effective 15 February


def test_a_change_of_location_moves_the_child_in_the_flows_on_its_date(api, steps):
    may = cells(api, "2025-05-31", path="/monitor/flows")
    june = cells(api, "2025-06-30", path="/monitor/flows")
    flows = lambda body: {k: v["value"] for k, v in next(m for m in body["municipalities"]   # noqa: E731
                                                          if m["code"] == "GM0375")["cells"].items()}
    assert (flows(may)["GM0375"], flows(may)["GM0396"]) == (2, 0)     # T and D in Beverwijk
    assert (flows(june)["GM0375"], flows(june)["GM0396"]) == (1, 1)   # T at Duinroos Heemskerk now
    assert row(cells(api, "2025-06-30"))["placed_elsewhere"] == 1


def test_declines_per_provider_and_reason(api, world, steps):
    body = cells(api, "2025-04-30", path="/monitor/declines")
    assert body["threshold"] is None and body["reasons"] == [
        "no_capacity", "wrong_location", "outside_service_area", "parents_unreachable", "other"]
    by_id = {p["id"]: {k: v["value"] for k, v in p["cells"].items()} for p in body["providers"]}
    assert by_id[world.ids["ve"]] == {"no_capacity": 1, "wrong_location": 1, "outside_service_area": 0,
                                      "parents_unreachable": 0, "other": 0, "total": 2}
    assert by_id[world.ids["ve2"]]["other"] == 1 and by_id[world.ids["ve2"]]["total"] == 1
    assert body["total"]["cells"]["total"]["value"] == 3
    # by effective date: in March only the first provider had declined
    march = cells(api, "2025-03-31", path="/monitor/declines")
    assert [p["id"] for p in march["providers"]] == [world.ids["ve"]]


def test_the_municipality_reads_them_suppressed_and_other_roles_not_at_all(api, steps):
    body = cells(api, "2025-04-30", who="gemeente")
    assert body["threshold"] == 10
    declined = next(m for m in body["municipalities"] if m["code"] == "GM0375")["cells"]["referrals_declined"]
    stopped = next(m for m in body["municipalities"] if m["code"] == "GM0375")["cells"]["stopped_early"]
    assert declined == {"value": None, "display": "<10"}
    assert stopped == {"value": 0, "display": "0"}
    table = cells(api, "2025-04-30", who="gemeente", path="/monitor/declines")
    assert all(c["value"] is None for p in table["providers"] for c in p["cells"].values() if c["display"] != "0")
    assert table["total"]["cells"]["total"]["display"] == "<10"
    for who in ("cjg", "ve", "jgz"):
        r = api(who).get("/monitor/declines?region=ijmond&peildatum=2025-04-30")
        assert r.status_code == 403, who
    r = api("gemeente").get("/monitor/declines?region=ijmond&peildatum=2025-04-29")
    assert r.status_code == 422 and r.json["error"]["field"] == "peildatum"   # not a month end
    r = api("gemeente").get("/monitor/declines?region=bevelanden&peildatum=2025-04-30")
    assert r.status_code == 403


def test_the_monitor_page_shows_the_new_cells_and_the_decline_table(app, world, steps):
    from .web.conftest import WebClient
    client = WebClient(app).sign_in(world.emails["gemeente"])
    page = client.get("/monitor/?peildatum=2025-04-30")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Toeleiding afgewezen door aanbieder" in body and "Voortijdig gestopt met VE" in body
    assert "Afgewezen toeleidingen per aanbieder" in body and "Peuteropvang Duinroos (test)" in body
    assert "Geen plaats" in body
