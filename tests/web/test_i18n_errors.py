"""The services' error messages follow the caller's language: English when chosen on the pages or
asked for by an API client (Accept-Language), Dutch by default and outside a request."""
from __future__ import annotations

import datetime as dt
import html

from toeleiding import clock
from toeleiding.errors import N_, ValidationError

from ..factories import child
from .conftest import text

# Dutch words that appear in the service messages these tests trigger, and in no English text.
# ("elfproef" stays: the English hint names the Dutch term.)
DUTCH = ("verplicht", "ongeldig", "Ongeldig", "voldoet niet", "Kies ten minste", "Regel 1", "schrijf",
         "Onbekend", "moet een", "Dit veld")


def _register_form(**overrides) -> dict:
    data = {"municipality": "GM0375", **child(), "parent0_name": "Ouder Fictief", "parent0_phone": "0612345678"}
    data.update(overrides)
    return data


def _in_english(web, who):
    c = web(who)
    assert c.post("/taal/en", {"next": "/"}).status_code == 302
    return c


def _no_dutch(page: str) -> None:
    found = [w for w in DUTCH if w in page]
    assert not found, found


def test_register_errors_in_english(web):
    jgz = _in_english(web, "jgz")
    r = jgz.post("/dossiers/nieuw", _register_form(bsn="123456789"))
    assert r.status_code == 422
    page = text(r)
    assert "BSN is invalid (it fails the eleven test)." in page
    _no_dutch(page)

    r = jgz.post("/dossiers/nieuw", _register_form(given_name=""))
    assert r.status_code == 422
    page = text(r)
    assert "Given name is required." in page      # the field label is translated too
    _no_dutch(page)

    r = jgz.post("/dossiers/nieuw", _register_form(family_name="x" * 101))
    assert "Family name is too long (at most 100 characters)." in text(r)


def test_transition_form_errors_in_english(api, web):
    case = api("jgz").register()
    jgz = _in_english(web, "jgz")
    url = f"/dossiers/{case['id']}/acties/indicate"
    r = jgz.post(url, {"version": str(case["version"]), "indication_date": clock.today().isoformat()})
    assert r.status_code == 422
    page = text(r)
    assert "Criteria of the target-group definition is required." in page
    _no_dutch(page)

    tomorrow = (clock.today() + dt.timedelta(days=1)).isoformat()
    r = jgz.post(url, {"version": str(case["version"]), "criteria": "home_language", "indication_date": tomorrow})
    assert r.status_code == 422 and "This date may not be in the future." in text(r)

    # A step the state does not allow: the workflow's labels inside the message are English too.
    r = jgz.post(f"/dossiers/{case['id']}/acties/place", {"version": str(case["version"])})
    assert r.status_code == 403
    assert "Your role may not do 'Place'." in html.unescape(text(r))
    assert "Uw rol" not in text(r) and "Plaatsen" not in text(r)


def test_admin_form_error_in_english(app, web):
    from sqlalchemy import select
    from toeleiding.extensions import db
    from toeleiding.organisations.models import Municipality
    with app.app_context():
        heemskerk = str(db.session.scalar(select(Municipality.id).where(Municipality.code == "GM0396")))
    admin = _in_english(web, "admin")
    base = {"municipality": heemskerk, "name": "2030", "valid_from": "2030-01-01", "min_age_months": "30"}
    r = admin.post("/beheer/doelgroepdefinities", {**base, "criteria": "zonder dubbele punt"})
    assert r.status_code == 422
    page = html.unescape(text(r))
    assert "Line 1: write 'code: description' (code in lower-case letters, digits and _)." in page
    _no_dutch(page)
    r = admin.post("/beheer/doelgroepdefinities", {**base, "criteria": "a: x\na: y"})
    assert "Line 2: code a appears twice." in text(r)
    r = admin.post("/beheer/doelgroepdefinities", {**base, "criteria": "a: x", "municipality": "0"})
    assert "Choose a municipality in your region." in text(r)


