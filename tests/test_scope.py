"""Who sees which case, beyond the basic paths of test_referral_api.py."""
from __future__ import annotations

import datetime as dt

from toeleiding import clock

from .factories import days_ago


def test_cjg_sees_a_waiting_child_once_the_reminders_escalate_to_it(app, api, world, runner):
    jgz, ve = api("jgz"), api("ve")
    case = jgz.referred(world.ids["loc"], indicated_days_ago=3)
    case = ve.fire(case, "waitlist", waitlist_date=days_ago(0))
    assert api("cjg").get(f"/cases/{case['id']}").status_code == 404
    start = clock.now()
    # Waitlisted: the provider is reminded after 28 days and every 28 days; after 3, the CJG.
    for weeks in (4, 8, 12, 16):
        result = runner.invoke(args=["reminders", "run", "--now", (start + dt.timedelta(weeks=weeks, hours=1)).isoformat()])
        assert result.exit_code == 0, result.output
    app.config["CLOCK_NOW"] = start + dt.timedelta(weeks=16, hours=2)
    assert api("cjg").get(f"/cases/{case['id']}").status_code == 200
    assert api("cjg2").get(f"/cases/{case['id']}").status_code == 404   # another municipality's CJG


def test_every_location_a_case_was_referred_to_keeps_its_provider_in_scope(api, world):
    """Re-referred to another provider: both see the case (the first keeps its history)."""
    jgz, ve, ve2 = api("jgz"), api("ve"), api("ve2")
    case = jgz.referred(world.ids["loc"], indicated_days_ago=30)
    assert ve2.get(f"/cases/{case['id']}").status_code == 404
    case = ve.fire(case, "report_not_reached", reason="no_contact", date=days_ago(20))
    case = jgz.fire(case, "re_refer", location_id=world.ids["loc2"], consent=True, referral_date=days_ago(15))
    assert ve2.get(f"/cases/{case['id']}").status_code == 200
    assert ve.get(f"/cases/{case['id']}").status_code == 200
    # Placed at the location it was referred to: still in scope, nothing changes.
    case = ve2.fire(case, "place", start_date=days_ago(10), hours_per_week=16)
    assert case["location_id"] == world.ids["loc2"] and ve2.get(f"/cases/{case['id']}").status_code == 200


def test_a_placement_at_another_own_location_moves_the_case_there(api, world):
    jgz, ve = api("jgz"), api("ve")
    case = jgz.referred(world.ids["loc"], indicated_days_ago=30)
    case = ve.fire(case, "place", start_date=days_ago(10), hours_per_week=16, location_id=world.ids["loc_heemskerk"])
    assert case["location_id"] == world.ids["loc_heemskerk"]
    assert ve.get(f"/cases/{case['id']}").json["location_id"] == world.ids["loc_heemskerk"]
