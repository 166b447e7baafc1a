"""Every page of the web blueprints, for every role: allowed and refused.

The list of pages comes from the app's URL map, so a new page without an expected answer here
fails ``test_every_page_has_expectations``.
"""
from __future__ import annotations

import pytest

from toeleiding.extensions import db

from ..factories import ApiClient, days_ago

ROLES = ("anon", "jgz", "ve", "cjg", "gemeente", "admin")
BLUEPRINTS = ("web", "cases", "admin")


def _all(status):
    return {r: status for r in ROLES}


def _signed_in(status, anon=302):
    return {"anon": anon, **{r: status for r in ROLES[1:]}}


# endpoint -> (method, url template, {role: status}); {case}, {location}, {user}, {token} are filled in.
EXPECTED = {
    "web.index": ("GET", "/", _all(302)),
    "web.login": ("GET", "/aanmelden", {"anon": 200, **{r: 302 for r in ROLES[1:]}}),
    "web.logout": ("POST", "/afmelden", _all(302)),
    "web.set_password": ("GET", "/wachtwoord/{token}", _all(200)),
    "web.language": ("GET", "/taal/en", _all(302)),
    "web.two_factor": ("GET", "/account/tweestapsverificatie", _signed_in(200)),
    "web.worklist": ("GET", "/werkvoorraad", {"anon": 302, "jgz": 200, "ve": 200, "cjg": 200, "gemeente": 200, "admin": 302}),
    "web.search": ("GET", "/zoeken", {"anon": 302, "jgz": 200, "ve": 200, "cjg": 200, "gemeente": 403, "admin": 403}),
    "web.public_index": ("GET", "/ve", _all(200)),
    "web.public_municipality": ("GET", "/ve/GM0375", _all(200)),
    "cases.register": ("GET", "/dossiers/nieuw", {"anon": 302, "jgz": 200, "ve": 403, "cjg": 403, "gemeente": 403, "admin": 403}),
    "cases.show": ("GET", "/dossiers/{case}", {"anon": 302, "jgz": 200, "ve": 200, "cjg": 404, "gemeente": 403, "admin": 404}),
    # An empty "place" form: the provider is told what is missing, JGZ that its role may not.
    "cases.act": ("POST", "/dossiers/{case}/acties/place", {"anon": 302, "jgz": 403, "ve": 422, "cjg": 404, "gemeente": 403, "admin": 403}),
    "admin.index": ("GET", "/beheer", {**_signed_in(403), "admin": 200}),
    "admin.organisations": ("GET", "/beheer/organisaties", {**_signed_in(403), "admin": 200}),
    "admin.locations": ("GET", "/beheer/locaties", {**_signed_in(403), "admin": 200}),
    "admin.location": ("GET", "/beheer/locaties/{location}", {**_signed_in(403), "admin": 200}),
    "admin.users": ("GET", "/beheer/gebruikers", {**_signed_in(403), "admin": 200}),
    "admin.user_deactivate": ("POST", "/beheer/gebruikers/{user}/deactiveren", {**_signed_in(403), "admin": 302}),
    "admin.user_activate": ("POST", "/beheer/gebruikers/{user}/activeren", {**_signed_in(403), "admin": 302}),
    "admin.user_reset": ("POST", "/beheer/gebruikers/{user}/wachtwoord", {**_signed_in(403), "admin": 200}),
    "admin.definitions": ("GET", "/beheer/doelgroepdefinities", {**_signed_in(403), "admin": 200}),
    "admin.workflow": ("GET", "/beheer/werkstroom", {**_signed_in(403), "admin": 200}),
}


def test_every_page_has_expectations(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.split(".")[0] in BLUEPRINTS}
    assert endpoints == set(EXPECTED), "add the new page to EXPECTED with an answer for every role"


@pytest.fixture
def targets(app, client, world):
    """A referred case (the provider 've' sees it), a location, a user and a set-password token."""
    jgz = ApiClient.sign_in(client, world.emails["jgz"])
    case = jgz.register()
    case = jgz.fire(case, "indicate", criteria=["home_language"], indication_date=days_ago(10))
    case = jgz.fire(case, "refer", location_id=world.ids["loc"], consent=True, referral_date=days_ago(5))
    with app.app_context():
        from toeleiding.users.models import User
        from toeleiding.users.operations import password_link_token
        from sqlalchemy import select
        target = db.session.scalar(select(User).where(User.email == world.emails["ve2"]))
        return {"case": case["id"], "version": case["version"], "location": world.ids["loc"], "user": target.id,
                "token": password_link_token(target)}


@pytest.mark.parametrize("endpoint", sorted(EXPECTED))
def test_page_answers_each_role(web, targets, endpoint):
    method, template, expected = EXPECTED[endpoint]
    url = template.format(**targets)
    answers = {}
    for role in ROLES:   # a fresh session per role; the world is made once per page
        c = web(None if role == "anon" else role)
        r = c.get(url) if method == "GET" else c.post(url, {"version": str(targets["version"])})
        answers[role] = r.status_code
        if r.status_code == 302 and role == "anon" and endpoint not in ("web.index", "web.logout", "web.language"):
            assert r.location.startswith("/aanmelden?next="), r.location
        if r.status_code in (403, 404):
            body = r.get_data(as_text=True)
            assert "Traceback" not in body and "<main" in body   # a page, not a bare error
        if endpoint == "admin.user_deactivate" and role == "admin":
            c.post(f"/beheer/gebruikers/{targets['user']}/activeren")   # the next role finds it as before
    assert answers == expected