def test_api_validation_error_follows_accept_language(api, client):
    jgz = api("jgz")
    jgz.post = lambda path, json=None, headers=None: client.post(f"/api/v1{path}", json=json,
                                                                  headers=headers or jgz.headers)
    jgz.get = lambda path, headers=None: client.get(f"/api/v1{path}", headers=headers or jgz.headers)
    body = {"municipality": "GM0375", "child": child(bsn="123456789")}
    r = jgz.post("/cases", body, headers={**jgz.headers, "Accept-Language": "en-GB,en;q=0.9"})
    assert r.status_code == 422
    assert r.json["error"] == {"code": "validation_error", "field": "child.bsn",
                               "message": "BSN is invalid (it fails the eleven test).",
                               "fields": [{"field": "child.bsn", "message": "BSN is invalid (it fails the eleven test)."}]}
    r = jgz.post("/cases", {**body, "child": child(given_name="")}, headers={**jgz.headers, "Accept-Language": "en"})
    assert r.json["error"]["message"] == "Given name is required."
    r = jgz.get("/cases?per_page=0", headers={**jgz.headers, "Accept-Language": "en"})
    assert r.status_code == 422 and r.json["error"]["message"] == "'per_page' must be a number from 1 to 200."

    # Without the header, or asking for a language the product does not have: Dutch.
    assert jgz.post("/cases", body).json["error"]["message"] == "BSN is ongeldig (voldoet niet aan de elfproef)."
    r = jgz.post("/cases", body, headers={**jgz.headers, "Accept-Language": "fr"})
    assert r.json["error"]["message"] == "BSN is ongeldig (voldoet niet aan de elfproef)."


def test_dutch_is_the_default(web, api):
    jgz = web("jgz")
    r = jgz.post("/dossiers/nieuw", _register_form(bsn="123456789", given_name=""))
    page = text(r)
    assert "Voornaam is verplicht." in page   # the given name is checked before the BSN
    assert "is required" not in page and "invalid" not in page
    r = jgz.post("/dossiers/nieuw", _register_form(postcode="ABCD"))
    assert "Ongeldige postcode; gebruik 1234 AB." in text(r)
    case = api("jgz").register()
    r = jgz.post(f"/dossiers/{case['id']}/acties/indicate",
                 {"version": str(case["version"]), "indication_date": clock.today().isoformat()})
    assert "Criteria van de doelgroepdefinitie is verplicht." in text(r)


def test_outside_a_request_the_message_is_the_dutch_text(ctx):
    """CLI commands and the scheduler have no request: Dutch, with the parameters filled in."""
    exc = ValidationError(N_("%(label)s is te lang (maximaal %(max)s tekens)."), "x", params={"label": "Naam", "max": 5})
    assert exc.message == str(exc) == "Naam is te lang (maximaal 5 tekens)."
    assert exc.to_dict() == {"code": "validation_error", "message": "Naam is te lang (maximaal 5 tekens).",
                             "field": "x", "fields": [{"field": "x", "message": "Naam is te lang (maximaal 5 tekens)."}]}


def test_a_cli_command_reports_in_dutch(runner, world):
    r = runner.invoke(args=["users", "create", "--email", "geen-adres", "--role", "jgz",
                            "--organisation", str(world.ids["jgz"])], input="een lang wachtwoord\n")
    assert r.exit_code != 0 and "Ongeldig e-mailadres." in r.output


def test_csrf_refusal_is_in_the_page_language(web):
    """No WTForms form is used; Flask-WTF's own English CSRF text must not reach a Dutch page."""
    jgz = web("jgz")
    r = jgz.post("/dossiers/nieuw", {"municipality": "GM0375"}, csrf=False)
    assert r.status_code == 400
    page = text(r)
    assert "CSRF" not in page and "token" not in page and "Het formulier is verlopen" in page
