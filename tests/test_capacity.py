"""Capacity per location (issue 12.4): the service, the provider's own page and the admin's, the
API, the monitor's capacity cells (suppressed like the rest, the median hidden with its count),
what a publication keeps, and free/full on the public VE page."""
from __future__ import annotations

import datetime as dt

import pytest

from toeleiding.errors import ValidationError
from toeleiding.extensions import db
from toeleiding.organisations.models import Location
from toeleiding.organisations.operations import capacity_dict, set_location_capacity
from toeleiding.monitor.util import median_days

from .factories import ApiClient, days_ago
from .web.conftest import WebClient, text

GOOD = {"ve_places": 16, "opening_days": [1, 2, 4], "setting": "peuteropvang", "ve_programme": "piramide"}


@pytest.fixture
def web_client(app, world):
    def make(who):
        return WebClient(app).sign_in(world.emails[who])
    return make


def _api(client, world, who):
    return ApiClient.sign_in(client, world.emails[who])


def test_capacity_is_stored_with_who_and_when_and_the_same_values_change_nothing(ctx, world):
    loc = db.session.get(Location, world.ids["loc"])
    _loc, changed = set_location_capacity(loc, by=None, **{**GOOD, "opening_days": "4, 1,2"})
    assert changed and capacity_dict(loc) == {**GOOD, "weeks_open": 40} and loc.capacity_updated_at is not None
    when = loc.capacity_updated_at
    _loc, again = set_location_capacity(loc, **GOOD)
    assert not again and loc.capacity_updated_at == when
    set_location_capacity(loc)   # every field replaced: nothing entered
    assert capacity_dict(loc) == {"ve_places": None, "opening_days": [], "setting": None, "ve_programme": None,
                                  "weeks_open": 40}   # weeks open is kept when absent


@pytest.mark.parametrize("field,value", [("ve_places", -1), ("ve_places", "veel"), ("ve_places", 1001),
                                         ("ve_places", True), ("opening_days", [8]), ("opening_days", "ma"),
                                         ("opening_days", {"1": 1}), ("setting", "school"), ("setting", ["x"]),
                                         ("ve_programme", "onbekend"), ("seats", 3), ("weeks_open", 0),
                                         ("weeks_open", 53), ("weeks_open", ""), ("weeks_open", None)])
def test_bad_capacity_names_the_field_and_changes_nothing(ctx, world, field, value):
    loc = db.session.get(Location, world.ids["loc"])
    with pytest.raises(ValidationError) as exc:
        set_location_capacity(loc, **{**GOOD, field: value})
    assert exc.value.field == field
    assert loc.ve_places is None and loc.capacity_updated_at is None


def test_median_days_takes_the_middle_or_the_mean_of_the_two_middle_ones():
    assert median_days({}) is None
    assert median_days({5: 1}) == 5
    assert median_days({1: 1, 10: 2}) == 10
    assert median_days({1: 1, 3: 1, 10: 1, 40: 1}) == 6.5


def test_provider_keeps_its_own_locations_capacity_on_its_page(app, world, web_client):
    ve = web_client("ve")
    page = ve.get("/organisatie/locaties")
    assert page.status_code == 200 and "Duinroos Centrum" in text(page) and "Strandgaper" not in text(page)
    r = ve.post(f"/organisatie/locaties/{world.ids['loc']}",
                {"ve_places": "12", "opening_days": ["1", "3"], "setting": "kinderdagverblijf", "ve_programme": "anders",
                 "weeks_open": "46"})
    assert r.status_code == 302
    page = ve.get(f"/organisatie/locaties/{world.ids['loc']}")
    assert "Laatst gewijzigd op" in text(page) and "Test ve" in text(page)
    with app.app_context():
        loc = db.session.get(Location, world.ids["loc"])
        assert (loc.ve_places, loc.opening_days, loc.setting, loc.ve_programme, loc.weeks_open) == (
            12, "1,3", "kinderdagverblijf", "anders", 46)


