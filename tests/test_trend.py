"""Reach over time (issue 12.5): the trend API, its CSV and page, its refusals; and the declines
per provider as a CSV and as a sheet of the XLSX (issue 11.1)."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from toeleiding import clock

from .factories import days_ago
from .web.conftest import WebClient, text

# Today is 1 July 2025: 30 June, 31 May, 30 April and 31 March ended months that gemeente users may read.
JUNE, MAY, APRIL, MARCH = "2025-06-30", "2025-05-31", "2025-04-30", "2025-03-31"
IJMOND = ("GM0375", "GM0396")   # the test world's IJmond


@pytest.fixture(autouse=True)
def first_of_a_month(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2025, 7, 1, 10, tzinfo=dt.timezone.utc))


@pytest.fixture
def growing(api, world):
    """Beverwijk: 12 children indicated in March, 3 of them placed in May, 2 more indicated in June;
    Heemskerk: 2 indicated in March."""
    jgz, ve = api("jgz"), api("ve")

    def indicated(municipality, days):
        case = jgz.register(municipality=municipality, months=36)
        return jgz.fire(case, "indicate", criteria=["home_language"], indication_date=days_ago(days))
    bev = [indicated("GM0375", 100) for _ in range(12)]
    for c in bev[:3]:
        c = jgz.fire(c, "refer", location_id=world.ids["loc"], consent=True, referral_date=days_ago(50))
        ve.fire(c, "place", start_date=days_ago(45), hours_per_week=16)
    for _ in range(2):
        indicated("GM0375", 20)
    for _ in range(2):
        indicated("GM0396", 100)
    return bev


def _publish(api, *dates):
    for day in dates:
        r = api("admin").post("/monitor/publications", {"region": "ijmond", "peildatum": day})
        assert r.status_code == 201, r.json


def _cells(body: dict) -> dict:
    """(code, peildatum) -> cells, 'total' for the region."""
    out = {}
    for row in [*body["municipalities"], {"code": "total", **body["total"]}]:
        for point in row["points"]:
            out[(row["code"], point["peildatum"])] = point["cells"]
    return out


def _web(app, world, who, english=False):
    c = WebClient(app).sign_in(world.emails[who])
    if english:
        assert c.post("/taal/en").status_code == 302
    return c


# --- The API -------------------------------------------------------------------------------------


def test_the_trend_defaults_to_the_published_dates_and_shows_what_each_publication_shows(api, growing):
    _publish(api, MAY, JUNE)
    gem = api("gemeente")
    body = gem.get("/monitor/trend?region=ijmond").json
    assert body["region"] == "ijmond" and body["threshold"] == 10
    assert body["cells"] == ["target_group", "placed", "reach_pct"]
    assert [(d["peildatum"], d["source"], d["threshold"]) for d in body["dates"]] == \
        [(MAY, "published", 10), (JUNE, "published", 10)]
    assert [m["code"] for m in body["municipalities"]] == list(IJMOND)
    cells = _cells(body)
    for day in (MAY, JUNE):
        pub = gem.get(f"/monitor/publications/{day}?region=ijmond").json
        for row in [*pub["municipalities"], {"code": "total", **pub["total"]}]:
            for name in body["cells"]:
                assert cells[(row["code"], day)][name] == row["cells"][name], (row["code"], day, name)
    # The region's 14 and 16 are shown; Beverwijk's 12 and 14 would give Heemskerk's 2 away.
    assert cells[("total", MAY)]["target_group"] == {"value": 14, "display": "14"}
    assert cells[("total", JUNE)]["target_group"] == {"value": 16, "display": "16"}
    assert cells[("GM0396", JUNE)]["target_group"]["display"] == "<10"
    assert cells[("GM0375", JUNE)]["target_group"]["display"] == "x"


def test_a_date_not_published_shows_the_live_monitor_as_gemeente_users_read_it(api, growing):
    _publish(api, JUNE)
    gem = api("gemeente")
    body = gem.get(f"/monitor/trend?region=ijmond&peildatum={MARCH}&peildatum={APRIL},{JUNE}").json
    assert [(d["peildatum"], d["source"]) for d in body["dates"]] == \
        [(MARCH, "live"), (APRIL, "live"), (JUNE, "published")]
    cells = _cells(body)
    for day in (MARCH, APRIL):
        live = gem.get(f"/monitor?region=ijmond&peildatum={day}").json
        for row in [*live["municipalities"], {"code": "total", **live["total"]}]:
            for name in body["cells"]:
                assert cells[(row["code"], day)][name] == row["cells"][name]
    # Duplicates and order do not matter: each date once, oldest first.
    again = gem.get(f"/monitor/trend?region=ijmond&peildatum={JUNE},{MARCH}&peildatum={MARCH}").json
    assert [d["peildatum"] for d in again["dates"]] == [MARCH, JUNE]


def test_without_publications_the_trend_shows_the_last_twelve_month_ends(api, growing):
    body = api("gemeente").get("/monitor/trend?region=ijmond").json
    dates = [d["peildatum"] for d in body["dates"]]
    assert len(dates) == 12 and dates[0] == "2024-07-31" and dates[-1] == JUNE
    assert {d["source"] for d in body["dates"]} == {"live"}
    # Before anyone was indicated the region counts no one: a reach of "-", not a hidden one.
    assert _cells(body)[("total", "2024-07-31")]["reach_pct"] == {"value": None, "display": "-"}


def test_the_admin_sees_every_number_and_with_suppressed_the_gemeentes_trend(api, growing):
    _publish(api, MAY)
    url = f"/monitor/trend?region=ijmond&peildatum={MAY},{JUNE}"
    raw = api("admin").get(url).json
    assert raw["threshold"] is None and {d["threshold"] for d in raw["dates"]} == {None}
    cells = _cells(raw)
    assert cells[("GM0375", JUNE)]["target_group"]["value"] == 14
    assert cells[("GM0375", JUNE)]["placed"]["value"] == 3
    assert cells[("GM0375", JUNE)]["reach_pct"]["value"] == 21.4
    assert api("admin").get(url + "&suppressed=1").json == api("gemeente").get(url).json


@pytest.mark.parametrize("query, field", [
    ("peildatum=2025-13-01", "peildatum"),
    ("peildatum=30-06-2025", "peildatum"),
    (f"peildatum={JUNE},gisteren", "peildatum"),
    ("peildatum=2025-06-15", "peildatum"),          # not a month end, not published
    ("peildatum=2025-07-31", "peildatum"),          # the future
    ("peildatum=1999-12-31", "peildatum"),
    ("peildatum=" + ",".join(f"{y}-12-31" for y in range(2000, 2025)), "peildatum"),   # 25 dates
])
def test_a_bad_reference_date_is_refused_at_the_field(api, growing, query, field):
    r = api("gemeente").get(f"/monitor/trend?region=ijmond&{query}")
    assert r.status_code == 422, r.json
    assert r.json["error"]["field"] == field


def test_too_many_dates_are_refused_before_any_is_read(api, world):
    many = "&".join(f"peildatum={i}" for i in range(25))   # not even dates: the count is refused first
    r = api("admin").get(f"/monitor/trend?region=ijmond&{many}")
    assert r.status_code == 422 and r.json["error"]["field"] == "peildatum"
    assert "24" in r.json["error"]["message"]
    # 24 dates are fine.
    ends = sorted({(dt.date(2023, 8, 1) + dt.timedelta(days=31 * i)).replace(day=1) - dt.timedelta(days=1)
                   for i in range(24)})
    assert len(ends) == 24
    r = api("gemeente").get("/monitor/trend?region=ijmond&peildatum=" + ",".join(d.isoformat() for d in ends))
    assert r.status_code == 200 and len(r.json["dates"]) == 24


@pytest.mark.parametrize("region, status, field", [("nergens", 422, "region"), ("", 422, "region"),
                                                    ("bevelanden", 403, None)])
def test_an_unknown_or_other_region_is_refused(api, world, region, status, field):
    r = api("gemeente").get(f"/monitor/trend?region={region}&peildatum={JUNE}")
    assert r.status_code == status
    if field:
        assert r.json["error"]["field"] == field


@pytest.mark.parametrize("who, status", [("jgz", 403), ("ve", 403), ("cjg", 200), ("gemeente", 200), ("admin", 200)])
def test_who_reads_the_trend(api, world, who, status):
    assert api(who).get(f"/monitor/trend?region=ijmond&peildatum={JUNE}").status_code == status


def test_the_trend_is_in_the_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").json
    get = doc["paths"]["/monitor/trend"]["get"]
    assert {p["name"] for p in get["parameters"]} == {"region", "peildatum", "suppressed"}
    assert {"200", "403", "422"} <= set(get["responses"])


# --- The CSV and the page ------------------------------------------------------------------------


def test_the_csv_has_a_row_per_municipality_per_date(app, api, world, growing):
    _publish(api, JUNE)
    r = _web(app, world, "gemeente").get(f"/monitor/trend.csv?peildatum={APRIL}&peildatum={JUNE}")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "trend-ijmond.csv" in r.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert list(rows[0]) == ["region", "peildatum", "source", "municipality_code", "municipality_name",
                             "target_group", "placed", "reach_pct"]
    assert [(row["peildatum"], row["municipality_code"]) for row in rows] == \
        [(day, code) for day in (APRIL, JUNE) for code in (*IJMOND, "total")]
    by = {(row["peildatum"], row["municipality_code"]): row for row in rows}
    assert by[(JUNE, "total")]["source"] == "published" and by[(APRIL, "total")]["source"] == "live"
    assert by[(JUNE, "total")]["target_group"] == "16"
    assert by[(JUNE, "GM0396")]["target_group"] == "<10" and by[(JUNE, "GM0375")]["target_group"] == "x"
    assert by[(JUNE, "GM0396")]["reach_pct"] == "x"          # from a hidden count
    api_cells = _cells(api("gemeente").get(f"/monitor/trend?region=ijmond&peildatum={APRIL},{JUNE}").json)
    for (day, code), row in by.items():
        for name in ("target_group", "placed"):
            cell = api_cells[(code, day)][name]
            assert row[name] == (str(cell["value"]) if cell["value"] is not None else cell["display"])


def test_a_bad_date_in_the_csv_is_the_422_page(app, world):
    r = _web(app, world, "gemeente").get("/monitor/trend.csv?peildatum=2025-06-15")
    assert r.status_code == 422
    assert "peildatum" in text(r).lower()


def test_the_page_draws_a_chart_and_a_table_per_municipality_and_the_region(app, api, world, growing):
    _publish(api, MAY, JUNE)
    r = _web(app, world, "gemeente").get("/monitor/trend")
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    assert body.count('<figure class="chart"><img src="data:image/svg+xml;base64,') == 3   # Beverwijk, Heemskerk, the region
    page = text(r)
    assert "Bereik door de tijd" in page and "Regio IJmond" in page and "Beverwijk" in page
    assert "gepubliceerd" in page and "87,5%" not in page
    assert "18,8%" not in page   # the region's 3 placed are hidden, and so is their reach
    # The admin sees the region's reach in June, 3 of 16, with a Dutch decimal comma.
    assert "18,8%" in text(_web(app, world, "admin").get("/monitor/trend"))
    # Each published date is ticked in the form; the CSV link carries the dates.
    assert f'value="{MAY}" aria-describedby="peildata-hint" checked' in body
    assert f"/monitor/trend.csv?peildatum={MAY}&amp;peildatum={JUNE}" in body


def test_the_page_speaks_english(app, api, world, growing):
    _publish(api, JUNE)
    r = _web(app, world, "admin", english=True).get(f"/monitor/trend?peildatum={APRIL}&peildatum={JUNE}")
    assert r.status_code == 200
    page = text(r)
    assert "Reach over time" in page and "Reference dates" in page and "18.8%" in page
    assert "Bereik door de tijd" not in page and "gepubliceerd" not in page


def test_a_bad_date_on_the_page_is_the_422_page_naming_the_field(app, world):
    for english in (False, True):
        r = _web(app, world, "gemeente", english).get("/monitor/trend?peildatum=2025-06-15")
        assert r.status_code == 422
        assert ("reference date" if english else "peildatum") in text(r).lower()


def test_the_monitor_page_links_to_the_trend(app, world):
    assert "/monitor/trend" in _web(app, world, "gemeente").get("/monitor/").get_data(as_text=True)


# --- Declines per provider: CSV and XLSX sheet (issue 11.1) --------------------------------------


@pytest.fixture
def declined(api, world):
    jgz, ve = api("jgz"), api("ve")
    for reason in ("no_capacity", "no_capacity", "wrong_location"):
        case = jgz.referred(world.ids["loc"], indicated_days_ago=10)
        ve.fire(case, "decline_referral", decline_reason=reason, date=days_ago(5))


def test_the_declines_download_as_csv(app, world, declined):
    admin = _web(app, world, "admin")
    r = admin.get(f"/monitor/declines.csv?peildatum={JUNE}")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert list(rows[0])[:4] == ["region", "peildatum", "provider_id", "provider_name"]
    assert list(rows[0])[-1] == "total" and "no_capacity" in rows[0]
    total = rows[-1]
    assert total["provider_id"] == "total" and total["total"] == "3" and total["no_capacity"] == "2"
    # The municipality reads it suppressed, as on the page.
    gem = list(csv.DictReader(io.StringIO(_web(app, world, "gemeente").get(
        f"/monitor/declines.csv?peildatum={JUNE}").get_data(as_text=True))))
    assert gem[-1]["total"] == "<10"
    # The CJG reads the monitor, not the providers' declines.
    assert _web(app, world, "cjg").get(f"/monitor/declines.csv?peildatum={JUNE}").status_code == 403


def test_the_xlsx_has_a_declines_sheet_for_its_readers(app, world, declined):
    from openpyxl import load_workbook
    wb = load_workbook(io.BytesIO(_web(app, world, "admin").client.get(f"/monitor/monitor.xlsx?peildatum={JUNE}").get_data()))
    assert wb.sheetnames == ["monitor", "flows", "declines"]
    rows = list(wb["declines"].iter_rows(values_only=True))
    assert rows[0][:4] == ("region", "peildatum", "provider_id", "provider_name")
    assert rows[-1][2] == "total" and rows[-1][-1] == 3
    cjg = load_workbook(io.BytesIO(_web(app, world, "cjg").client.get(f"/monitor/monitor.xlsx?peildatum={JUNE}").get_data()))
    assert cjg.sheetnames == ["monitor", "flows"]
