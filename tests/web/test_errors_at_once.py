"""Every error of a request at once (issue 13, point 2): the services collect the field errors of a
registration or a transition and raise them together; the page shows each at its field with a
summary at the top, the API lists them in ``fields``; nothing is stored."""
from __future__ import annotations

import re

import pytest

from toeleiding import clock

from ..factories import child, days_ago
from .conftest import text

REGISTER_FIELDS = ["municipality", "given_name", "family_name", "bsn", "birth_date", "postcode", "house_number"]


def _summary(body: str) -> str:
    assert 'class="alert alert--error error-summary" role="alert"' in body, body[:2000]
    return body.split("error-summary", 1)[1].split("</div>", 1)[0]


def _field_error(body: str, field_id: str) -> str:
    marker = f'id="{field_id}-error"'
    assert marker in body, (field_id, body[:3000])
    return re.sub(r"<[^>]+>", " ", body.split(marker, 1)[1].split("</p>", 1)[0])


def _in_english(client):
    assert client.post("/taal/en", {"next": "/"}).status_code == 302
    return client


@pytest.mark.parametrize("lang,required", [("nl", "is verplicht"), ("en", "is required")])
def test_an_empty_registration_names_every_required_field_at_once(web, api, lang, required):
    jgz = web("jgz")
    if lang == "en":
        _in_english(jgz)
    r = jgz.post("/dossiers/nieuw", {})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    summary = _summary(body)
    for name in REGISTER_FIELDS:
        assert f'href="#f-{name}"' in summary, name          # a link to each field
        assert _field_error(body, f"f-{name}").strip()       # and the error beside it
    # Each required text field's message names the field, in the page's language.
    labels = {"nl": ["Voornaam", "Achternaam", "BSN", "Geboortedatum", "Postcode", "Huisnummer"],
              "en": ["Given name", "Family name", "BSN", "Date of birth", "Postcode", "House number"]}[lang]
    for name, label in zip(REGISTER_FIELDS[1:], labels):
        message = _field_error(body, f"f-{name}")
        assert label.lower() in message.lower() and required in message, (name, message)
    if lang == "en":
        assert "verplicht" not in text(r)
    assert api("jgz").get("/cases").json["total"] == 0     # nothing stored


def test_a_registration_with_several_bad_fields_keeps_what_was_typed(web, api):
    jgz = web("jgz")
    form = {"municipality": "GM0375", **child(), "bsn": "123456789", "postcode": "ABCD", "parent0_name": "Ouder",
            "parent0_email": "geen-adres"}
    r = jgz.post("/dossiers/nieuw", form)
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    summary = _summary(body)
    assert [m for m in re.findall(r'href="#f-(\w+)"', summary)] == ["bsn", "postcode", "parent0_email"]
    assert "elfproef" in _field_error(body, "f-bsn") and "postcode" in _field_error(body, "f-postcode").lower()
    assert 'value="ABCD"' in body and 'value="geen-adres"' in body
    assert api("jgz").get("/cases").json["total"] == 0


@pytest.mark.parametrize("lang,required", [("nl", "is verplicht"), ("en", "is required")])
def test_the_api_lists_every_field_at_fault(api, client, lang, required):
    jgz = api("jgz")
    r = client.post("/api/v1/cases", json={"child": {}}, headers={**jgz.headers, "Accept-Language": lang})
    assert r.status_code == 422
    error = r.json["error"]
    fields = [f["field"] for f in error["fields"]]
    assert fields == ["municipality"] + [f"child.{n}" for n in REGISTER_FIELDS[1:]]
    # The existing keys describe the first error.
    assert error["code"] == "validation_error" and error["field"] == "municipality"
    assert error["message"] == error["fields"][0]["message"]
    assert all(required in f["message"] for f in error["fields"][1:]), error["fields"]
    assert jgz.get("/cases").json["total"] == 0


def test_one_bad_field_is_a_one_item_list_and_a_refusal_without_a_field_an_empty_one(api):
    jgz = api("jgz")
    r = jgz.post("/cases", {"municipality": "GM0375", "child": child(postcode="ABCD")})
    assert r.status_code == 422
    assert r.json["error"]["fields"] == [{"field": "child.postcode", "message": r.json["error"]["message"]}]
    r = jgz.get("/cases/00000000-0000-0000-0000-000000000000")
    assert r.status_code == 404 and r.json["error"]["fields"] == []
    r = api("ve").post("/cases", {"municipality": "GM0375", "child": child()})
    assert r.status_code == 403 and r.json["error"]["fields"] == []


def test_the_openapi_error_schema_has_the_list(client):
    schema = client.get("/api/v1/openapi.json").json["components"]["schemas"]["Error"]["properties"]["error"]
    assert "fields" in schema["required"] and schema["properties"]["fields"]["type"] == "array"


@pytest.fixture
def referred(api, world):
    jgz = api("jgz")
    case = jgz.register()
    case = jgz.fire(case, "indicate", criteria=["home_language"], indication_date=days_ago(20))
    return jgz.fire(case, "refer", location_id=world.ids["loc"], consent=True, referral_date=days_ago(15))


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_an_empty_transition_form_names_every_required_field(web, api, referred, lang):
    ve = web("ve")
    if lang == "en":
        _in_english(ve)
    r = ve.post(f"/dossiers/{referred['id']}/acties/place", {"version": referred["version"]})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    summary = _summary(body)
    assert 'href="#f-place-start_date"' in summary and 'href="#f-place-hours_per_week"' in summary
    start, hours = _field_error(body, "f-place-start_date"), _field_error(body, "f-place-hours_per_week")
    if lang == "nl":
        assert "Startdatum is verplicht." in start and "Uren per week is verplicht." in hours
    else:
        assert "Start date is required." in start and "Hours a week is required." in hours
    assert api("ve").get(f"/cases/{referred['id']}").json["version"] == referred["version"]   # nothing stored


def test_the_api_lists_every_field_of_a_transition(api, referred):
    ve = api("ve")
    r = ve.post(f"/cases/{referred['id']}/transitions",
                {"trigger": "place", "version": referred["version"], "data": {"hours_per_week": 99}})
    assert r.status_code == 422
    assert [f["field"] for f in r.json["error"]["fields"]] == ["start_date", "hours_per_week"], r.json
    assert ve.get(f"/cases/{referred['id']}").json["version"] == referred["version"]


def test_inputs_carry_the_limits_the_services_check(web, referred):
    jgz = web("jgz")
    body = jgz.get("/dossiers/nieuw").get_data(as_text=True)
    assert re.search(r'id="f-given_name"[^>]*required[^>]*maxlength="100"', body), body
    assert re.search(r'id="f-postcode"[^>]*maxlength="7"', body)
    assert re.search(r'id="f-parent0_email"[^>]*maxlength="254"', body)
    assert re.search(r'id="f-birth_date"[^>]*min="[0-9-]{10}" max="' + clock.today().isoformat(), body)
    ve = web("ve")
    r = ve.get(f"/dossiers/{referred['id']}")
    body = r.get_data(as_text=True)
    import datetime as dt
    latest = (clock.today() + dt.timedelta(days=183)).isoformat()
    assert re.search(rf'id="f-place-start_date"[^>]*max="{latest}"[^>]*required', body), body
    assert "binnen 183 dagen" in text(r)
    assert re.search(r'id="f-place-hours_per_week"[^>]*min="1" max="40"[^>]*required', body)
    assert re.search(r'id="f-report_not_reached-reason_text"[^>]*maxlength="2000"', body)
