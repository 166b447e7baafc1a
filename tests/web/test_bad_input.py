"""Odd input anywhere in the pages gets a 4xx that names the problem, never a 500, and stores nothing."""
from __future__ import annotations

import re

import pytest

from ..factories import HANDOVER_FORM, days_ago

HUGE = "9" * 30


@pytest.mark.parametrize("url", [
    f"/beheer/locaties/{HUGE}", f"/dossiers/{HUGE}", "/dossiers/%00", f"/werkvoorraad?pagina={HUGE}",
    "/werkvoorraad?lijst=" + "x" * 5000, "/werkvoorraad?gemeente=%00", "/zoeken?bsn=" + "9" * 500,
    "/zoeken?achternaam=" + "é" * 5000, "/zoeken?bsn=١٢٣٤٥٦٧٨٩", f"/ve/{HUGE}", "/taal/" + "x" * 300,
    "/wachtwoord/" + "x" * 3000,
])
def test_odd_urls_are_4xx(web, url):
    c = web("admin") if url.startswith("/beheer") else web("jgz")
    r = c.get(url)
    assert 400 <= r.status_code < 500 or r.status_code in (200, 302), (url, r.status_code)


@pytest.mark.parametrize("url", [f"/beheer/gebruikers/{HUGE}/deactiveren", f"/beheer/gebruikers/{HUGE}/wachtwoord",
                                 f"/beheer/locaties/{HUGE}"])
def test_odd_admin_posts_are_4xx(web, url):
    r = web("admin").post(url, {"name": "x"})
    assert 400 <= r.status_code < 500, r.status_code


def test_odd_form_values_on_an_action(api, web, world):
    jgz_api = api("jgz")
    case = jgz_api.register()
    jgz = web("jgz")
    url = f"/dossiers/{case['id']}/acties/indicate"
    for data in [{"version": HUGE}, {"version": "-1"}, {"version": "1", "criteria": ["x" * 10000]},
                 {"version": "1", "indication_date": "9" * 400}, {"version": "1", "criteria": ["home_language"] * 500,
                                                                   "indication_date": days_ago(1)},
                 {"version": "1", "unknown_field": "x"}]:
        r = jgz.post(url, data)
        assert r.status_code in (302, 409, 422), (data.keys(), r.status_code)
    r = jgz.post(f"/dossiers/{case['id']}/acties/refer", {"version": "2", "location_id": HUGE, "consent": "ja",
                                                          "referral_date": days_ago(1)})
    assert r.status_code in (409, 422), r.status_code


def test_odd_registration_values(web):
    jgz = web("jgz")
    r = jgz.post("/dossiers/nieuw", {"municipality": "x" * 500, "given_name": "x" * 5000, "bsn": HUGE})
    assert r.status_code == 422
    r = jgz.post("/dossiers/nieuw", {"municipality": "GM0375", "given_name": "A", "family_name": "B",
                                     "bsn": "111222333", "birth_date": "9999-99-99", "postcode": "1941AB",
                                     "house_number": "1", "parent0_email": "x" * 400})
    assert r.status_code == 422


# --- Each transition form's bad input: 422, the Dutch error beside its field, nothing stored ----

@pytest.fixture
def cases(api, world):
    """One case in each state the remaining forms start from."""
    jgz, ve = api("jgz"), api("ve")
    signalled = jgz.register()
    referred = jgz.fire(jgz.fire(jgz.register(), "indicate", criteria=["home_language"], indication_date=days_ago(30)),
                        "refer", location_id=world.ids["loc"], consent=True, referral_date=days_ago(25))
    not_reached = jgz.fire(jgz.fire(jgz.fire(jgz.register(), "indicate", criteria=["home_language"],
                                             indication_date=days_ago(30)),
                                    "refer", location_id=world.ids["loc"], consent=True, referral_date=days_ago(25)),
                           "report_not_reached", reason="no_contact", date=days_ago(20))
    placed = ve.fire(jgz.fire(jgz.fire(jgz.register(), "indicate", criteria=["home_language"],
                                       indication_date=days_ago(30)),
                              "refer", location_id=world.ids["loc"], consent=True, referral_date=days_ago(25)),
                     "place", start_date=days_ago(20), hours_per_week=16)
    return {"signalled": signalled, "referred": referred, "not_reached": not_reached, "placed": placed}


