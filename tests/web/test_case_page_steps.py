"""The steps of issue 11 on the case page and in the work lists: decline, waiting-list date,
drop-out, change of location and transfer; their forms, labels in Dutch and English, errors at the
field, and what a provider whose access ended gets."""
from __future__ import annotations

import re

import pytest

from toeleiding import clock

from ..factories import days_ago
from .conftest import text


@pytest.fixture
def referred(api, world):
    jgz = api("jgz")
    case = jgz.fire(jgz.register(), "indicate", criteria=["home_language"], indication_date=days_ago(20))
    return jgz.fire(case, "refer", location_id=world.ids["loc"], consent=True, referral_date=days_ago(15))


@pytest.fixture
def placed(api, referred):
    return api("ve").fire(referred, "place", start_date=days_ago(10), hours_per_week=16)


def _names(response) -> list[str]:
    return re.findall(r'<a href="/dossiers/[^"]+">([^<]+)</a>', response.get_data(as_text=True))


def test_the_provider_is_offered_decline_and_a_dated_waiting_list(web, app, referred):
    body = web("ve").get(f"/dossiers/{referred['id']}").get_data(as_text=True)
    assert 'id="actie-decline_referral"' in body and 'id="actie-waitlist"' in body
    decline = body.split('id="actie-decline_referral"')[1].split("</details>")[0]
    for label in ("Reden van afwijzing", "Geen plaats", "Verkeerde locatie", "Buiten ons werkgebied",
                  "Ouders niet bereikbaar", "Anders", "Toelichting"):
        assert label in decline
    with app.app_context():
        today = clock.today().isoformat()
    waitlist = body.split('id="actie-waitlist"')[1].split("</details>")[0]
    assert "Datum op wachtlijst" in waitlist and f'value="{today}"' in waitlist   # the form starts at today


def test_declining_through_the_form_leads_back_to_the_work_list(web, referred):
    ve = web("ve")
    r = ve.post(f"/dossiers/{referred['id']}/acties/decline_referral",
                {"version": referred["version"], "decline_reason": "no_capacity", "date": days_ago(0)})
    assert r.status_code == 302 and r.location.endswith("/werkvoorraad")
    page = ve.get(r.location)
    assert "Opgeslagen: Toeleiding afwijzen." in text(page)
    assert "Dit dossier staat niet meer in uw overzicht." in text(page)
    assert ve.get(f"/dossiers/{referred['id']}").status_code == 404
    # JGZ finds the child under "to refer", with the reason in the timeline
    jgz = web("jgz")
    assert "Testkind Fictiefsma" in _names(jgz.get("/werkvoorraad?lijst=to_refer"))
    timeline = text(jgz.get(f"/dossiers/{referred['id']}"))
    assert "Toeleiding afwijzen" in timeline and "Geen plaats" in timeline


@pytest.mark.parametrize("data,field,message", [
    ({"date": days_ago(0)}, "decline_reason", "Reden van afwijzing is verplicht."),
    ({"decline_reason": "other", "date": days_ago(0)}, "reason_text", "Toelichting is verplicht."),
    ({"decline_reason": "no_capacity", "date": days_ago(-2)}, "date", "niet in de toekomst"),
])
def test_bad_decline_input_is_shown_beside_its_field(web, referred, data, field, message):
    ve = web("ve")
    r = ve.post(f"/dossiers/{referred['id']}/acties/decline_referral", {"version": referred["version"], **data})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    error_id = f"f-decline_referral-{field}-error"
    assert f'id="{error_id}"' in body and message in body.split(f'id="{error_id}"')[1][:300]
    assert "Toegeleid" in text(ve.get(f"/dossiers/{referred['id']}"))   # nothing stored


def test_waitlist_without_a_date_is_refused_at_the_field(web, referred):
    r = web("ve").post(f"/dossiers/{referred['id']}/acties/waitlist", {"version": referred["version"]})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert 'id="f-waitlist-waitlist_date-error"' in body


def test_drop_out_through_the_form_puts_the_child_in_the_cjg_list(web, placed):
    ve = web("ve")
    body = ve.get(f"/dossiers/{placed['id']}").get_data(as_text=True)
    for trigger in ("stop_placement", "change_location"):
        assert f'id="actie-{trigger}"' in body
    stop = body.split('id="actie-stop_placement"')[1].split("</details>")[0]
    assert "Ouders stoppen met VE" in stop and "Te weinig aanwezig" in stop and "Verhuisd" in stop
    assert "Geen contact met ouders" not in stop   # not a reason to stop
    r = ve.post(f"/dossiers/{placed['id']}/acties/stop_placement",
                {"version": placed["version"], "stop_reason": "parents_stopped", "stop_date": days_ago(1)})
    assert r.status_code == 302
    assert "Niet bereikt" in text(ve.get(r.location))
    cjg = web("cjg")
    assert "Testkind Fictiefsma" in _names(cjg.get("/werkvoorraad?lijst=not_reached"))
    page = text(cjg.get(f"/dossiers/{placed['id']}"))
    assert "Voortijdig gestopt" in page and "Ouders stoppen met VE" in page


def test_change_of_location_and_transfer_on_the_page(web, world, placed):
    ve = web("ve")
    r = ve.post(f"/dossiers/{placed['id']}/acties/change_location",
                {"version": placed["version"], "location_id": str(world.ids["loc2"]), "transfer_date": days_ago(0)})
    assert r.status_code == 422 and "Deze locatie hoort niet bij uw organisatie." in text(r)
    r = ve.post(f"/dossiers/{placed['id']}/acties/change_location",
                {"version": placed["version"], "location_id": str(world.ids["loc_heemskerk"]),
                 "transfer_date": days_ago(0)})
    assert r.status_code == 302 and "Duinroos Heemskerk" in text(ve.get(r.location))
    jgz = web("jgz")
    body = jgz.get(f"/dossiers/{placed['id']}").get_data(as_text=True)
    assert 'id="actie-transfer_to_provider"' in body and "Naar andere aanbieder" in body


def test_the_steps_in_english(web, referred):
    ve = web("ve")
    assert ve.post("/taal/en", {"next": "/"}).status_code == 302
    body = ve.get(f"/dossiers/{referred['id']}").get_data(as_text=True)
    assert "Decline referral" in body and "Reason for declining" in body and "No capacity" in body
    assert "Date put on the waiting list" in body


def test_a_provider_whose_access_ended_gets_404_on_page_and_form(web, api, referred):
    api("ve").fire(referred, "decline_referral", decline_reason="wrong_location", date=days_ago(0))
    ve = web("ve")
    assert ve.get(f"/dossiers/{referred['id']}").status_code == 404
    r = ve.post(f"/dossiers/{referred['id']}/acties/waitlist", {"version": referred["version"] + 1,
                                                                "waitlist_date": days_ago(0)})
    assert r.status_code == 404
    assert "Testkind Fictiefsma" not in _names(ve.get("/werkvoorraad?lijst=all"))
