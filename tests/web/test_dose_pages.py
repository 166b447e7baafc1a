"""The law's dose on the pages (issue 11, point 5): the provider changes a child's hours a week on
the case page (Dutch and English, errors at the field), the administrator sets a location's weeks
open, and the monitor page shows the dose cells."""
from __future__ import annotations

from ..factories import days_ago
from .conftest import text


def _placed(api, world):
    ve = api("ve")
    case = ve.fire(api("jgz").referred(world.ids["loc"], indicated_days_ago=30), "place",
                   start_date=days_ago(20), hours_per_week=16)
    return case


def test_the_provider_changes_the_hours_on_the_case_page(web, api, world):
    case = _placed(api, world)
    ve = web("ve")
    page = ve.get(f"/dossiers/{case['id']}")
    body = page.get_data(as_text=True)
    assert 'id="actie-change_hours"' in body and "Uren per week wijzigen" in body
    assert "Uren gelden vanaf" in body
    r = ve.post(f"/dossiers/{case['id']}/acties/change_hours",
                {"version": case["version"], "hours_per_week": "10", "hours_date": days_ago(0)})
    assert r.status_code == 302
    shown = text(ve.get(r.location))
    assert "Opgeslagen: Uren per week wijzigen." in shown and "Uren per week 10" in shown
    # JGZ reads the step in the timeline
    assert "Uren per week wijzigen" in text(web("jgz").get(f"/dossiers/{case['id']}"))


def test_bad_hours_are_shown_beside_their_field(web, api, world):
    case = _placed(api, world)
    ve = web("ve")
    for data, field, message in [
        ({"hours_date": days_ago(0)}, "hours_per_week", "Uren per week is verplicht."),
        ({"hours_per_week": "41", "hours_date": days_ago(0)}, "hours_per_week", "Vul een getal van 1 tot en met 40 in."),
        ({"hours_per_week": "12", "hours_date": "morgen"}, "hours_date", "Ongeldige datum"),
    ]:
        r = ve.post(f"/dossiers/{case['id']}/acties/change_hours", {"version": case["version"], **data})
        assert r.status_code == 422, data
        body = r.get_data(as_text=True)
        error_id = f"f-change_hours-{field}-error"
        assert f'id="{error_id}"' in body and message in body.split(f'id="{error_id}"')[1][:300], data


def test_the_step_reads_in_english(web, api, world):
    case = _placed(api, world)
    ve = web("ve")
    ve.post("/taal/en", {"next": "/"})
    body = ve.get(f"/dossiers/{case['id']}").get_data(as_text=True)
    assert "Change hours a week" in body and "Hours apply from" in body
    r = ve.post(f"/dossiers/{case['id']}/acties/change_hours", {"version": case["version"], "hours_date": days_ago(0)})
    assert r.status_code == 422 and "Hours a week is required." in r.get_data(as_text=True)


def test_the_administrator_sets_the_weeks_a_location_is_open(web, world, app):
    admin = web("admin")
    url = f"/beheer/locaties/{world.ids['loc']}"
    body = admin.get(url).get_data(as_text=True)
    assert 'name="weeks_open"' in body and 'value="40"' in body   # the default
    for bad, message in [("", "Weken open per jaar is verplicht."), ("0", "Vul een getal van 1 tot en met 52 in."),
                         ("53", "Vul een getal van 1 tot en met 52 in."), ("veertig", "Vul een getal van 1 tot en met 52 in.")]:
        r = admin.post(url, {"name": "Duinroos Centrum", "address": "", "active": "ja", "weeks_open": bad})
        assert r.status_code == 422, bad
        page = r.get_data(as_text=True)
        assert 'id="f-weeks_open-error"' in page and message in page.split('id="f-weeks_open-error"')[1][:300], bad
        assert f'value="{bad}"' in page or bad == ""   # what was typed is still there
    r = admin.post(url, {"name": "Duinroos Centrum", "address": "", "active": "ja", "weeks_open": "46"})
    assert r.status_code == 302
    assert 'value="46"' in admin.get(url).get_data(as_text=True)
    admin.post("/taal/en", {"next": "/"})
    assert "Weeks open a year" in admin.get(url).get_data(as_text=True)


def test_the_monitor_page_shows_the_dose_cells(web, api, world):
    _placed(api, world)
    body = web("admin").get("/monitor/").get_data(as_text=True)
    assert "Naar verwachting onder 960 uur VE tot 4 jaar" in body
    assert "Gestart na 30 maanden" in body and "Minder dan 16 uur per week" in body