BAD_TRANSITION_INPUT = [
    # (who, case, trigger, form data, field at fault, Dutch message)
    ("ve", "referred", "waitlist", {"waitlist_date": days_ago(0), "expected_start_date": "31-02-2026"},
     "expected_start_date", "Ongeldige datum"),
    ("ve", "referred", "waitlist", {"waitlist_date": days_ago(0), "expected_start_date": days_ago(-800)},
     "expected_start_date",
     "Deze datum ligt te ver vooruit (hoogstens 730 dagen)."),
    ("jgz", "signalled", "reject", {"reason_text": "x" * 2001}, "reason_text",
     "Toelichting is te lang (maximaal 2000 tekens)."),
    ("cjg", "not_reached", "re_refer", {"consent": "ja", "referral_date": days_ago(1)}, "location_id",
     "VE-locatie is verplicht."),
    ("cjg", "not_reached", "re_refer", {"location_id": "loc", "consent": "ja", "referral_date": days_ago(1)},
     "location_id", "Ongeldige keuze."),
    ("cjg", "not_reached", "re_refer", {"location_id": "LOC", "referral_date": days_ago(1)}, "consent",
     "Zonder toestemming van de ouders kan het kind niet worden toegeleid."),
    ("jgz", "not_reached", "re_refer", {"location_id": "LOC", "consent": "ja", "referral_date": days_ago(-2)},
     "referral_date", "Deze datum mag niet in de toekomst liggen."),
    ("ve", "placed", "hand_over_to_school", {"handover_date": days_ago(1)}, "school_id", "School is verplicht."),
    ("ve", "placed", "hand_over_to_school", {"school_id": "SCHOOL_BEV", "handover_date": days_ago(1)}, "school_id",
     "Onbekende school in deze regio."),
    ("ve", "placed", "hand_over_to_school", {"school_id": "SCHOOL", "handover_date": "morgen"}, "handover_date",
     "Ongeldige datum"),
    ("jgz", "referred", "close", {"date": days_ago(1)}, "outcome", "Uitkomst is verplicht."),
    ("cjg", "not_reached", "close", {"outcome": "nonsense", "date": days_ago(1)}, "outcome", "Kies een van"),
    ("jgz", "signalled", "close", {"outcome": "other", "date": days_ago(1)}, "reason_text", "Toelichting is verplicht."),
    ("jgz", "signalled", "close", {"outcome": "at_school", "date": days_ago(-1)}, "date",
     "Deze datum mag niet in de toekomst liggen."),
]


@pytest.mark.parametrize("who,state,trigger,data,field,message", BAD_TRANSITION_INPUT,
                         ids=[f"{t}-{f}-{i}" for i, (_, _, t, _, f, _) in enumerate(BAD_TRANSITION_INPUT)])
def test_bad_transition_input_is_422_beside_its_field(web, api, world, cases, who, state, trigger, data, field, message):
    case = cases[state]
    ids = {"LOC": str(world.ids["loc"]), "SCHOOL": str(world.ids["school"]), "SCHOOL_BEV": str(world.ids["school_bev"])}
    form = {k: ids.get(v, v) for k, v in data.items()}
    c = web(who)
    r = c.post(f"/dossiers/{case['id']}/acties/{trigger}", {"version": case["version"], **form})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    error_id = f"f-{trigger}-{field}-error"
    assert f'<details class="action" open id="actie-{trigger}">' in body   # the form stays open
    assert f'id="{error_id}"' in body, body[:300]
    assert message in body.split(f'id="{error_id}"', 1)[1][:400]            # the message, in Dutch, beside it
    # The control (or its fieldset) is marked invalid and described by the error, so it is announced.
    assert re.search(rf'aria-describedby="[^"]*{error_id}[^"]*" aria-invalid="true"', body)
    after = api("jgz").get(f"/cases/{case['id']}").json
    assert (after["state"], after["version"]) == (case["state"], case["version"])   # nothing stored


def test_the_school_choice_lists_the_schools_of_the_region(web, cases, world):
    body = web("ve").get(f"/dossiers/{cases['placed']['id']}").get_data(as_text=True)
    select_html = body.split('<select class="field__select" id="f-hand_over_to_school-school_id"', 1)[1].split("</select>")[0]
    assert 'name="school_id"' in select_html and "required" in select_html
    assert '<label class="field__label" for="f-hand_over_to_school-school_id">School</label>' in body
    assert f'<option value="{world.ids["school"]}">Basisschool De Kievit (test)</option>' in select_html
    assert "Het Getij" not in select_html   # a school of the other region is not offered


def test_a_deactivated_school_is_neither_offered_nor_accepted(app, web, api, cases, world):
    from toeleiding.extensions import db
    from toeleiding.organisations.models import Organisation
    from toeleiding.organisations.operations import deactivate_organisation
    from sqlalchemy import select

    from toeleiding.users.models import User
    from toeleiding.users.operations import deactivate_user
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == world.emails["admin"]))
        deactivate_user(db.session.scalar(select(User).where(User.email == world.emails["school"])), admin)
        deactivate_organisation(db.session.get(Organisation, world.ids["school"]))   # no active users or locations
        db.session.commit()
    case = cases["placed"]
    body = web("ve").get(f"/dossiers/{case['id']}").get_data(as_text=True)
    assert "De Kievit" not in body
    assert all(s["id"] != world.ids["school"] for s in api("ve").get("/schools?municipality=GM0375").json["items"])
    r = api("ve").post(f"/cases/{case['id']}/transitions", {
        "trigger": "hand_over_to_school", "version": case["version"],
        "data": {"school_id": world.ids["school"], "handover_date": days_ago(1), **HANDOVER_FORM}})
    assert r.status_code == 422 and r.json["error"]["field"] == "school_id"
