"""Yearly figures per municipality and year (issue 12.1): the service with its history, the API
(admin, own region, 422 at the field), the CSV import (dry run, --apply, per-row report,
idempotent, never half-written), the admin page and what the monitor shows of them."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from toeleiding.extensions import db
from toeleiding.organisations.models import FiguresChange, Municipality, MunicipalityFigures
from toeleiding.organisations.operations import figures_history, set_figures
from toeleiding.errors import ValidationError

from .factories import ApiClient
from .web.conftest import WebClient

FULL = {"cbs_target_group": 130, "cbs_suppressed": False, "jgz_target_group": 241, "goab_budget": "2424145.00",
        "toddlers": 400, "ve_places": 300}


def _put(client, world, path, body, who="admin"):
    headers = ApiClient.sign_in(client, world.emails[who]).headers
    return client.put(f"/api/v1{path}", json=body, headers=headers)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_set_figures_keeps_who_and_when_and_a_change_once(ctx, world):
    bev = db.session.query(Municipality).filter_by(code="GM0375").one()
    f, changed = set_figures(bev, 2026, by=None, **FULL)
    assert changed and f.cbs_target_group == 130 and f.toddlers == 400 and f.updated_at is not None
    _f, again = set_figures(bev, 2026, **FULL)
    assert not again and len(figures_history(f)) == 1        # the same values: nothing new
    set_figures(bev, 2026, **{**FULL, "cbs_target_group": None, "cbs_suppressed": True})
    history = figures_history(f)
    assert len(history) == 2 and history[0].values["cbs_suppressed"] is True and history[1].values["cbs_target_group"] == 130


@pytest.mark.parametrize("field,value", [("cbs_target_group", -1), ("toddlers", "veel"), ("ve_places", 10**7),
                                         ("goab_budget", "1.234"), ("goab_budget", "NaN"), ("cbs_suppressed", "misschien"),
                                         ("year", 1999), ("unknown", 1)])
def test_bad_figures_name_the_field_and_store_nothing(ctx, world, field, value):
    bev = db.session.query(Municipality).filter_by(code="GM0375").one()
    values = {**FULL, field: value} if field != "year" else dict(FULL)
    with pytest.raises(ValidationError) as exc:
        set_figures(bev, value if field == "year" else 2026, **values)
    assert exc.value.field == field
    assert _count(MunicipalityFigures) == 0


def test_cbs_below_ten_and_a_count_together_are_refused(ctx, world):
    bev = db.session.query(Municipality).filter_by(code="GM0375").one()
    with pytest.raises(ValidationError) as exc:
        set_figures(bev, 2026, cbs_target_group=5, cbs_suppressed=True)
    assert exc.value.field == "cbs_target_group"


def test_api_get_and_put_figures(app, client, world):
    r = client.get("/api/v1/municipalities/GM0375/figures/2026", headers=ApiClient.sign_in(client, world.emails["admin"]).headers)
    assert r.status_code == 200 and r.json["entered"] is False and r.json["cbs_target_group"] is None
    r = _put(client, world, "/municipalities/GM0375/figures/2026", FULL)
    assert r.status_code == 200, r.json
    assert r.json["entered"] and r.json["goab_budget"] == "2424145.00" and r.json["updated_by"] is not None
    # The answer goes back as it came (read-only keys ignored): unchanged.
    assert _put(client, world, "/municipalities/GM0375/figures/2026", r.json).status_code == 200
    bad = _put(client, world, "/municipalities/GM0375/figures/2026", {**FULL, "toddlers": -3})
    assert bad.status_code == 422 and bad.json["error"]["field"] == "toddlers"
    assert _put(client, world, "/municipalities/GM0375/figures/1800", FULL).json["error"]["field"] == "year"
    with app.app_context():
        assert db.session.scalar(select(MunicipalityFigures.toddlers)) == 400
        assert _count(FiguresChange) == 1


def test_api_figures_are_the_admins_of_the_own_region(client, world):
    assert _put(client, world, "/municipalities/GM0375/figures/2026", FULL, who="jgz").status_code == 403
    # Goes is De Bevelanden's: the IJmond admin does not see it.
    assert _put(client, world, "/municipalities/GM0664/figures/2026", FULL).status_code == 404
    assert _put(client, world, "/municipalities/GM9999/figures/2026", FULL).status_code == 404


def test_openapi_documents_the_figures_and_targets(client, world):
    doc = client.get("/api/v1/openapi.json").json
    assert {"get", "put"} <= set(doc["paths"]["/municipalities/{code}/figures/{year}"])
    assert {"get", "post"} <= set(doc["paths"]["/targets"])


CSV_OK = ("municipality;year;cbs_target_group;cbs_suppressed;jgz_target_group;goab_budget;toddlers;ve_places\n"
          "GM0375;2026;130;;241;2424145,00;400;300\n"
          "GM0396;2026;;ja;170;2141727;250;\n")


def test_import_dry_run_then_apply_then_again(app, runner, world, tmp_path):
    path = tmp_path / "figures.csv"
    path.write_text(CSV_OK, encoding="utf-8")
    dry = runner.invoke(args=["figures", "import", str(path)])
    assert dry.exit_code == 0, dry.output
    assert "row 2: GM0375 2026 new" in dry.output and "dry run" in dry.output
    with app.app_context():
        assert _count(MunicipalityFigures) == 0
    done = runner.invoke(args=["figures", "import", str(path), "--apply"])
    assert done.exit_code == 0 and "2 new" in done.output and "written" in done.output
    again = runner.invoke(args=["figures", "import", str(path), "--apply"])
    assert "0 new, 0 changed, 2 unchanged" in again.output
    with app.app_context():
        hee = db.session.scalar(select(MunicipalityFigures).join(Municipality).where(Municipality.code == "GM0396"))
        assert hee.cbs_suppressed and hee.cbs_target_group is None and hee.ve_places is None
        assert _count(FiguresChange) == 2


def test_import_with_a_bad_row_writes_nothing_and_reports_each_row(app, runner, world, tmp_path):
    path = tmp_path / "figures.csv"
    path.write_text(CSV_OK + "GM0375;2027;12;;;abc;;\nGM0664;2026;1;;;;;\nGM9999;2026;;;;;;\nGM0375;2026;1;;;;;\n",
                    encoding="utf-8")
    r = runner.invoke(args=["figures", "import", str(path), "--apply"])
    assert r.exit_code != 0
    assert "row 4: error goab_budget" in r.output and "row 5: GM0664 2026 new" in r.output
    assert "row 6: error municipality" in r.output and "row 7: error year" in r.output   # unknown; duplicate
    assert "nothing written" in r.output
    with app.app_context():
        assert _count(MunicipalityFigures) == 0 and _count(FiguresChange) == 0


def test_import_refuses_unknown_columns(runner, world, tmp_path):
    path = tmp_path / "figures.csv"
    path.write_text("municipality,year,bsn\nGM0375,2026,1\n", encoding="utf-8")
    r = runner.invoke(args=["figures", "import", str(path)])
    assert r.exit_code != 0 and "unknown bsn" in r.output


def test_admin_page_enters_and_corrects_figures_with_history(app, world):
    web = WebClient(app).sign_in(world.emails["admin"])
    page = web.get("/beheer/jaarcijfers?jaar=2026")
    assert page.status_code == 200 and "Beverwijk" in page.get_data(as_text=True)
    assert "niet ingevoerd" in page.get_data(as_text=True)
    form = web.get("/beheer/jaarcijfers/GM0375/2026")
    assert form.status_code == 200
    r = web.post("/beheer/jaarcijfers/GM0375/2026", {"cbs_target_group": "130", "jgz_target_group": "241",
                                                      "goab_budget": "2424145", "toddlers": "400", "ve_places": "x"})
    assert r.status_code == 422 and 'href="#f-ve_places"' in r.get_data(as_text=True)
    r = web.post("/beheer/jaarcijfers/GM0375/2026", {"cbs_target_group": "130", "jgz_target_group": "241",
                                                      "goab_budget": "2424145", "toddlers": "400", "ve_places": "300"})
    assert r.status_code == 302
    r = web.post("/beheer/jaarcijfers/GM0375/2026", {"cbs_suppressed": "ja", "jgz_target_group": "241"})
    assert r.status_code == 302
    text = web.get("/beheer/jaarcijfers/GM0375/2026").get_data(as_text=True)
    assert "Test admin" in text and text.count("<tr>") >= 3   # header and two changes
    assert web.get("/beheer/jaarcijfers/GM0664/2026").status_code == 404
    assert web.get("/beheer/jaarcijfers?jaar=abc").status_code == 422


def test_monitor_shows_the_jgz_count_and_marks_a_year_without_figures(app, world):
    app.config["CLOCK_NOW"] = dt.datetime(2026, 3, 1, 10, tzinfo=dt.timezone.utc)
    with app.app_context():
        bev = db.session.query(Municipality).filter_by(code="GM0375").one()
        set_figures(bev, 2026, **FULL)
        db.session.commit()
    client = app.test_client()
    admin = ApiClient.sign_in(client, world.emails["admin"])
    body = admin.get("/monitor?region=ijmond&peildatum=2026-02-28").json
    rows = {m["code"]: m["cells"] for m in body["municipalities"]}
    assert rows["GM0375"]["jgz_target_group"] == {"value": 241, "display": "241"}
    assert rows["GM0375"]["cbs_target_group"]["value"] == 130
    assert rows["GM0375"]["toddlers"]["value"] == 400 and rows["GM0375"]["toddler_reach_pct"]["value"] == 75.0
    assert rows["GM0396"]["jgz_target_group"]["display"] == "-"
    assert body["total"]["cells"]["jgz_target_group"]["value"] is None   # Heemskerk's is missing
    web = WebClient(app).sign_in(world.emails["admin"])
    page = web.get("/monitor/?peildatum=2026-02-28").get_data(as_text=True)
    assert "figures-not-entered" in page and "Heemskerk" in page and "/beheer/jaarcijfers?jaar=2026" in page
    gemeente = WebClient(app).sign_in(world.emails["gemeente"]).get("/monitor/?peildatum=2026-02-28").get_data(as_text=True)
    assert "figures-not-entered" in gemeente and "/beheer/jaarcijfers" not in gemeente


def test_a_publication_keeps_the_figures_of_its_day(app, world):
    app.config["CLOCK_NOW"] = dt.datetime(2026, 3, 1, 10, tzinfo=dt.timezone.utc)
    with app.app_context():
        for code in ("GM0375", "GM0396"):
            set_figures(db.session.query(Municipality).filter_by(code=code).one(), 2026, **FULL)
        db.session.commit()
    admin = ApiClient.sign_in(app.test_client(), world.emails["admin"])
    assert admin.post("/monitor/publications", json={"region": "ijmond", "peildatum": "2026-02-28"}).status_code == 201
    with app.app_context():
        set_figures(db.session.query(Municipality).filter_by(code="GM0375").one(), 2026, **{**FULL, "toddlers": 800})
        db.session.commit()
    frozen = admin.get("/monitor/publications/2026-02-28?region=ijmond").json
    cells = {m["code"]: m["cells"] for m in frozen["municipalities"]}
    assert cells["GM0375"]["toddlers"]["value"] == 400 and frozen["total"]["cells"]["toddlers"]["value"] == 800


def test_figures_cleared_to_empty_are_not_entered_again_and_keep_their_history(app, client, world):
    app.config["CLOCK_NOW"] = dt.datetime(2026, 3, 1, 10, tzinfo=dt.timezone.utc)
    assert _put(client, world, "/municipalities/GM0375/figures/2026", FULL).json["entered"] is True
    cleared = _put(client, world, "/municipalities/GM0375/figures/2026", {})
    assert cleared.status_code == 200 and cleared.json["entered"] is False and cleared.json["updated_by"] is not None
    admin = ApiClient.sign_in(client, world.emails["admin"])
    body = admin.get("/monitor?region=ijmond&peildatum=2026-02-28").json
    assert next(m for m in body["municipalities"] if m["code"] == "GM0375")["cells"]["jgz_target_group"]["display"] == "-"
    page = WebClient(app).sign_in(world.emails["admin"]).get("/beheer/jaarcijfers/GM0375/2026").get_data(as_text=True)
    assert page.count("<tr>") >= 3   # both changes are in the history
    monitor = WebClient(app).sign_in(world.emails["admin"]).get("/monitor/?peildatum=2026-02-28").get_data(as_text=True)
    assert "figures-not-entered" in monitor and "Beverwijk" in monitor.split("figures-not-entered", 1)[1][:600]