def test_provider_form_shows_the_error_at_the_field_and_keeps_what_was_typed(app, world, web_client):
    ve = web_client("ve")
    r = ve.post(f"/organisatie/locaties/{world.ids['loc']}", {"ve_places": "zestien", "opening_days": ["2"]})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert 'href="#f-ve_places"' in body and 'value="zestien"' in body and 'id="f-day-2" name="opening_days" value="2" checked' in body


def test_another_provider_or_a_role_without_locations_cannot_keep_them(app, world, web_client):
    assert web_client("ve2").get(f"/organisatie/locaties/{world.ids['loc']}").status_code == 404
    assert web_client("ve2").post(f"/organisatie/locaties/{world.ids['loc']}", {"ve_places": "1"}).status_code == 404
    assert web_client("jgz").get("/organisatie/locaties").status_code == 403


def test_admin_keeps_capacity_on_the_location_page(app, world, web_client):
    admin = web_client("admin")
    r = admin.post(f"/beheer/locaties/{world.ids['loc2']}", {"name": "Strandgaper", "address": "", "active": "ja",
                                                             "ve_places": "20", "opening_days": ["1", "2", "3", "4"],
                                                             "setting": "peuteropvang", "ve_programme": "uk_en_puk"})
    assert r.status_code == 302
    with app.app_context():
        loc = db.session.get(Location, world.ids["loc2"])
        assert loc.ve_places == 20 and loc.opening_days == "1,2,3,4" and loc.capacity_updated_by_id is not None
    r = admin.post(f"/beheer/locaties/{world.ids['loc2']}", {"name": "Strandgaper", "active": "ja", "setting": "kdv"})
    assert r.status_code == 422 and 'href="#f-setting"' in r.get_data(as_text=True)


def test_api_lets_the_provider_and_the_admin_keep_capacity_and_no_one_else(app, client, world):
    path = f"/api/v1/locations/{world.ids['loc']}/capacity"
    ve = _api(client, world, "ve")
    r = client.put(path, json=GOOD, headers=ve.headers)
    assert r.status_code == 200 and r.json["ve_places"] == 16 and r.json["opening_days"] == [1, 2, 4]
    got = ve.get(f"/locations/{world.ids['loc']}/capacity").json
    assert got["updated_by"] is not None and got["updated_at"]
    # The answer may be sent back as it came (read-only keys ignored).
    assert client.put(path, json=got, headers=ve.headers).status_code == 200
    r = client.put(path, json={**GOOD, "ve_places": "many"}, headers=_api(client, world, "admin").headers)
    assert r.status_code == 422 and "ve_places" in str(r.json)
    assert _api(client, world, "admin").get(f"/locations/{world.ids['loc']}/capacity").status_code == 200
    for who in ("ve2", "jgz", "gemeente", "ve_bev"):
        assert client.put(path, json=GOOD, headers=_api(client, world, who).headers).status_code == 403, who
    assert ve.get("/locations/999999/capacity").status_code == 404


def _monitor(client, world, suppressed: bool, peildatum: str) -> dict:
    admin = _api(client, world, "admin")
    r = admin.get(f"/monitor?region=ijmond&peildatum={peildatum}&suppressed={'1' if suppressed else '0'}")
    assert r.status_code == 200, r.json
    return {m["code"]: m["cells"] for m in r.json["municipalities"]} | {"total": r.json["total"]["cells"]}


@pytest.fixture
def waiting(app, client, world, api):
    """Beverwijk's two locations have 16 and 4 places; three children wait at Duinroos Centrum
    (since 10, 20 and 40 days), one is placed at Duinroos Heemskerk."""
    with app.app_context():
        set_location_capacity(db.session.get(Location, world.ids["loc"]), ve_places=16)
        set_location_capacity(db.session.get(Location, world.ids["loc2"]), ve_places=4)
        set_location_capacity(db.session.get(Location, world.ids["loc_heemskerk"]), ve_places=10)
        db.session.commit()
    jgz, ve = api("jgz"), api("ve")
    for n in (10, 20, 40):
        case = jgz.referred(world.ids["loc"], indicated_days_ago=n + 5)
        ve.fire(case, "waitlist", waitlist_date=days_ago(n))
    case = jgz.referred(world.ids["loc_heemskerk"], indicated_days_ago=30)
    ve.fire(case, "place", start_date=days_ago(5), hours_per_week=16)
    return world


