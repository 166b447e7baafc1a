"""Odd numbers, ids and bodies, web and API alike: a 4xx that names the problem, never a 500.

The routes come from the app's URL map and the API's integer query arguments from its OpenAPI
document, so a new route with an id or a new paged list is probed without a new row here.
"""
from __future__ import annotations

import re
import urllib.parse

import pytest

from .factories import ApiClient
from .web.conftest import WebClient, text, web  # noqa: F401  (the page-session fixture)

# What str.isdigit() passes and int() refuses ('²') or reads as another number ('٣', '１'), what
# no INTEGER column holds, and what is no whole number at all.
BAD_NUMBERS = ["²", "٣", "１", "99999999999", "2147483648", "0", "-1", "1.5", "1e3", " ", "9" * 5000]
BAD_IDS = ["2147483648", "99999999999", "9" * 5000, "²", "٣", "１", "0"]
ROLES = ("jgz", "ve", "cjg", "gemeente", "admin")
ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _query(name: str, value: str) -> str:
    return urllib.parse.urlencode({name: value})


# --- Lists: page numbers ---------------------------------------------------------------------

def _api_integer_query_args(app) -> list[tuple[str, str]]:
    doc = app.test_client().get("/api/v1/openapi.json").json
    return sorted((path, p["name"]) for path, ops in doc["paths"].items() for method, op in ops.items()
                  if method == "get" for p in op.get("parameters", [])
                  if p["in"] == "query" and p.get("schema", {}).get("type") == "integer")


def test_the_api_lists_are_found_in_the_openapi_document(app):
    args = _api_integer_query_args(app)
    assert {("/cases", "page"), ("/cases", "per_page"), ("/reminders", "per_page"), ("/audit", "user_id")} <= set(args)


@pytest.mark.parametrize("value", BAD_NUMBERS, ids=lambda v: ascii(v[:12]))
def test_api_integer_query_arguments_are_422_naming_the_argument(app, api, value):
    clients = {who: api(who) for who in ("jgz", "admin", "ve")}
    for path, name in _api_integer_query_args(app):
        # The first role the route serves (the access log is the administrator's, signals VE's).
        r = next(r for r in (c.get(f"{path}?{_query(name, value)}") for c in clients.values()) if r.status_code != 403)
        assert r.status_code == 422, (path, name, r.status_code)
        assert r.json["error"]["code"] == "validation_error" and r.json["error"]["field"] == name, (path, r.json)


@pytest.mark.parametrize("value", BAD_NUMBERS, ids=lambda v: ascii(v[:12]))
@pytest.mark.parametrize("who,path,name,message", [
    ("jgz", "/werkvoorraad", "pagina", "Ongeldig paginanummer."),
    ("admin", "/beheer/toegangslog", "user_id", "Kies een gebruiker uit de lijst."),
])
def test_page_integer_query_arguments_are_4xx_naming_the_problem(web, who, path, name, message, value):
    r = web(who).get(f"{path}?{_query(name, value)}")
    assert r.status_code in (400, 422) and message in text(r), (path, r.status_code)


@pytest.mark.parametrize("path", ["/beheer/toegangslog.csv", "/beheer/noodtoegang.csv"])
def test_the_access_log_downloads_refuse_an_odd_user_id(web, path):
    admin = web("admin")
    for value in ("²", "2147483648"):
        assert admin.get(f"{path}?{_query('user_id', value)}").status_code == 422


# --- Ids in URLs -------------------------------------------------------------------------------

def _rules_with_arguments(app):
    return [rule for rule in app.url_map.iter_rules() if rule.arguments and rule.endpoint != "static"]


def test_every_numeric_id_in_a_route_goes_through_the_id_converter(app):
    numeric = [rule.rule for rule in app.url_map.iter_rules()
               if any(conv in ("int", "float") for conv, _ in ARGUMENT.findall(rule.rule))]
    assert not numeric, f"use <id:…> for a row id (toeleiding/numbers.py), not: {numeric}"
    assert any("<id:" in rule.rule for rule in app.url_map.iter_rules())


