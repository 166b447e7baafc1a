"""`flask demo` shows what the product is for (issue 13.12): about as many target-group children
per municipality as the seed's JGZ counts, two years of histories with every kind of step and
every reason of non-reach, figures for every year, postcodes of the right towns, loaded once.

The demo is loaded once for the module (it takes a while: a few thousand children through the
services); each test only reads it.
"""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from toeleiding import clock, create_app
from toeleiding.cases.models import Case, CaseEvent
from toeleiding.extensions import db
from toeleiding.monitor.access import last_month_end
from toeleiding.organisations.models import Municipality, MunicipalityFigures
from toeleiding.reminders.models import Reminder
from toeleiding.workflow import current_workflow

from .conftest import _empty_database
from .factories import ApiClient

# The seed's JGZ counts (shared/domain.md; toeleiding/demo/data.py).
JGZ = {"GM0375": 241, "GM0396": 170, "GM0453": 338, "GM0664": 156, "GM0703": 92, "GM0654": 82, "GM0678": 32,
       "GM1695": 13}
BIG = ("GM0375", "GM0396", "GM0453", "GM0664")
# The real postcode areas of each municipality's towns (PostNL), independent of the demo's table.
POSTCODE_AREAS = {
    "GM0375": range(1940, 1950), "GM0396": range(1960, 1970),
    "GM0453": [*range(1950, 1952), *range(1970, 1977), *range(1980, 1986), *range(1990, 1993), 2071, 2082],
    "GM0654": [*range(4430, 4440), *range(4450, 4457)], "GM1695": [*range(4484, 4488), *range(4490, 4495)],
    "GM0678": range(4420, 4425), "GM0664": [*range(4460, 4466), 4458, 4481],
    "GM0703": [4401, *range(4410, 4418)],
}
MODELS = (Case, CaseEvent, MunicipalityFigures, Reminder)


@pytest.fixture(scope="module")
def demo_app(base_config, migrated):
    _empty_database(base_config)
    app = create_app(dict(base_config))
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _counts(app) -> dict[str, int]:
    with app.app_context():
        return {m.__tablename__: db.session.scalar(select(func.count()).select_from(m)) for m in MODELS}


def _admin_monitor(app, slug: str, peildatum: dt.date) -> dict:
    client = app.test_client()
    admin = ApiClient.sign_in(client, f"admin@{slug}.demo", "demo")
    r = admin.get(f"/monitor?region={slug}&peildatum={peildatum.isoformat()}")
    assert r.status_code == 200, r.json
    return {m["code"]: m["cells"] for m in r.json["municipalities"]} | {"total": r.json["total"]["cells"]}


def test_each_municipality_has_about_its_jgz_count_in_the_target_group_today(demo_app):
    with demo_app.app_context():
        today = clock.today()
    monitors = {**_admin_monitor(demo_app, "ijmond", today), **_admin_monitor(demo_app, "bevelanden", today)}
    for code, jgz in JGZ.items():
        got = monitors[code]["target_group"]["value"]
        assert abs(got - jgz) <= max(8, 0.25 * jgz), (code, got, jgz)
        assert 0 < monitors[code]["placed"]["value"] < got, code


def test_every_kind_of_step_every_reason_and_every_outcome_is_in_the_histories(demo_app):
    with demo_app.app_context():
        wf = current_workflow()
        triggers = set(db.session.scalars(select(CaseEvent.trigger).distinct()))
        assert set(wf.transitions) | {"register", "move"} <= triggers, set(wf.transitions) - triggers
        events = db.session.scalars(select(CaseEvent).where(CaseEvent.trigger.in_(("report_not_reached", "close",
                                                                                     "waitlist", "move",
                                                                                     "stop_placement"))))
        reasons, outcomes, waits, moves = set(), set(), 0, 0
        for e in events:
            if e.trigger == "report_not_reached":
                reasons.add(e.data["reason"])
            elif e.trigger == "stop_placement":   # a drop-out's reasons (issue 11) are reasons too
                reasons.add(e.data["stop_reason"])
            elif e.trigger == "close":
                outcomes.add(e.data["outcome"])
            elif e.trigger == "waitlist":
                waits += bool(e.data.get("expected_start_date"))
            else:
                moves += 1
        assert reasons == set(wf.reasons)
        outcomes |= set(db.session.scalars(select(Case.outcome).distinct()))   # "not target group" is set by a step
        assert outcomes - {None} == set(wf.outcomes), outcomes
        assert waits > 20 and moves > 10   # waiting lists with their dates; moves in the region
        # Every state has children in it today, in both regions.
        for slug in ("ijmond", "bevelanden"):
            states = set(db.session.scalars(select(Case.state).join(Municipality)
                                            .where(Municipality.code.in_(_codes(slug))).distinct()))
            assert states == set(wf.states), slug


