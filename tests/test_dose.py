"""The law's dose (issue 11, point 5): the provider records hours a week over time (change_hours),
the monitor projects each placed child's VE hours by age 4 and publishes below_960_hours,
started_after_30_months and below_16_hours_per_week (suppressed like every count), and the
provider is reminded while a child is projected below 960 hours. Invented children, known birth
months and hours: the expected hours are worked out by hand in the comments (README, "The law's
dose": min(hours, 30) x days / 7 x weeks_open / 52, up to the end of the month the child turns 4)."""
from __future__ import annotations

import datetime as dt

import pytest

from toeleiding import clock
from toeleiding.extensions import db

from .factories import at, ApiClient

# Every child of the monitor scenario is placed on 10 February 2025.
START = "2025-02-10"


def _placed(api, born: str, hours: int, loc: str, world, who="ve", municipality="GM0375"):
    jgz = api("jgz")
    case = jgz.register(municipality=municipality, birth_date=born)
    case = jgz.fire(case, "indicate", criteria=["home_language"], indication_date="2025-02-01")
    case = jgz.fire(case, "refer", location_id=world.ids[loc], consent=True, referral_date="2025-02-01")
    return api(who).fire(case, "place", start_date=START, hours_per_week=hours)


@pytest.fixture
def dose(app, api, world):
    """Beverwijk children placed on 10 February 2025 (the location open 40 weeks unless said)."""
    from toeleiding.organisations.models import Location
    from toeleiding.organisations.operations import update_location
    with app.app_context():   # the other provider's location is open 30 weeks a year
        loc = db.session.get(Location, world.ids["loc2"])
        update_location(loc, loc.name, loc.address, True, weeks_open=30)
        db.session.commit()
    at(app, "2025-02-10")
    c = {
        # 16 h from 10 Feb 2025 to 1 Sep 2026 (born Aug 2022): 568 days, 16 x 568 / 7 x 40 / 52 = 998.7 h
        "A": _placed(api, "2022-08-10", 16, "loc", world),
        # as A, but 10 h from 1 April 2025: (16 x 50 + 10 x 518) / 7 x 40 / 52 = 657.1 h
        "B": _placed(api, "2022-08-10", 16, "loc", world),
        # 31 months old at the start: a late start; 20 h to 1 Jul 2026, 506 days: 1,112.1 h
        "C": _placed(api, "2022-06-15", 20, "loc", world),
        # 40 h a week counts 30 (at most 6 h on at most 5 days): to 1 Oct 2025, 233 days:
        # 30 x 233 / 7 x 40 / 52 = 768.1 h (40 h would have made 1,024.2)
        "G": _placed(api, "2021-09-10", 40, "loc", world),
        # as A at a location open 30 weeks a year: 16 x 568 / 7 x 30 / 52 = 749.0 h
        "E": _placed(api, "2022-08-10", 16, "loc2", world, who="ve2"),
    }
    at(app, "2025-03-20")
    c["B"] = api("ve").fire(c["B"], "change_hours", hours_per_week=10, hours_date="2025-04-01")   # announced ahead
    at(app, "2025-07-15")
    return c


def _cells(api, peildatum, who="admin", code="GM0375"):
    r = api(who).get(f"/monitor?region=ijmond&peildatum={peildatum}")
    assert r.status_code == 200, r.json
    rows = {m["code"]: m["cells"] for m in r.json["municipalities"]} | {"total": r.json["total"]["cells"]}
    return {k: v["value"] for k, v in rows[code].items()}, r.json


def test_change_hours_is_a_step_with_its_own_effective_date(api, world, app):
    at(app, "2025-03-01")
    case = _placed(api, "2022-08-10", 16, "loc", world)
    ve = api("ve")
    assert "change_hours" in case["triggers"]
    case = ve.fire(case, "change_hours", hours_per_week=12, hours_date="2025-03-03")
    assert case["state"] == "placed"
    last = case["history"][-1]
    assert last["trigger"] == "change_hours" and last["effective_date"] == "2025-03-03"
    assert last["data"] == {"hours_per_week": 12, "hours_date": "2025-03-03"}
    # JGZ reads the same history
    assert api("jgz").get(f"/cases/{case['id']}").json["history"][-1]["data"]["hours_per_week"] == 12