@pytest.fixture
def signed_in(app, world):
    """Every role with a page session (and its CSRF token) and an API token; anonymous with neither."""
    clients = {None: (WebClient(app), {})}
    clients[None][0].get("/aanmelden")
    for who in ROLES:
        clients[who] = (WebClient(app).sign_in(world.emails[who]),
                        ApiClient.sign_in(app.test_client(), world.emails[who]).headers)
    return clients


def _call(clients, who, url, method):
    web, headers = clients[who]
    if url.startswith("/api/"):
        return web.client.open(url, method=method, headers=headers, json=None if method == "GET" else {})
    return web.client.open(url, method=method, data={} if method == "GET" else {"csrf_token": web.token})


def _refused(clients, who, r) -> bool:
    """A 4xx; or, anonymous, the way to sign in; or a redirect to a page showing an error (the
    inbox and meeting forms answer a refusal that way, as tests/test_forms_fuzz.py knows)."""
    if 400 <= r.status_code < 500:
        return True
    if r.status_code != 302:
        return False
    if who is None:
        return r.location.startswith("/aanmelden")
    return 'class="alert alert--error"' in clients[who][0].get(r.location).get_data(as_text=True)


def test_odd_ids_in_every_route_are_4xx(app, signed_in):
    """An id argument (<id:…>) is a 404 for everyone, before any check; any other is refused."""
    for rule in _rules_with_arguments(app):
        has_id = any(conv == "id" for conv, _ in ARGUMENT.findall(rule.rule))
        for value in BAD_IDS if has_id else BAD_IDS[:4]:
            url = ARGUMENT.sub(lambda m: urllib.parse.quote(value), rule.rule)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                for who in signed_in:
                    r = _call(signed_in, who, url, method)
                    where = (method, rule.rule, ascii(value[:12]), who, r.status_code)
                    if has_id:
                        assert r.status_code == 404, where
                    else:
                        assert _refused(signed_in, who, r), where


# --- Numbers in forms --------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["²", "٣", "2147483648", "99999999999", "9" * 5000], ids=lambda v: ascii(v[:12]))
def test_odd_numbers_in_forms_are_4xx(app, web, world, value):
    from toeleiding.extensions import db
    from toeleiding.organisations.models import Municipality
    with app.app_context():
        municipality = db.session.query(Municipality.id).filter_by(code="GM0375").scalar()
    admin = web("admin")
    posts = [
        ("/beheer/doelgroepdefinities", {"municipality": str(municipality), "name": "X",
                                         "valid_from": "2030-01-01", "min_age_months": value, "criteria": "a: b"}),
        ("/beheer/gebruikers", {"email": "nieuw@test.example", "name": "Nieuw", "role": "ve", "organisation": value}),
        ("/beheer/locaties", {"name": "X", "provider": value, "municipality": value, "lrk_number": "123456789012"}),
        ("/beheer/noodtoegang", {"case_id": value, "reason": "Een reden van voldoende lengte.", "minutes": value}),
    ]
    for url, data in posts:
        r = admin.post(url, data)
        assert 400 <= r.status_code < 500, (url, r.status_code)


def test_odd_numbers_in_a_transition_form_are_4xx(api, web, world):
    jgz = api("jgz")
    case = jgz.fire(jgz.register(), "indicate", criteria=["home_language"], indication_date="2026-01-05")
    case = jgz.fire(case, "refer", location_id=world.ids["loc"], consent=True, referral_date="2026-01-06")
    ve = web("ve")
    for value in ("²", "٣", "2147483648", "9" * 5000):
        r = ve.post(f"/dossiers/{case['id']}/acties/place", {"version": value, "start_date": "2026-01-07",
                                                             "hours_per_week": "16"})
        assert r.status_code in (409, 422), (ascii(value[:12]), r.status_code)
        r = ve.post(f"/dossiers/{case['id']}/acties/place", {"version": case["version"], "start_date": "2026-01-07",
                                                             "hours_per_week": value})
        assert r.status_code == 422, (ascii(value[:12]), r.status_code)
    assert api("ve").get(f"/cases/{case['id']}").json["state"] == "referred"   # nothing stored


