"""The monitor from known histories: every cell at several reference dates, through the HTTP API.

The clock moves through 2025 and early 2026 while the children's steps are recorded, with
effective dates in the past where a nurse or provider would back-date them. The region is IJmond
of the test world: Beverwijk (30 months, one definition) and Heemskerk (30 months until
2025-12-31, then 24 months).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from toeleiding.extensions import db
from toeleiding.monitor.presentation import FIGURE_TARGET_CELLS
from toeleiding.monitor.util import CAPACITY_CELLS, DOSE_CELLS
from toeleiding.organisations.models import Municipality, MunicipalityFigures
from toeleiding.organisations.operations import add_definition

from .factories import at, CRITERIA

P1, P2, P3 = "2025-06-30", "2025-12-31", "2026-02-01"
REASONS = ("parents_declined", "no_contact", "moved", "regular_childcare", "medical", "waiting_list", "other",
           "parents_stopped", "attendance", "closed")


@pytest.fixture
def region(app, world):
    """Heemskerk's definition changes on 1 January 2026; figures for 2025."""
    with app.app_context():
        hee = db.session.query(Municipality).filter_by(code="GM0396").one()
        hee.definitions[0].valid_until = dt.date(2025, 12, 31)
        add_definition(hee, "2026–2029", dt.date(2026, 1, 1), None, 24, CRITERIA)
        bev = db.session.query(Municipality).filter_by(code="GM0375").one()
        db.session.add_all([
            MunicipalityFigures(municipality_id=bev.id, year=2025, cbs_target_group=130, jgz_target_group=241,
                                goab_budget=Decimal("2424145.00")),
            MunicipalityFigures(municipality_id=hee.id, year=2025, cbs_target_group=65, jgz_target_group=170,
                                goab_budget=Decimal("2141727.00"))])
        db.session.commit()
    return world


def _new(jgz, municipality, born, indicate=None, refer=None, loc=None):
    case = jgz.register(municipality=municipality, birth_date=born)
    if indicate:
        case = jgz.fire(case, "indicate", criteria=["home_language"], indication_date=indicate)
    if refer:
        case = jgz.fire(case, "refer", location_id=loc, consent=True, referral_date=refer)
    return case


@pytest.fixture
def histories(app, api, region):
    """Nine children, their steps recorded as time goes by; returns the admin's API client factory."""
    w = region
    at(app, "2025-02-01")
    jgz, ve = api("jgz"), api("ve")
    c = {
        "A": _new(jgz, "GM0375", "2022-06-15", "2025-02-01", "2025-02-01", w.ids["loc"]),
        "B": _new(jgz, "GM0375", "2022-08-20", "2025-02-01", "2025-02-01", w.ids["loc_heemskerk"]),
        "C": _new(jgz, "GM0396", "2022-12-10", "2025-02-01", "2025-02-01", w.ids["loc_heemskerk"]),
        "D": _new(jgz, "GM0396", "2023-11-05", "2025-02-01"),
        "E": _new(jgz, "GM0375", "2022-07-01", "2025-02-01"),
        "F": _new(jgz, "GM0375", "2022-10-01"),
        "G": _new(jgz, "GM0375", "2022-05-15", "2025-02-01", "2025-02-01", w.ids["loc"]),
        # Indicated at a visit on 20 January, typed in on 1 February: the registration postdates it.
        "H": _new(jgz, "GM0375", "2022-04-20", "2025-01-20", "2025-02-01", w.ids["loc"]),
        "O": _new(jgz, "GM0375", "2021-12-20", "2025-02-01", "2025-02-01", w.ids["loc"]),
        "W": _new(jgz, "GM0396", "2022-08-08", "2025-02-01", "2025-02-01", w.ids["loc_heemskerk"]),
    }
    c["F"] = jgz.fire(c["F"], "reject")
    c["W"] = ve.fire(c["W"], "waitlist", waitlist_date="2025-02-01")

    at(app, "2025-03-01")
    ve = api("ve")
    for k in ("A", "B", "O"):
        c[k] = ve.fire(c[k], "place", start_date="2025-03-01", hours_per_week=16)

    at(app, "2025-05-01")
    ve, jgz = api("ve"), api("jgz")
    c["E"] = jgz.fire(c["E"], "report_not_reached", reason="other", reason_text="Gezin verhuist steeds.", date="2025-05-01")
    c["G"] = ve.fire(c["G"], "place", start_date="2025-05-01", hours_per_week=16)
    c["admin"] = api
    return c


