"""Every form fed hypothesis-made input: never a 500, and a refused form stores nothing.

The forms are posted through the real sign-in and CSRF tokens. Generated values mix plausible
ones (dates, digits, real ids and codes) with arbitrary text, so both the services' checks and
the parsing in front of them are exercised.
"""
from __future__ import annotations

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toeleiding.extensions import db

from .factories import ApiClient, days_ago
from .web.conftest import WebClient

APPEND_ON_REFUSAL = {"access_log", "login_attempts"}
SETTINGS = settings(max_examples=30, deadline=None, database=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))

text = st.text(max_size=40)
digits = st.text(alphabet="0123456789", min_size=0, max_size=11)
dates = st.one_of(st.dates().map(str), st.just(days_ago(1)), st.just(days_ago(-400)), text)
ids = st.one_of(st.integers(min_value=-3, max_value=30).map(str), st.just(str(2**40)), text)
anything = st.one_of(text, digits, dates, ids)


def _fingerprint(app) -> dict:
    with app.app_context(), db.engine.connect() as conn:
        counts = {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar()
                  for t in db.metadata.sorted_tables if t.name not in APPEND_ON_REFUSAL}
        counts["versions"] = conn.execute(sa.text("SELECT COALESCE(SUM(version), 0) FROM cases")).scalar()
        counts["active_users"] = conn.execute(sa.text("SELECT count(*) FROM users WHERE active")).scalar()
        return counts


def _check(app, web, url, form):
    before = _fingerprint(app)
    response = web.post(url, form)
    assert response.status_code < 500, (url, form)
    if response.status_code not in (302, 303):
        assert _fingerprint(app) == before, f"{url} answered {response.status_code} but stored a change"
    return response.status_code


def test_registration_form(app, world):
    jgz = WebClient(app).sign_in(world.emails["jgz"])
    seen = set()

    @SETTINGS
    @given(municipality=st.one_of(st.just("GM0375"), st.just("GM0664"), text), given_name=text, family_name=text,
           bsn=st.one_of(digits, text, st.just("999999990")), birth_date=dates,
           postcode=st.one_of(st.just("1941 AB"), text), house_number=st.one_of(digits, text),
           parent_name=text, parent_phone=st.one_of(digits, text), parent_email=text)
    def run(municipality, given_name, family_name, bsn, birth_date, postcode, house_number,
            parent_name, parent_phone, parent_email):
        seen.add(_check(app, jgz, "/dossiers/nieuw", {
            "municipality": municipality, "given_name": given_name, "family_name": family_name, "bsn": bsn,
            "birth_date": birth_date, "postcode": postcode, "house_number": house_number,
            "parent0_name": parent_name, "parent0_phone": parent_phone, "parent0_email": parent_email}))
    run()
    assert 422 in seen   # the generator reached the validation, not just CSRF or sign-in


def test_transition_forms(app, client, world):
    api = ApiClient.sign_in(client, world.emails["jgz"])
    case = api.register()
    case = api.fire(case, "indicate", criteria=["home_language"], indication_date=days_ago(5))
    case = api.fire(case, "refer", location_id=world.ids["loc"], consent=True, referral_date=days_ago(4))
    ve = WebClient(app).sign_in(world.emails["ve"])
    seen = set()

    @SETTINGS
    @given(trigger=st.sampled_from(["place", "waitlist", "report_not_reached", "close", "teleport"]),
           version=st.one_of(st.just(str(case["version"])), ids), start_date=dates, hours=anything,
           location=st.one_of(st.just(str(world.ids["loc"])), st.just(str(world.ids["loc2"])), ids),
           reason=st.one_of(st.sampled_from(["other", "no_contact", "x"]), text), reason_text=text, date=dates)
    def run(trigger, version, start_date, hours, location, reason, reason_text, date):
        seen.add(_check(app, ve, f"/dossiers/{case['id']}/acties/{trigger}", {
            "version": version, "start_date": start_date, "hours_per_week": hours, "location_id": location,
            "reason": reason, "reason_text": reason_text, "date": date, "expected_start_date": start_date}))
    run()
    assert seen & {403, 409, 422}


def test_administration_forms(app, world):
    admin = WebClient(app).sign_in(world.emails["admin"])
    seen = set()

    @SETTINGS
    @given(form=st.sampled_from(["organisaties", "locaties", "gebruikers", "doelgroepdefinities"]),
           name=text, kind=st.one_of(st.sampled_from(["jgz", "cjg", "school", "ve_provider"]), text),
           municipality=ids, provider=ids, lrk=st.one_of(digits, text), email=st.one_of(st.emails(), text),
           role=st.one_of(st.sampled_from(["jgz", "ve", "admin"]), text), organisation=ids,
           valid_from=dates, valid_until=dates, min_age=st.one_of(st.sampled_from(["24", "30"]), anything),
           criteria=text)
    def run(form, name, kind, municipality, provider, lrk, email, role, organisation, valid_from, valid_until,
            min_age, criteria):
        seen.add(_check(app, admin, f"/beheer/{form}", {
            "name": name, "kind": kind, "municipalities": municipality, "municipality": municipality,
            "provider": provider, "lrk_number": lrk, "address": name, "email": email, "role": role,
            "organisation": organisation, "valid_from": valid_from, "valid_until": valid_until,
            "min_age_months": min_age, "criteria": criteria}))
    run()
    assert 422 in seen


def test_sign_in_form(app, world):
    @SETTINGS
    @given(email=st.one_of(st.just(world.emails["jgz"]), st.emails(), text), password=text, totp=anything)
    def run(email, password, totp):
        anon = WebClient(app)
        response = anon.post("/aanmelden", {"email": email, "password": password, "totp": totp})
        assert response.status_code < 500
    run()
