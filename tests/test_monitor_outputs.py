"""Who reads the monitor, what gemeente users see (suppressed), the page, downloads, moves,
recoding 'other' and publication through the API, the pages and the CLI."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest

from toeleiding import clock
from toeleiding.extensions import db
from toeleiding.organisations.models import Municipality

from .factories import PASSWORD, days_ago


@pytest.fixture(autouse=True)
def first_of_a_month(monkeypatch):
    """Today is 1 July 2025, in the app and in the factories' dates, so yesterday (``days_ago(1)``)
    ended a month: a reference date gemeente users may read (README, The regional monitor)."""
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2025, 7, 1, 10, tzinfo=dt.timezone.utc))


def _browser(app, email: str):
    c = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/aanmelden").get_data(as_text=True)).group(1)
    r = c.post("/aanmelden", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    return c


def _indicated(jgz, municipality="GM0375", months=36, days=30):
    case = jgz.register(municipality=municipality, months=months)
    return jgz.fire(case, "indicate", criteria=["home_language"], indication_date=days_ago(days))


@pytest.fixture
def some(api, world):
    """Twelve indicated children in Beverwijk, three placed, one not reached 'other', two in Heemskerk."""
    jgz, ve = api("jgz"), api("ve")
    cases = [_indicated(jgz) for _ in range(12)]
    for c in cases[:3]:
        c = jgz.fire(c, "refer", location_id=world.ids["loc"], consent=True, referral_date=days_ago(20))
        ve.fire(c, "place", start_date=days_ago(10), hours_per_week=16)
    other = jgz.fire(cases[3], "report_not_reached", reason="other", reason_text="Vader werkt in ploegendienst.",
                     date=days_ago(5))
    hee = [_indicated(jgz, "GM0396") for _ in range(2)]
    return {"cases": cases, "other": other, "heemskerk": hee}


def _get(client, peildatum=None, **kw):
    q = "&".join([f"region={kw.pop('region', 'ijmond')}", f"peildatum={peildatum or days_ago(1)}"] +
                 [f"{k}={v}" for k, v in kw.items()])
    return client.get(f"/monitor?{q}")


def test_gemeente_sees_only_suppressed_numbers_of_its_own_region(api, some):
    gem = api("gemeente")
    body = _get(gem).json
    assert body["threshold"] == 10 and set(body) == {"peildatum", "region", "threshold", "municipalities", "total"}
    rows = {m["code"]: m["cells"] for m in body["municipalities"]}
    bev, hee = rows["GM0375"], rows["GM0396"]
    # Heemskerk's 2 is "<10"; from the region's 14, Beverwijk's 12 would give it away: hidden too.
    assert hee["target_group"] == {"value": None, "display": "<10"}
    assert bev["target_group"] == {"value": None, "display": "x"}
    assert body["total"]["cells"]["target_group"] == {"value": 14, "display": "14"}
    assert bev["placed"] == {"value": None, "display": "<10"}
    assert bev["reach_pct"] == {"value": None, "display": "x"}          # from a suppressed count
    assert bev["budget_per_target_child"]["value"] is None
    for row in body["municipalities"] + [body["total"]]:
        for name, cell in row["cells"].items():
            assert not (isinstance(cell["value"], int) and 1 <= cell["value"] < 10 and name != "reach_pct"), (name, cell)
    # The admin sees everything; with suppressed=1 the same table as the municipality.
    admin = api("admin")
    raw = _get(admin).json
    assert raw["threshold"] is None and raw["municipalities"][0]["cells"]["placed"]["value"] == 3
    assert _get(admin, suppressed=1).json == body


@pytest.mark.parametrize("who,kw,status,field", [
    ("gemeente", {"region": "bevelanden"}, 403, None),
    ("gemeente", {"region": "atlantis"}, 422, "region"),
    ("gemeente", {"peildatum": "31-12-2025"}, 422, "peildatum"),
    ("gemeente", {"peildatum": "2999-01-01"}, 422, "peildatum"),
    ("jgz", {}, 403, None),
    ("ve", {}, 403, None),
    ("jgz_bev", {}, 403, None),
])
def test_monitor_refusals(api, world, who, kw, status, field):
    r = _get(api(who), **kw)
    assert r.status_code == status and r.json["error"]["field"] == field, r.json


def test_page_shows_own_municipality_beside_the_region_with_svg_charts_and_no_child(app, some):
    page = _browser(app, "gemeente@test.example").get(f"/monitor/?peildatum={days_ago(1)}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Uw gemeente naast de regio" in html and html.count('src="data:image/svg+xml;base64,') == 4
    import base64
    chart = base64.b64decode(re.search(r'data:image/svg\+xml;base64,([^"]+)', html).group(1)).decode()
    assert chart.startswith("<svg") and "Bereik per gemeente tegen het doel van 100%" in chart
    assert "Testkind" not in html and "Fictiefsma" not in html and "ploegendienst" not in html
    assert "<script src=\"http" not in html
    assert _browser(app, "ve@test.example").get("/monitor/").status_code == 403


def test_csv_and_xlsx_have_the_documented_columns_and_guard_formulas(app, some):
    with app.app_context():
        db.session.query(Municipality).filter_by(code="GM0396").one().name = "=HYPERLINK(\"http://x\")"
        db.session.commit()
    browser = _browser(app, "gemeente@test.example")
    r = browser.get(f"/monitor/monitor.csv?peildatum={days_ago(1)}")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True))))
    assert rows[0][:8] == ["region", "peildatum", "municipality_code", "municipality_name", "target_group",
                           "placed", "waitlisted", "not_reached"]
    tail = rows[0][rows[0].index("not_yet_placed"):]
    assert tail[:6] == ["not_yet_placed", "reach_pct", "placed_elsewhere", "cbs_target_group", "goab_budget",
                        "budget_per_target_child"]
    # Issue 12 appended the yearly figures and the reach against the targets.
    assert tail[6:12] == ["jgz_target_group", "toddlers", "ve_places", "toddler_reach_pct", "reach_vs_target",
                          "toddler_reach_vs_target"]
    by_code = {row[2]: dict(zip(rows[0], row)) for row in rows[1:]}
    assert by_code["GM0375"]["target_group"] == "x" and by_code["GM0375"]["placed"] == "<10"
    assert by_code["total"]["target_group"] == "14"
    assert by_code["GM0396"]["municipality_name"].startswith("'=")
    assert set(by_code) == {"GM0375", "GM0396", "total"}

    from openpyxl import load_workbook
    x = browser.get(f"/monitor/monitor.xlsx?peildatum={days_ago(1)}")
    wb = load_workbook(io.BytesIO(x.get_data()))
    sheet = wb["monitor"]
    header = [c.value for c in sheet[1]]
    assert header == rows[0] and wb.sheetnames == ["monitor", "flows", "declines"]   # declines: issue 11.1
    names = [sheet.cell(row=i, column=4).value for i in range(2, sheet.max_row + 1)]
    assert "'=HYPERLINK(\"http://x\")" in names
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_moving_house_refusals_store_nothing(api, world, some):
    jgz = api("jgz")
    case = some["cases"][5]
    url = f"/cases/{case['id']}/moves"
    for body, status, field in [
        ({"version": case["version"], "municipality": "GM0396", "effective_date": days_ago(-3)}, 422, "effective_date"),
        ({"version": case["version"], "municipality": "GM0396", "effective_date": days_ago(60)}, 422, "effective_date"),
        ({"version": case["version"], "municipality": "Heemskerk", "effective_date": days_ago(1)}, 422, "municipality"),
        ({"version": case["version"], "municipality": "GM0375", "effective_date": days_ago(1)}, 422, "municipality"),
        ({"version": case["version"], "municipality": "GM0396", "effective_date": "gisteren"}, 422, "effective_date"),
        ({"version": case["version"] - 1, "municipality": "GM0396", "effective_date": days_ago(1)}, 409, "version"),
        ({"municipality": "GM0396", "effective_date": days_ago(1)}, 422, "version"),
    ]:
        r = jgz.post(url, body)
        assert r.status_code == status and r.json["error"]["field"] == field, (body, r.json)
    assert api("ve").post(url, {"version": case["version"], "municipality": "GM0396",
                                "effective_date": days_ago(1)}).status_code == 404   # not the provider's case
    placed = some["cases"][0]
    r = api("ve").post(f"/cases/{placed['id']}/moves", {"version": 4, "municipality": "GM0396", "effective_date": days_ago(1)})
    assert r.status_code == 403
    after = jgz.get(f"/cases/{case['id']}").json
    assert after["version"] == case["version"] and after["municipality"] == "GM0375"
    moved = jgz.post(url, {"version": case["version"], "municipality": "GM0396", "effective_date": days_ago(1)}).json
    assert moved["municipality"] == "GM0396" and moved["version"] == case["version"] + 1
    assert moved["state"] == "indicated"
    # Goes is in the other region: a move there closes the case.
    gone = jgz.post(url, {"version": moved["version"], "municipality": "GM0664", "effective_date": days_ago(0)}).json
    assert gone["state"] == "closed" and gone["outcome"] == "moved_out_of_region"
    r = jgz.post(url, {"version": gone["version"], "municipality": "GM0375", "effective_date": days_ago(0)})
    assert r.status_code == 409


def test_recoding_other_moves_the_count_and_shows_what_is_still_other(api, some):
    cjg, admin = api("cjg"), api("admin")
    listed = cjg.get("/monitor/other?region=ijmond").json
    assert listed["still_other"] == 1 and listed["items"][0]["text"] == "Vader werkt in ploegendienst."
    event_id = listed["items"][0]["event_id"]
    before = _get(admin).json["municipalities"][0]["cells"]
    assert before["not_reached_other"]["value"] == 1 and before["not_reached_no_contact"]["value"] == 0

    r = cjg.post("/monitor/categories", {"region": "ijmond", "code": "work_hours", "label": "Werktijden ouders"})
    assert r.status_code == 201
    assert cjg.post("/monitor/categories", {"region": "ijmond", "code": "other", "label": "x"}).status_code == 422
    assert api("gemeente").post("/monitor/categories", {"region": "ijmond", "code": "abc", "label": "x"}).status_code == 403
    r = cjg.post("/monitor/recodings", {"event_id": event_id, "category": "work_hours"})
    assert r.status_code == 200, r.json
    cells = _get(admin).json["municipalities"][0]["cells"]
    assert cells["not_reached_other"]["value"] == 0 and cells["not_reached_work_hours"]["value"] == 1
    assert cells["not_reached"]["value"] == 1
    assert cjg.get("/monitor/other?region=ijmond").json["still_other"] == 0

    r = admin.post("/monitor/recodings", {"event_id": event_id, "reason": "no_contact"})
    assert r.status_code == 200
    cells = _get(admin).json["municipalities"][0]["cells"]
    assert cells["not_reached_no_contact"]["value"] == 1 and cells["not_reached_work_hours"]["value"] == 0
    for bad, field in [({"event_id": event_id, "reason": "other"}, "reason"),
                       ({"event_id": event_id, "reason": "x", "category": "y"}, "reason"),
                       ({"event_id": event_id, "category": "unknown"}, "category"),
                       ({"event_id": "1"}, "event_id")]:
        r = admin.post("/monitor/recodings", bad)
        assert r.status_code == 422 and r.json["error"]["field"] == field, r.json
    assert api("cjg2").post("/monitor/recodings", {"event_id": event_id, "reason": "medical"}).status_code == 404
    assert admin.client.delete(f"/api/v1/monitor/recodings/{event_id}", headers=admin.headers).status_code == 204
    assert _get(admin).json["municipalities"][0]["cells"]["not_reached_other"]["value"] == 1


def test_publication_through_api_and_cli(app, api, runner, some):
    p = days_ago(1)
    assert api("gemeente").post("/monitor/publications", {"region": "ijmond", "peildatum": p}).status_code == 403
    r = api("admin").post("/monitor/publications", {"region": "ijmond", "peildatum": p})
    assert r.status_code == 201 and r.json["threshold"] == 10
    assert api("admin").post("/monitor/publications", {"region": "ijmond", "peildatum": p}).status_code == 409
    listed = api("gemeente").get("/monitor/publications?region=ijmond").json["items"]
    assert [i["peildatum"] for i in listed] == [p]
    frozen = api("gemeente").get(f"/monitor/publications/{p}?region=ijmond").json
    assert frozen["threshold"] == 10 and frozen["municipalities"][0]["cells"]["placed"]["display"] == "<10"
    assert api("gemeente").get(f"/monitor/publications/{days_ago(3)}?region=ijmond").status_code == 404

    result = runner.invoke(args=["monitor", "publish", "--region", "ijmond", "--peildatum", days_ago(2),
                                 "--by", "admin@test.example"])
    assert result.exit_code == 0 and "published ijmond" in result.output, result.output
    result = runner.invoke(args=["monitor", "publish", "--region", "ijmond", "--peildatum", days_ago(2),
                                 "--by", "gemeente@test.example"])
    assert result.exit_code != 0 and "not an active admin" in result.output
    shown = runner.invoke(args=["monitor", "show", "--region", "ijmond", "--peildatum", days_ago(1),
                                "--by", "gemeente@test.example"])
    assert shown.exit_code == 0 and "<10" in shown.output and shown.output.startswith("region,peildatum")