@pytest.mark.parametrize("value", ["²²²²²²", "１２３４５６", "99999999²"], ids=lambda v: ascii(v[:12]))
def test_odd_digits_as_a_bsn_or_a_second_factor_code_are_refused(web, api, value):
    jgz = web("jgz")
    assert jgz.post("/zoeken", {"bsn": value}).status_code == 422
    jgz.post("/account/tweestapsverificatie", {"action": "propose"})
    assert jgz.post("/account/tweestapsverificatie", {"action": "confirm", "totp": value}).status_code == 422
    ve = api("ve")
    assert ve.post("/auth/totp/setup").status_code == 200
    r = ve.post("/auth/totp/confirm", {"totp": value})
    assert r.status_code == 422 and r.json["error"]["field"] == "totp"


# --- Deeply nested JSON --------------------------------------------------------------------------

DEEP = ["[" * 50_000, "[" * 900 + "]" * 900, '{"email": ' + "[" * 25 + "]" * 25 + "}"]


@pytest.mark.parametrize("body", DEEP, ids=["unclosed-50000", "closed-900", "nested-field-25"])
def test_deeply_nested_json_is_a_400_before_sign_in(client, body):
    r = client.post("/api/v1/auth/login", data=body, content_type="application/json")
    assert r.status_code == 400
    assert set(r.json["error"]) == {"code", "message", "field", "fields"} and r.json["error"]["code"] == "bad_request"
    assert "genest" in r.json["error"]["message"]


@pytest.mark.parametrize("body", DEEP, ids=["unclosed-50000", "closed-900", "nested-field-25"])
def test_deeply_nested_json_is_a_400_on_every_api_post(app, api, body):
    headers = api("jgz").headers
    for url in ("/api/v1/cases", "/api/v1/auth/totp/confirm", "/api/v1/monitor/recodings"):
        for h in (headers, {}):
            r = app.test_client().post(url, data=body, content_type="application/json", headers=h)
            assert r.status_code == 400 and r.json["error"]["code"] == "bad_request", (url, r.status_code)


def test_json_as_deep_as_the_api_needs_is_read(api):
    jgz = api("jgz")
    case = jgz.register()   # {"child": {…}, "parents": [{…}]}: three levels
    assert jgz.fire(case, "indicate", criteria=["home_language"], indication_date="2026-01-05")["state"] == "indicated"


def test_deeply_nested_json_or_brackets_on_a_page_are_4xx(web):
    anonymous = web()
    anonymous.get("/aanmelden")
    r = anonymous.client.post("/aanmelden", data="[" * 50_000, content_type="application/json",
                              headers={"X-CSRFToken": anonymous.token})   # past the CSRF check
    assert r.status_code == 400 and "genest" in text(r)
    # A form has no nesting: brackets are text, and this is just a failed sign-in.
    r = anonymous.post("/aanmelden", {"email": "[" * 20_000, "password": "[" * 20_000})
    assert r.status_code == 401


# --- Line breaks in a posted case id -----------------------------------------------------------

@pytest.mark.parametrize("case_id", ["x\r\nSet-Cookie: a=b", "\r\n", "00000000-0000-0000-0000-000000000000\r\nX: y"],
                         ids=lambda v: ascii(v[:12]))
def test_a_case_id_with_line_breaks_is_refused_not_a_500(web, case_id):
    cjg = web("cjg")
    # The meeting's note form answers a refusal by going back to the meeting with the error.
    r = cjg.post("/reminders/overleg/GM0375/notities", {"case_id": case_id, "text": "Afspraak"})
    assert r.status_code == 302 and r.location == "/reminders/overleg/GM0375", r.status_code
    assert "Dossier niet gevonden." in text(cjg.get(r.location))
    r = web("admin").post("/beheer/noodtoegang", {"case_id": case_id, "reason": "Een reden van voldoende lengte.",
                                                  "minutes": "30"})
    assert 400 <= r.status_code < 500, r.status_code
