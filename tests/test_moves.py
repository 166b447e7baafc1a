"""Moving house to a municipality the application does not know: refused, the case stays open.
(The other refusals of a move and the moves the monitor counts: tests/test_monitor_outputs.py.)"""
from __future__ import annotations

import pytest

from .db_fingerprint import fingerprint
from .factories import days_ago


@pytest.mark.parametrize("code", ["GM9998", "gm0000", "GM0363"])   # GM0363 is real (Amsterdam) but not known here
def test_a_move_to_an_unknown_municipality_is_422_and_keeps_the_case_open(app, api, world, code):
    jgz = api("jgz")
    case = jgz.referred(world.ids["loc"], indicated_days_ago=10)
    before = fingerprint(app)
    r = jgz.post(f"/cases/{case['id']}/moves", {"version": case["version"], "municipality": code,
                                                "effective_date": days_ago(1)})
    assert r.status_code == 422 and r.json["error"]["field"] == "municipality", r.json
    assert code.upper() in r.json["error"]["message"] and "Verhuisd buiten de regio" in r.json["error"]["message"]
    assert fingerprint(app) == before
    assert jgz.get(f"/cases/{case['id']}").json["state"] == "referred"


def test_the_refusal_is_in_the_readers_language(api, world):
    jgz = api("jgz")
    case = jgz.referred(world.ids["loc"], indicated_days_ago=10)
    r = jgz.client.post(f"/api/v1/cases/{case['id']}/moves", headers={**jgz.headers, "Accept-Language": "en"},
                        json={"version": case["version"], "municipality": "GM9998", "effective_date": days_ago(1)})
    assert r.status_code == 422 and "Unknown municipality GM9998" in r.json["error"]["message"], r.json


def test_a_move_to_a_known_municipality_of_another_region_still_closes_the_case(api, world):
    jgz = api("jgz")
    case = jgz.referred(world.ids["loc"], indicated_days_ago=10)
    r = jgz.post(f"/cases/{case['id']}/moves", {"version": case["version"], "municipality": "GM0664",
                                                "effective_date": days_ago(1)})
    assert r.status_code == 200 and r.json["state"] == "closed" and r.json["outcome"] == "moved_out_of_region"
