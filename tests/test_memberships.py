"""Municipalities and regions as data (issue 12.2): dated memberships from the CLI and the admin
page; the monitor of a reference date counts the municipalities of that date, so a municipality
joining or leaving changes no monitor before it."""
from __future__ import annotations

import datetime as dt

from toeleiding.extensions import db
from toeleiding.organisations.models import Municipality, Region
from toeleiding.organisations.util import municipalities_on

from .factories import ApiClient
from .web.conftest import WebClient


def _codes(app, slug, day):
    with app.app_context():
        region = db.session.query(Region).filter_by(slug=slug).one()
        return [m.code for m in municipalities_on(region.id, dt.date.fromisoformat(day))]


def test_create_join_leave_and_list_from_the_cli(app, runner, world):
    r = runner.invoke(args=["municipalities", "create", "--code", "GM0716", "--name", "Tholen",
                            "--region", "bevelanden", "--from", "2027-01-01"])
    assert r.exit_code == 0, r.output
    assert _codes(app, "bevelanden", "2026-12-31") == ["GM0664", "GM0678"]
    assert _codes(app, "bevelanden", "2027-01-01") == ["GM0664", "GM0678", "GM0716"]
    # Kapelle moves to IJmond from 2028 (invented), leaving De Bevelanden the day before.
    r = runner.invoke(args=["municipalities", "join", "--code", "GM0678", "--region", "ijmond", "--from", "2028-01-01"])
    assert r.exit_code == 0, r.output
    assert "GM0678" in _codes(app, "bevelanden", "2027-12-31") and "GM0678" not in _codes(app, "bevelanden", "2028-01-01")
    assert "GM0678" in _codes(app, "ijmond", "2028-01-01") and "GM0678" not in _codes(app, "ijmond", "2027-12-31")
    r = runner.invoke(args=["municipalities", "leave", "--code", "GM0716", "--region", "bevelanden", "--from", "2030-01-01"])
    assert r.exit_code == 0, r.output
    assert "GM0716" not in _codes(app, "bevelanden", "2030-01-01")
    listing = runner.invoke(args=["municipalities", "list", "--region", "bevelanden"]).output
    assert "GM0716\tTholen\tbevelanden\t2027-01-01\t2029-12-31" in listing
    assert "GM0678\tKapelle\tbevelanden\t-\t2027-12-31" in listing


def test_cli_refusals_name_the_field(runner, world):
    bad = runner.invoke(args=["municipalities", "create", "--code", "XX1", "--name", "T", "--region", "ijmond",
                              "--from", "2027-01-01"])
    assert bad.exit_code != 0 and "code:" in bad.output
    dup = runner.invoke(args=["municipalities", "create", "--code", "GM0375", "--name", "T", "--region", "ijmond",
                              "--from", "2027-01-01"])
    assert dup.exit_code != 0 and "code:" in dup.output
    date = runner.invoke(args=["municipalities", "create", "--code", "GM0716", "--name", "T", "--region", "ijmond",
                               "--from", "morgen"])
    assert date.exit_code != 0 and "valid_from:" in date.output
    same = runner.invoke(args=["municipalities", "join", "--code", "GM0375", "--region", "ijmond", "--from", "2027-01-01"])
    assert same.exit_code != 0 and "region:" in same.output
    leave = runner.invoke(args=["municipalities", "leave", "--code", "GM0375", "--region", "bevelanden", "--from", "2027-01-01"])
    assert leave.exit_code != 0 and "valid_from:" in leave.output


def test_the_current_region_column_follows_the_membership_in_force(app, runner, world):
    app.config["CLOCK_NOW"] = dt.datetime(2026, 6, 1, 10, tzinfo=dt.timezone.utc)
    runner.invoke(args=["municipalities", "join", "--code", "GM0678", "--region", "ijmond", "--from", "2027-01-01"])
    with app.app_context():
        kapelle = db.session.query(Municipality).filter_by(code="GM0678").one()
        assert kapelle.region.slug == "bevelanden"     # still, until 2027
    runner.invoke(args=["municipalities", "join", "--code", "GM0664", "--region", "ijmond", "--from", "2026-01-01"])
    with app.app_context():
        assert db.session.query(Municipality).filter_by(code="GM0664").one().region.slug == "ijmond"