@pytest.mark.parametrize("data,field", [
    ({"hours_date": "2025-03-03"}, "hours_per_week"),
    ({"hours_per_week": 0, "hours_date": "2025-03-03"}, "hours_per_week"),
    ({"hours_per_week": 41, "hours_date": "2025-03-03"}, "hours_per_week"),
    ({"hours_per_week": "zestien", "hours_date": "2025-03-03"}, "hours_per_week"),
    ({"hours_per_week": 12}, "hours_date"),
    ({"hours_per_week": 12, "hours_date": "2026-03-03"}, "hours_date"),   # more than 183 days ahead
    ({"hours_per_week": 12, "hours_date": "3 maart"}, "hours_date"),
])
def test_bad_hours_are_refused_at_the_field(api, world, app, data, field):
    at(app, "2025-03-01")
    case = _placed(api, "2022-08-10", 16, "loc", world)
    r = api("ve").post(f"/cases/{case['id']}/transitions", {"trigger": "change_hours", "version": case["version"],
                                                             "data": data})
    assert r.status_code == 422 and r.json["error"]["field"] == field, r.json


def test_only_the_placing_provider_changes_hours(api, world, app):
    at(app, "2025-03-01")
    case = _placed(api, "2022-08-10", 16, "loc", world)
    body = {"trigger": "change_hours", "version": case["version"], "data": {"hours_per_week": 12, "hours_date": "2025-03-03"}}
    assert api("jgz").post(f"/cases/{case['id']}/transitions", body).status_code == 403
    assert api("ve2").post(f"/cases/{case['id']}/transitions", body).status_code == 404   # not its child


def test_projected_hours_by_age_4_per_child(api, dose):
    p = "2025-06-30"
    got, _ = _cells(api, p)
    assert got["placed"] == 5
    assert got["below_960_hours"] == 3              # B (657 h), G (768 h: 30 of its 40 h count), E (749 h)
    assert got["started_after_30_months"] == 2      # C (31 months) and G (41 months)
    assert got["below_16_hours_per_week"] == 1      # B, at 10 h from 1 April
    total, _ = _cells(api, p, code="total")
    assert (total["below_960_hours"], total["started_after_30_months"], total["below_16_hours_per_week"]) == (3, 2, 1)


def test_the_monitor_reads_hours_by_their_effective_date(api, dose):
    # On 31 March B still had 16 hours (the change, recorded on 20 March, counts from 1 April).
    march, _ = _cells(api, "2025-03-31")
    assert (march["below_960_hours"], march["below_16_hours_per_week"]) == (2, 0)   # G and E
    # Before the placements nobody is placed, so no dose cell counts.
    jan, _ = _cells(api, "2025-01-31")
    assert (jan["placed"], jan["below_960_hours"], jan["started_after_30_months"]) == (0, 0, 0)


def test_weeks_open_of_the_location_counts(api, app, world, dose):
    from toeleiding.organisations.models import Location
    from toeleiding.organisations.operations import update_location
    with app.app_context():   # open 40 weeks after all: E reaches 998.7 h
        loc = db.session.get(Location, world.ids["loc2"])
        update_location(loc, loc.name, loc.address, True, weeks_open=40)
        db.session.commit()
    got, _ = _cells(api, "2025-06-30")
    assert got["below_960_hours"] == 2