def test_monitor_shows_places_occupied_waiting_list_and_median_days_per_municipality(app, client, waiting):
    today = dt.date.today().isoformat()
    cells = _monitor(client, waiting, False, today)
    bev, hee, total = cells["GM0375"], cells["GM0396"], cells["total"]
    assert bev["location_places"]["value"] == 20 and hee["location_places"]["value"] == 10
    assert total["location_places"]["value"] == 30
    assert bev["waitlist_length"]["value"] == 3 and bev["waitlist_median_days"]["value"] == 20
    assert hee["waitlist_length"]["value"] == 0 and hee["waitlist_median_days"]["display"] == "-"
    assert hee["occupied_places"]["value"] == 1 and bev["occupied_places"]["value"] == 0
    assert total["waitlist_length"]["value"] == 3 and total["occupied_places"]["value"] == 1


def test_suppressed_monitor_hides_a_small_waiting_list_and_its_median(app, client, waiting):
    cells = _monitor(client, waiting, True, dt.date.today().isoformat())
    for row in ("GM0375", "total"):
        assert cells[row]["waitlist_length"]["value"] is None
        assert cells[row]["waitlist_median_days"] == {"value": None, "display": "x"}
    assert cells["GM0375"]["location_places"]["value"] == 20   # places are public, not a count of children
    assert cells["GM0396"]["occupied_places"]["value"] is None


def test_csv_has_the_capacity_columns(app, client, waiting, web_client):
    admin = web_client("admin")
    r = admin.get(f"/monitor/monitor.csv?region=ijmond&peildatum={dt.date.today().isoformat()}")
    assert r.status_code == 200
    header = r.get_data(as_text=True).splitlines()[0].split(",")
    assert header[-4:] == ["location_places", "occupied_places", "waitlist_length", "waitlist_median_days"]


def test_a_publication_keeps_the_capacity_cells(app, client, waiting):
    admin = _api(client, waiting, "admin")
    day = days_ago(1)
    assert admin.post("/monitor/publications", {"region": "ijmond", "peildatum": day}).status_code == 201
    with app.app_context():   # a later change of places does not change what was published
        set_location_capacity(db.session.get(Location, waiting.ids["loc"]), ve_places=99)
        db.session.commit()
    r = admin.get(f"/monitor/publications/{day}?region=ijmond")
    assert r.status_code == 200, r.json
    bev = next(m for m in r.json["municipalities"] if m["code"] == "GM0375")["cells"]
    assert bev["location_places"]["value"] == 20 and bev["waitlist_length"]["value"] == 3


def test_public_page_shows_free_or_full_per_location_and_nothing_for_a_tiny_one(app, client, waiting):
    body = text(client.get("/ve/GM0396"))
    assert "Vol: vraag naar de wachtlijst" not in body and "Plaats vrij" in body   # 10 places, 1 taken
    with app.app_context():
        set_location_capacity(db.session.get(Location, waiting.ids["loc_heemskerk"]), ve_places=1)
        db.session.commit()
    body = text(client.get("/ve/GM0396"))
    # One place: "full" would say that one child goes there; below the threshold nothing is shown.
    assert "Vol" not in body and "Plaats vrij" not in body
    with app.app_context():
        app.config["SUPPRESSION_THRESHOLD"] = 3
        loc = db.session.get(Location, waiting.ids["loc_heemskerk"])
        set_location_capacity(loc, ve_places=3)
        db.session.commit()
    assert "Plaats vrij" in text(client.get("/ve/GM0396"))


def test_openapi_documents_the_capacity_route(client, world):
    doc = client.get("/api/v1/openapi.json").json
    path = doc["paths"]["/locations/{location_id}/capacity"]
    assert set(path) == {"get", "put"}
    fields = path["put"]["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert set(fields) == {"ve_places", "opening_days", "setting", "ve_programme", "weeks_open"}
    assert "peuteropvang" in fields["setting"]["enum"] and {"403", "404", "422"} <= set(path["put"]["responses"])
