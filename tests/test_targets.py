"""Targets as data (issue 12.3): a region sets its targets per period (CLI, admin page, API); the
monitor reports ``reach_vs_target`` against the target in force at P and the charts draw it;
without a target nothing changes (the fixed 100% line)."""
from __future__ import annotations

import datetime as dt

import pytest

from toeleiding.errors import ValidationError
from toeleiding.extensions import db
from toeleiding.monitor import charts
from toeleiding.organisations.models import Municipality, Region
from toeleiding.organisations.operations import set_figures, set_target
from toeleiding.organisations.util import targets_on

from .factories import ApiClient, days_ago
from .web.conftest import WebClient


def _cell(row, name):
    return row[name]


def test_set_and_list_from_the_cli(app, runner, world):
    r = runner.invoke(args=["targets", "set", "--region", "ijmond", "--kind", "target_group_placed", "--pct", "95",
                            "--from", "2026-01-01"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(args=["targets", "set", "--region", "ijmond", "--kind", "target_group_placed", "--pct", "100",
                            "--from", "2027-01-01"])
    assert r.exit_code == 0, r.output
    listing = runner.invoke(args=["targets", "list", "--region", "ijmond"]).output
    assert "target_group_placed\t95.0\t2026-01-01\t2026-12-31" in listing
    assert "target_group_placed\t100.0\t2027-01-01\t-" in listing
    bad = runner.invoke(args=["targets", "set", "--region", "ijmond", "--kind", "all_toddlers", "--pct", "120",
                              "--from", "2026-01-01"])
    assert bad.exit_code != 0 and "pct:" in bad.output


def test_periods_do_not_overlap(ctx, world):
    region = db.session.query(Region).filter_by(slug="ijmond").one()
    set_target(region, "all_toddlers", 90, "2026-01-01", "2026-12-31")
    with pytest.raises(ValidationError) as exc:
        set_target(region, "all_toddlers", 80, "2026-06-01")
    assert exc.value.field == "valid_from"
    with pytest.raises(ValidationError) as exc:
        set_target(region, "all_toddlers", 80, "2027-06-01", "2027-01-01")
    assert exc.value.field == "valid_until"
    assert targets_on(region.id, dt.date(2026, 5, 1)) == {"all_toddlers": 90}
    assert targets_on(region.id, dt.date(2027, 5, 1)) == {}


def test_monitor_reports_reach_against_the_target_in_force(app, api, world):
    app.config["CLOCK_NOW"] = dt.datetime(2026, 3, 1, 10, tzinfo=dt.timezone.utc)
    jgz = api("jgz")
    case = jgz.register(municipality="GM0375", birth_date="2023-06-15")
    jgz.fire(case, "indicate", criteria=["home_language"], indication_date="2026-02-01")
    admin = api("admin")
    total = admin.get("/monitor?region=ijmond&peildatum=2026-02-28").json["total"]["cells"]
    # No target set: against 100%, as always.
    assert total["reach_pct"]["value"] == 0.0 and total["reach_vs_target"] == {"value": -100.0, "display": "-100.0"}
    assert total["toddler_reach_vs_target"]["value"] is None
    with app.app_context():
        region = db.session.query(Region).filter_by(slug="ijmond").one()
        set_target(region, "target_group_placed", 90, "2026-01-01")
        set_target(region, "all_toddlers", 90, "2026-01-01")
        for code in ("GM0375", "GM0396"):
            set_figures(db.session.query(Municipality).filter_by(code=code).one(), 2026, toddlers=100, ve_places=80)
        db.session.commit()
    body = admin.get("/monitor?region=ijmond&peildatum=2026-02-28").json
    assert body["total"]["cells"]["reach_vs_target"]["value"] == -90.0
    assert body["total"]["cells"]["toddler_reach_pct"]["value"] == 80.0
    assert body["total"]["cells"]["toddler_reach_vs_target"] == {"value": -10.0, "display": "-10.0"}
    # A date before the target: the default again.
    early = admin.get("/monitor?region=ijmond&peildatum=2025-12-31").json["total"]["cells"]
    assert early["reach_vs_target"]["value"] in (None, -100.0)


def test_a_hidden_reach_hides_its_distance_to_the_target(app, api, world):
    jgz = api("jgz")
    case = jgz.register(municipality="GM0375", months=36)
    jgz.fire(case, "indicate", criteria=["home_language"], indication_date=days_ago(40))
    gemeente = api("gemeente")
    day = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).isoformat()
    rows = {m["code"]: m["cells"] for m in gemeente.get(f"/monitor?region=ijmond&peildatum={day}").json["municipalities"]}
    assert rows["GM0375"]["reach_pct"]["value"] is None
    assert rows["GM0375"]["reach_vs_target"] == {"value": None, "display": "x"}


def test_chart_draws_the_target_in_force():
    cells = {"reach_pct": {"value": 50.0, "display": "50.0%"}}
    assert "Doel 100%" in charts.reach_chart([("A", cells)])
    svg = charts.reach_chart([("A", cells)], 90, 85)
    assert "Doel 90%" in svg and "85%" in svg and "Doel 100%" not in svg


def test_admin_page_and_api(app, client, world):
    web = WebClient(app).sign_in(world.emails["admin"])
    assert "100%" in web.get("/beheer/doelen").get_data(as_text=True)
    r = web.post("/beheer/doelen", {"kind": "all_toddlers", "pct": "90", "valid_from": "2026-01-01"})
    assert r.status_code == 302
    bad = web.post("/beheer/doelen", {"kind": "all_toddlers", "pct": "0", "valid_from": "2026-01-01"})
    assert bad.status_code == 422 and 'href="#f-pct"' in bad.get_data(as_text=True)
    assert "Alle peuters" in web.get("/beheer/doelen").get_data(as_text=True)
    admin = ApiClient.sign_in(client, world.emails["admin"])
    items = admin.get("/targets").json["items"]
    assert items == [{"kind": "all_toddlers", "pct": 90.0, "valid_from": "2026-01-01", "valid_until": None}]
    r = admin.post("/targets", json={"kind": "target_group_placed", "pct": 100, "valid_from": "2026-01-01"})
    assert r.status_code == 201
    bad = admin.post("/targets", json={"kind": "everything", "pct": 100, "valid_from": "2026-01-01"})
    assert bad.status_code == 422 and bad.json["error"]["field"] == "kind"
    assert ApiClient.sign_in(client, world.emails["jgz"]).get("/targets").status_code == 403