def cells(api_client, peildatum, who="admin", **kw):
    r = api_client(who).get(f"/monitor?region=ijmond&peildatum={peildatum}" + "".join(f"&{k}={v}" for k, v in kw.items()))
    assert r.status_code == 200, r.json
    body = r.json
    # The yearly-figure and target cells (issue 12) have their own tests: tests/test_figures.py, test_targets.py;
    # so do the dose cells (issue 11): tests/test_dose.py, and the capacity cells: tests/test_capacity.py.
    skip = {*FIGURE_TARGET_CELLS, *DOSE_CELLS, *CAPACITY_CELLS}
    out = {m["code"]: {k: v["value"] for k, v in m["cells"].items() if k not in skip}
           for m in body["municipalities"]}
    out["total"] = {k: v["value"] for k, v in body["total"]["cells"].items() if k not in skip}
    return out, body


def expect(target_group=0, placed=0, waitlisted=0, not_reached=0, not_yet_placed=0, placed_elsewhere=0,
           other=0, under_30_months=0, **figures) -> dict:
    row = {"target_group": target_group, "placed": placed, "waitlisted": waitlisted, "not_reached": not_reached,
           "not_yet_placed": not_yet_placed, "placed_elsewhere": placed_elsewhere}
    row.update({f"not_reached_{r}": 0 for r in REASONS})
    row["not_reached_other"] = other
    row["reach_pct"] = round(100 * placed / target_group, 1) if target_group else None
    row.update(referrals_declined=0, stopped_early=0)   # the steps of issue 11: tests/test_monitor_steps.py
    # CBS's age band: the target group from 30 months and the younger part (tests/test_monitor_cbs_band.py).
    row.update(target_group_from_30_months=target_group - under_30_months, target_group_under_30_months=under_30_months)
    row.update(figures)
    return row