def test_every_placement_counts_and_the_time_between_them_does_not(api, app, world, dose):
    # C (20 h at the first provider from 10 February) is referred to the other provider on 20 June
    # and placed there at 8 h from 1 July 2025, a location open 30 weeks: 20 h x 130 days, nothing
    # for the 11 days between, 8 h x 365 days to 1 July 2026: 5,520 / 7 x 30 / 52 = 455 h.
    at(app, "2025-07-01")
    c = api("jgz").fire(dose["C"], "transfer_to_provider", location_id=world.ids["loc2"], consent=True,
                        referral_date="2025-06-20")
    c = api("ve2").fire(c, "place", start_date="2025-07-01", hours_per_week=8)
    at(app, "2025-08-15")
    got, _ = _cells(api, "2025-07-31")
    assert got["below_960_hours"] == 4 and got["below_16_hours_per_week"] == 2
    assert got["started_after_30_months"] == 2      # still by its first start
    from toeleiding.cases.dose import case_dose
    from toeleiding.cases.models import Case
    with app.app_context():
        d = case_dose(db.session.get(Case, _uuid(c["id"])))
        assert (d.hour_days, d.weeks_open, round(d.projected_hours)) == (20 * 130 + 8 * 365, 30, 455)


def test_the_dose_cells_are_suppressed_for_the_municipality(api, dose):
    got, body = _cells(api, "2025-06-30", who="gemeente")
    assert body["threshold"] == 10
    cells = next(m for m in body["municipalities"] if m["code"] == "GM0375")["cells"]
    for name in ("below_960_hours", "started_after_30_months", "below_16_hours_per_week"):
        assert cells[name] == {"value": None, "display": "<10"}, name
        assert body["total"]["cells"][name]["value"] is None, name


def test_an_auditor_recomputes_no_dose_cell(app, api, world):
    """Small counts at threshold 3 in two municipalities: every hidden cell, dose cells with their
    column totals and as parts of `placed` included, keeps two possible values for a gemeente user
    who reads the API, the CSV and the XLSX."""
    from .test_monitor_auditor import Auditor, read_flows, read_table
    from .web.conftest import WebClient
    import csv
    import io
    app.config["SUPPRESSION_THRESHOLD"] = 3
    at(app, "2025-02-10")
    for born, hours, muni, loc in [("2022-08-10", 16, "GM0375", "loc"), ("2022-08-10", 10, "GM0375", "loc"),
                                   ("2022-08-10", 16, "GM0375", "loc"), ("2022-08-10", 16, "GM0375", "loc"),
                                   ("2022-06-15", 20, "GM0396", "loc_heemskerk"),
                                   ("2022-08-10", 16, "GM0396", "loc_heemskerk"),
                                   ("2022-08-10", 12, "GM0396", "loc_heemskerk")]:
        _placed(api, born, hours, loc, world, municipality=muni)
    at(app, "2025-07-15")
    peildatum = "2025-06-30"
    gemeente = api("gemeente")
    aud = Auditor()
    body = gemeente.get(f"/monitor?region=ijmond&peildatum={peildatum}").json
    threshold = body["threshold"]
    read_table(aud, "live", body)
    read_flows(aud, "live", gemeente.get(f"/monitor/flows?region=ijmond&peildatum={peildatum}").json)
    names = ("below_960_hours", "started_after_30_months", "below_16_hours_per_week")
    rows = {m["code"]: m["cells"] for m in body["municipalities"]} | {"total": body["total"]["cells"]}
    codes = [m["code"] for m in body["municipalities"]]
    for name in names:
        for row, cells in rows.items():
            aud.count(("live", "monitor", row, name), cells[name]["display"], threshold)
            aud.constrain({("live", "monitor", row, "placed"): 1, ("live", "monitor", row, name): -1}, 0, float("inf"))
        aud.sums_to(("live", "monitor", "total", name), [("live", "monitor", c, name) for c in codes])
    web = WebClient(app).sign_in(world.emails["gemeente"])
    csv_body = web.get(f"/monitor/monitor.csv?peildatum={peildatum}").get_data(as_text=True)
    for line in csv.DictReader(io.StringIO(csv_body)):
        for name in names:   # the CSV shows what the API shows
            assert str(line[name]) == str(rows[line["municipality_code"]][name]["display"]), name
    hidden_dose = [k for k in aud.hidden if k[-1] in names]
    assert hidden_dose, "the scenario hides some dose cells"
    assert aud.given_away(threshold) == {}


