"""A provider the child was referred away from: it still sees the child, but takes no part any
more (no bereik-overleg notes) and reads the history only up to the step that took the child away."""
from __future__ import annotations

import pytest

from .factories import days_ago


@pytest.fixture
def left(api, world):
    return leave(api, world)


def leave(api, world) -> dict:
    """Referred to Duinroos (``ve``), not reached, re-referred to Strandgaper (``ve2``), waitlisted
    there; one bereik-overleg note before the re-referral and one after."""
    jgz, ve, ve2 = api("jgz"), api("ve"), api("ve2")
    case = jgz.referred(world.ids["loc"], indicated_days_ago=30)
    case = ve.fire(case, "report_not_reached", reason="no_contact", date=days_ago(20))
    r = jgz.post("/bereik-overleg/GM0375/notes", {"case_id": case["id"], "text": "Duinroos belt nog een keer."})
    assert r.status_code == 201, r.json
    case = jgz.fire(case, "re_refer", location_id=world.ids["loc2"], consent=True, referral_date=days_ago(15))
    case = ve2.fire(case, "waitlist", waitlist_date=days_ago(0))
    r = ve2.post("/bereik-overleg/GM0375/notes", {"case_id": case["id"], "text": "Strandgaper plaatst na de zomer."})
    assert r.status_code == 201, r.json
    return case


def _triggers(client, case):
    r = client.get(f"/cases/{case['id']}")
    assert r.status_code == 200, r.json
    return [h["trigger"] for h in r.json["history"]]


def test_former_provider_reads_the_history_up_to_the_re_referral(api, left):
    everything = ["register", "indicate", "refer", "report_not_reached", "re_refer", "waitlist"]
    assert _triggers(api("jgz"), left) == everything
    assert _triggers(api("ve2"), left) == everything   # the current provider reads its predecessor's steps
    assert _triggers(api("ve"), left) == ["register", "indicate", "refer", "report_not_reached"]


def test_a_provider_the_child_comes_back_to_reads_everything_again(api, world, left):
    ve2, cjg = api("ve2"), api("cjg")
    case = ve2.fire(left, "report_not_reached", reason="waiting_list", date=days_ago(0))
    case = cjg.fire(case, "re_refer", location_id=world.ids["loc"], consent=True, referral_date=days_ago(0))
    assert _triggers(api("ve"), case)[-3:] == ["waitlist", "report_not_reached", "re_refer"]
    # and now the provider it left in turn stops at the step that took the child away
    assert _triggers(ve2, case) == ["register", "indicate", "refer", "report_not_reached", "re_refer",
                                    "waitlist", "report_not_reached"]


def test_former_provider_may_not_post_a_bereik_overleg_note(api, left):
    before = api("jgz").get("/bereik-overleg/GM0375").json
    r = api("ve").post("/bereik-overleg/GM0375/notes", {"case_id": left["id"], "text": "Wij hebben nog plek."})
    assert r.status_code == 403, r.json
    assert api("jgz").get("/bereik-overleg/GM0375").json == before   # nothing stored
    # nor does the child appear in its overleg; the current provider's overleg holds it
    assert left["id"] not in {i["case_id"] for i in api("ve").get("/bereik-overleg/GM0375").json["items"]}
    assert left["id"] in {i["case_id"] for i in api("ve2").get("/bereik-overleg/GM0375").json["items"]}


def test_former_provider_sees_where_the_case_stood_when_it_left_not_where_it_is(api, world, left):
    mine = api("ve").get(f"/cases/{left['id']}").json
    assert (mine["state"], mine["location_id"], mine["not_reached_reason"]) == \
        ("not_reached", world.ids["loc"], "no_contact")
    assert mine["state_since"] == days_ago(20)
    listed = next(i for i in api("ve").get("/cases").json["items"] if i["id"] == left["id"])
    assert (listed["state"], listed["location_id"]) == ("not_reached", world.ids["loc"])
    # the current provider and JGZ see where the child is now
    for who in ("ve2", "jgz"):
        now = api(who).get(f"/cases/{left['id']}").json
        assert (now["state"], now["location_id"]) == ("waitlisted", world.ids["loc2"])