def test_monitor_before_the_date_is_unchanged(app, runner, world):
    app.config["CLOCK_NOW"] = dt.datetime(2027, 3, 1, 10, tzinfo=dt.timezone.utc)
    admin = ApiClient.sign_in(app.test_client(), world.emails["admin"])
    before = admin.get("/monitor?region=ijmond&peildatum=2026-12-31").json
    assert runner.invoke(args=["municipalities", "join", "--code", "GM0678", "--region", "ijmond",
                               "--from", "2027-01-01"]).exit_code == 0
    assert admin.get("/monitor?region=ijmond&peildatum=2026-12-31").json == before
    after = admin.get("/monitor?region=ijmond&peildatum=2027-01-31").json
    assert [m["code"] for m in after["municipalities"]] == ["GM0375", "GM0396", "GM0678"]


def test_admin_page_adds_a_municipality_and_changes_membership(app, world):
    web = WebClient(app).sign_in(world.emails["admin"])
    assert web.get("/beheer/regio-indeling").status_code == 200
    r = web.post("/beheer/regio-indeling", {"code": "GM0716", "name": "Tholen", "valid_from": "2027-01-01"})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    page = web.get("/beheer/regio-indeling").get_data(as_text=True)
    assert "Tholen" in page and "GM0716" in page
    bad = web.post("/beheer/regio-indeling", {"code": "GM071", "name": "X", "valid_from": "2027-01-01"})
    assert bad.status_code == 422 and 'href="#f-code"' in bad.get_data(as_text=True)
    r = web.post("/beheer/regio-indeling/wijzigen", {"municipality": "GM0396", "action": "leave", "valid_from": "2028-01-01"})
    assert r.status_code == 302
    assert _codes(app, "ijmond", "2028-01-01") == ["GM0375", "GM0716"]
    bad = web.post("/beheer/regio-indeling/wijzigen", {"municipality": "GM0664", "action": "leave", "valid_from": "2028-01-01"})
    assert bad.status_code == 422 and 'href="#f-change-municipality"' in bad.get_data(as_text=True)
    bad = web.post("/beheer/regio-indeling/wijzigen", {"municipality": "GM0375", "action": "join", "valid_from": ""})
    assert bad.status_code == 422 and 'href="#f-change-valid_from"' in bad.get_data(as_text=True)


def test_the_sync_makes_a_started_membership_current(app, runner, world):
    app.config["CLOCK_NOW"] = dt.datetime(2026, 6, 1, 10, tzinfo=dt.timezone.utc)
    runner.invoke(args=["municipalities", "join", "--code", "GM0678", "--region", "ijmond", "--from", "2027-01-01"])
    assert "0 municipalities" in runner.invoke(args=["municipalities", "sync"]).output
    app.config["CLOCK_NOW"] = dt.datetime(2027, 1, 1, 10, tzinfo=dt.timezone.utc)
    assert "1 municipalities" in runner.invoke(args=["municipalities", "sync"]).output
    with app.app_context():
        assert db.session.query(Municipality).filter_by(code="GM0678").one().region.slug == "ijmond"
    assert "region_sync" in app.extensions["toeleiding.jobs"]


def test_listing_does_not_write(app, runner, world):
    from toeleiding.organisations.models import RegionMembership
    assert "GM0375\tBeverwijk\tijmond\t-\t-" in runner.invoke(args=["municipalities", "list"]).output
    WebClient(app).sign_in(world.emails["admin"]).get("/beheer/regio-indeling")
    with app.app_context():
        assert db.session.query(RegionMembership).count() == 0