def test_every_cell_at_three_reference_dates_with_a_correction_after_publication(app, api, histories):
    admin = histories["admin"]
    # 25 January: only H counts, indicated on 20 January although registered on 1 February.
    at(app, "2025-07-01")
    early, _ = cells(admin, "2025-01-25")
    assert early["GM0375"] == expect(1, not_yet_placed=1, cbs_target_group=130, goab_budget=2424145,
                                     budget_per_target_child=2424145)
    assert early["GM0396"]["target_group"] == 0
    # P1, as published on 1 July. H was referred, not yet placed; C (Heemskerk) just reached 30 months.
    at(app, "2025-07-01")
    got, body = cells(admin, P1)
    assert body["threshold"] is None and body["region"] == "ijmond" and body["peildatum"] == P1
    assert [m["name"] for m in body["municipalities"]] == ["Beverwijk", "Heemskerk"]
    bev = expect(6, placed=4, not_reached=1, other=1, not_yet_placed=1, placed_elsewhere=1,
                 cbs_target_group=130, goab_budget=2424145, budget_per_target_child=404024)
    hee = expect(2, waitlisted=1, not_yet_placed=1, cbs_target_group=65, goab_budget=2141727,
                 budget_per_target_child=1070864)
    total = expect(8, placed=4, waitlisted=1, not_reached=1, other=1, not_yet_placed=2, placed_elsewhere=1,
                   cbs_target_group=195, goab_budget=4565872, budget_per_target_child=570734)
    assert got == {"GM0375": bev, "GM0396": hee, "total": total}
    r = admin("admin").post("/monitor/publications", {"region": "ijmond", "peildatum": P1})
    assert r.status_code == 201, r.json

    # 10 July: the provider records H's placement, which started on 20 June (before P1).
    at(app, "2025-07-10")
    api("ve").fire(api("jgz").get(f"/cases/{histories['H']['id']}").json, "place", start_date="2025-06-20",
                   hours_per_week=12)
    got, _ = cells(admin, P1)
    assert got["GM0375"]["placed"] == 5 and got["GM0375"]["not_yet_placed"] == 0
    assert got["GM0375"]["reach_pct"] == 83.3 and got["total"]["placed"] == 5
    frozen = admin("admin").get(f"/monitor/publications/{P1}?region=ijmond").json
    assert frozen["municipalities"][0]["cells"]["placed"] == {"value": 4, "display": "4"}
    diff = frozen["difference"]["municipalities"][0]["cells"]
    assert diff["placed"] == {"value": 1, "display": "+1"} and diff["not_yet_placed"]["value"] == -1
    assert diff["target_group"] == {"value": 0, "display": "0"}

    # 15 September: G moved to Heemskerk on 1 September (still placed in Beverwijk); C placed.
    at(app, "2025-09-15")
    jgz, ve = api("jgz"), api("ve")
    g = jgz.get(f"/cases/{histories['G']['id']}").json
    r = jgz.post(f"/cases/{g['id']}/moves", {"version": g["version"], "municipality": "GM0396",
                                               "effective_date": "2025-09-01"})
    assert r.status_code == 200 and r.json["municipality"] == "GM0396", r.json
    assert r.json["history"][-1]["trigger"] == "move" and r.json["history"][-1]["data"] == {"from": "GM0375", "to": "GM0396"}
    ve.fire(histories["C"], "place", start_date="2025-09-15", hours_per_week=16)

    # 10 January 2026: A moved out of the region on 5 January.
    at(app, "2026-01-10")
    jgz = api("jgz")
    a = jgz.get(f"/cases/{histories['A']['id']}").json
    r = jgz.post(f"/cases/{a['id']}/moves", {"version": a["version"], "municipality": "GM0664", "effective_date": "2026-01-05"})
    assert r.status_code == 200 and r.json["state"] == "closed" and r.json["outcome"] == "moved_out_of_region"

    at(app, "2026-02-15")
    # P1 again: the move and the later placements are after P1 and change nothing there.
    again, _ = cells(admin, P1)
    assert again["GM0375"]["placed"] == 5 and again["GM0396"] == hee
    # P2: G counts in Heemskerk (placed elsewhere), O turned 48 months, D is 25 months (< 30).
    got, _ = cells(admin, P2)
    assert got["GM0375"] == expect(4, placed=3, not_reached=1, other=1, placed_elsewhere=1, cbs_target_group=130,
                                   goab_budget=2424145, budget_per_target_child=606036)
    assert got["GM0396"] == expect(3, placed=2, waitlisted=1, placed_elsewhere=1, cbs_target_group=65,
                                   goab_budget=2141727, budget_per_target_child=713909)
    assert got["total"] == expect(7, placed=5, waitlisted=1, not_reached=1, other=1, placed_elsewhere=2,
                                  cbs_target_group=195, goab_budget=4565872, budget_per_target_child=652267)
    # P3: A lives outside the region; D is 27 months, in the target group under the 2026 definition (24).
    got, _ = cells(admin, P3)
    no_figures = {"cbs_target_group": None, "goab_budget": None, "budget_per_target_child": None}
    assert got["GM0375"] == expect(3, placed=2, not_reached=1, other=1, placed_elsewhere=1, **no_figures)
    assert got["GM0396"] == expect(4, placed=2, waitlisted=1, not_yet_placed=1, placed_elsewhere=1, under_30_months=1,
                                   **no_figures)
    assert got["total"] == expect(7, placed=4, waitlisted=1, not_reached=1, other=1, not_yet_placed=1,
                                  placed_elsewhere=2, under_30_months=1, **no_figures)

    flows = admin("admin").get(f"/monitor/flows?region=ijmond&peildatum={P3}").json
    rows = {m["code"]: {k: v["value"] for k, v in m["cells"].items()} for m in flows["municipalities"]}
    assert rows == {"GM0375": {"GM0375": 1, "GM0396": 1, "placed": 2}, "GM0396": {"GM0375": 1, "GM0396": 1, "placed": 2}}
    assert {k: v["value"] for k, v in flows["total"]["cells"].items()} == {"GM0375": 2, "GM0396": 2, "placed": 4}