def _codes(slug: str) -> list[str]:
    return ["GM0375", "GM0396", "GM0453"] if slug == "ijmond" else ["GM0654", "GM0664", "GM0678", "GM0703", "GM1695"]


def test_histories_span_two_years_and_figures_exist_for_every_year(demo_app):
    with demo_app.app_context():
        today = clock.today()
        first = db.session.scalar(select(func.min(CaseEvent.effective_date)))
        assert first <= today - dt.timedelta(days=700)
        assert db.session.scalar(select(func.max(CaseEvent.effective_date))) <= today
        years = set(range(first.year, today.year + 1))
        have = {}
        for m in db.session.scalars(select(Municipality)):
            have[m.code] = {f.year for f in db.session.scalars(select(MunicipalityFigures)
                                                                .where(MunicipalityFigures.municipality_id == m.id))}
        assert all(years <= y for y in have.values()), (years, have)
        # Registrations happened on their own days, not all on the day the demo was loaded.
        registered = db.session.scalars(select(CaseEvent.effective_date).where(CaseEvent.seq == 1))
        assert len(set(registered)) > 300


def test_the_monitor_of_the_big_municipalities_shows_real_numbers_to_the_gemeente(demo_app):
    client = demo_app.test_client()
    with demo_app.app_context():
        peildatum = last_month_end(clock.today())
    for slug, big in (("ijmond", BIG[:3]), ("bevelanden", BIG[3:])):
        gemeente = ApiClient.sign_in(client, f"gemeente@{slug}.demo", "demo")
        r = gemeente.get(f"/monitor?region={slug}&peildatum={peildatum.isoformat()}")
        assert r.status_code == 200 and r.json["threshold"] == 10, r.json
        rows = {m["code"]: m["cells"] for m in r.json["municipalities"]}
        for code in big:
            for cell in ("target_group", "placed", "reach_pct"):
                assert rows[code][cell]["value"] is not None, (code, cell, rows[code][cell])
            assert rows[code]["target_group"]["value"] >= 10 and rows[code]["placed"]["value"] >= 10
        total = r.json["total"]["cells"]
        assert total["not_reached"]["value"] >= 10
        # Some reason of non-reach is published for the region as a whole.
        assert any(v["value"] for k, v in total.items() if k.startswith("not_reached_")), total
        # Children placed in another municipality than their own (the flows).
        flows = gemeente.get(f"/monitor/flows?region={slug}&peildatum={peildatum.isoformat()}").json
        assert flows["total"]["cells"]["placed"]["value"] >= 10


def test_postcodes_fit_the_town_each_child_was_registered_in(demo_app):
    with demo_app.app_context():
        rows = db.session.execute(select(Case, Municipality.code).join(CaseEvent, CaseEvent.case_id == Case.id)
                                  .join(Municipality, Municipality.id == CaseEvent.municipality_id)
                                  .where(CaseEvent.seq == 1)).all()
        assert len(rows) > 1000
        wrong = [(code, case.postcode[:4]) for case, code in rows if int(case.postcode[:4]) not in POSTCODE_AREAS[code]]
        assert not wrong, wrong[:5]


def test_a_second_run_adds_nothing(demo_app):
    first = _counts(demo_app)
    assert first["cases"] > 1000
    result = demo_app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "children already there" in result.output
    assert _counts(demo_app) == first


def test_each_regions_demo_school_sees_its_handovers_only(demo_app):
    # The warm handover (issue 11.6): the demo school user of each region has children handed over,
    # some still to acknowledge, and reads no BSN of any of them.
    client = demo_app.test_client()
    for slug in ("ijmond", "bevelanden"):
        school = ApiClient.sign_in(client, f"school@{slug}.demo", "demo")
        items = school.get("/cases?per_page=200").json["items"]
        states = {c["state"] for c in items}
        assert {"school_handover", "handover_received"} <= states, (slug, states)
        assert all("bsn" not in c["child"] for c in items if c["child"])
        first = school.get(f"/cases/{items[0]['id']}").json
        assert {h["trigger"] for h in first["history"]} <= {"hand_over_to_school", "acknowledge_handover"}