def test_the_provider_is_reminded_while_a_child_is_projected_below_960(app, api, world, runner):
    at(app, "2025-02-10")
    short = _placed(api, "2021-09-10", 40, "loc", world)    # 768 h: reminded at once
    enough = _placed(api, "2022-08-10", 16, "loc", world)   # 998.7 h: no reminder
    sweep(runner, "2025-02-11T08:00")
    assert inbox(api, "ve", short) == ["dose_below_960"]
    assert inbox(api, "ve", enough) == []
    # Fewer hours from 1 March (16 x 19 + 8 x 549 days: 516 h): reminded from that day on.
    at(app, "2025-02-20")
    enough = api("ve").fire(enough, "change_hours", hours_per_week=8, hours_date="2025-03-01")
    at(app, "2025-03-02")
    sweep(runner, "2025-03-02T08:00")
    assert inbox(api, "ve", enough) == ["dose_below_960"]
    # Back to 24 h from 1 April: 998+ h again; the open reminder is cancelled with the step.
    at(app, "2025-03-25")
    enough = api("ve").fire(enough, "change_hours", hours_per_week=24, hours_date="2025-04-01")
    assert inbox(api, "ve", enough) == []
    # JGZ is not reminded of the dose.
    assert inbox(api, "jgz", short) == []


def sweep(runner, moment: str) -> None:
    result = runner.invoke(args=["reminders", "run", "--now", moment])
    assert result.exit_code == 0, result.output


def inbox(api, who, case) -> list[str]:
    r = api(who).get("/reminders?state=open")
    assert r.status_code == 200, r.json
    return sorted(i["rule"] for i in r.json["items"] if i["case_id"] == case["id"])


def test_the_python_projection_agrees_with_the_monitor(app, api, dose):
    """The reminder's per-case projection (cases/dose.py) and the monitor's SQL give the same
    flags for the scenario's children at P."""
    from toeleiding.cases.dose import case_dose
    from toeleiding.cases.models import Case
    with app.app_context():
        on = dt.date(2025, 6, 30)
        below = {k for k, c in dose.items() if case_dose(db.session.get(Case, _uuid(c["id"])), on).below_legal_hours}
        hours = {k: round(case_dose(db.session.get(Case, _uuid(c["id"])), on).projected_hours, 1) for k, c in dose.items()}
    assert below == {"B", "G", "E"}
    assert hours == {"A": 998.7, "B": 657.1, "C": 1112.1, "G": 768.1, "E": 749.0}


def _uuid(text):
    import uuid
    return uuid.UUID(text)


def test_a_reminder_condition_is_checked_when_the_file_is_loaded(tmp_path):
    from toeleiding.workflow.definition import WorkflowError, load_workflow
    from pathlib import Path
    base = (Path(__file__).resolve().parent.parent / "workflows" / "toeleiding.yaml").read_text(encoding="utf-8")
    for bad, problem in [
        ("condition: {projected_hours_below: 960}, after_days: 0, role: ve}",
         None),   # the rule as shipped loads
        ("condition: {projected_hours_above: 960}, after_days: 0, role: ve, repeat_days: 90}", "condition"),
        ("condition: {projected_hours_below: 960}, at_age_months: 40, role: ve}", "condition"),
    ]:
        text = base.replace("condition: {projected_hours_below: 960}, after_days: 0, role: ve}", bad)
        path = tmp_path / "wf.yaml"
        path.write_text(text, encoding="utf-8")
        if problem is None:
            assert any(r.condition for r in load_workflow(path).reminders)
        else:
            with pytest.raises(WorkflowError) as info:
                load_workflow(path)
            assert problem in str(info.value)
    # A condition on a state the monitor does not count as placed is refused.
    text = base.replace("state: [placed], condition:", "state: [referred], condition:")
    path = tmp_path / "wf2.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(WorkflowError) as info:
        load_workflow(path)
    assert "not counted as placed" in str(info.value)


def test_the_reference_api_shows_each_locations_weeks_open(api, dose, world):
    locs = {loc["id"]: loc for loc in api("ve").get("/locations?municipality=GM0375").json["items"]}
    assert locs[world.ids["loc"]]["weeks_open"] == 40 and locs[world.ids["loc2"]]["weeks_open"] == 30
