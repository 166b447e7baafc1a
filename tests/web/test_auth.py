"""Signing in and out: CSRF on every form, a sign-out that ends every copy of the session, idle timeout, safe next."""
from __future__ import annotations

import datetime as dt

import pytest

from toeleiding.extensions import db

from ..factories import PASSWORD
from .conftest import WebClient, text


def test_sign_in_lands_on_the_work_list_and_admin_on_administration(web):
    assert web("jgz").get("/").location == "/werkvoorraad"
    assert web("admin").get("/").location == "/beheer"


def test_wrong_password_is_refused_without_saying_which_part(app, world):
    c = WebClient(app)
    c.get("/aanmelden")
    r = c.post("/aanmelden", {"email": world.emails["jgz"], "password": "wrong password!"})
    assert r.status_code == 401 and "Onbekende combinatie van e-mailadres en wachtwoord." in text(r)
    r2 = c.post("/aanmelden", {"email": "nobody@test.example", "password": "wrong password!"})
    assert r2.status_code == 401 and "Onbekende combinatie" in text(r2)
    assert c.get("/werkvoorraad").status_code == 302


def test_post_without_csrf_token_is_refused_and_changes_nothing(app, world):
    c = WebClient(app)
    r = c.post("/aanmelden", {"email": world.emails["jgz"], "password": PASSWORD}, csrf=False)
    assert r.status_code == 400 and "Het formulier is verlopen" in text(r)
    assert c.get("/werkvoorraad").status_code == 302   # not signed in
    signed_in = WebClient(app).sign_in(world.emails["jgz"])
    r = signed_in.post("/dossiers/nieuw", {"given_name": "X"}, csrf=False)
    assert r.status_code == 400
    r = signed_in.post("/afmelden", {"csrf_token": "forged"}, csrf=False)
    assert r.status_code == 400 and signed_in.get("/werkvoorraad").status_code == 200


def test_api_keeps_working_with_bearer_tokens_without_csrf(api):
    jgz = api("jgz")
    assert jgz.register()["state"] == "signalled"


def _session_cookie_only(app, web_client):
    """A client that carries nothing but a signed-in page session's cookie."""
    bare = app.test_client()
    bare.set_cookie("session", web_client.client.get_cookie("session").value)
    return bare


def test_api_does_not_accept_the_page_session_cookie(app, api, world):
    case = api("jgz").register()
    c = WebClient(app).sign_in(world.emails["jgz"])
    assert c.get("/werkvoorraad").status_code == 200   # the session itself is live
    for client in (c.client, _session_cookie_only(app, c)):
        r = client.get("/api/v1/cases")
        assert r.status_code == 401 and set(r.json["error"]) == {"code", "message", "field", "fields"}
        assert case["child"]["bsn"] not in r.get_data(as_text=True)
        r = client.get(f"/api/v1/cases/{case['id']}")
        assert r.status_code == 401 and case["child"]["bsn"] not in r.get_data(as_text=True)
        # Without a bearer token there is no CSRF check to stand in for: a cookie may change nothing.
        r = client.post("/api/v1/auth/totp/setup")
        assert r.status_code == 401 and r.json["error"]["code"] == "unauthorized"
    with app.app_context():
        from toeleiding.users.models import User
        assert db.session.query(User).filter_by(email=world.emails["jgz"]).one().totp_secret is None


def test_api_does_not_accept_a_timed_out_session_cookie(app, api, world):
    case = api("jgz").register()
    c = WebClient(app).sign_in(world.emails["jgz"])
    app.config["CLOCK_NOW"] = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=31)
    for r in (c.client.get("/api/v1/cases"), c.client.post("/api/v1/auth/totp/setup")):
        assert r.status_code == 401 and case["child"]["bsn"] not in r.get_data(as_text=True)
    app.config["CLOCK_NOW"] = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=11)   # past the maximum
    assert c.client.get("/api/v1/cases").status_code == 401


def test_a_bearer_token_is_the_api_user_even_beside_another_users_cookie(app, api, world):
    ve = api("ve")
    c = WebClient(app).sign_in(world.emails["jgz"])
    r = c.client.get("/api/v1/me", headers=ve.headers)
    assert r.status_code == 200 and r.json["email"] == world.emails["ve"]


def test_pages_do_not_accept_a_bearer_token(app, api):
    headers = api("jgz").headers
    r = app.test_client().get("/werkvoorraad", headers=headers)
    assert r.status_code == 302 and r.location.startswith("/aanmelden")


@pytest.mark.parametrize("target,expected", [
    ("/zoeken", "/zoeken"),
    ("/werkvoorraad?lijst=to_refer", "/werkvoorraad?lijst=to_refer"),
    ("https://evil.example/phish", "/werkvoorraad"),
    ("//evil.example/phish", "/werkvoorraad"),
    ("/\\\\evil.example", "/werkvoorraad"),
    ("javascript:alert(1)", "/werkvoorraad"),
    ("zoeken", "/werkvoorraad"),
])
def test_next_only_goes_to_this_site(app, world, target, expected):
    c = WebClient(app)
    c.get("/aanmelden")
    r = c.post("/aanmelden", {"email": world.emails["jgz"], "password": PASSWORD, "next": target})
    assert r.status_code == 302 and r.location == expected


def test_a_page_asked_for_before_sign_in_is_shown_after_it(app, world):
    c = WebClient(app)
    r = c.get("/zoeken?achternaam=Fictiefsma")
    assert r.status_code == 302 and r.location == "/aanmelden?next=/zoeken?achternaam%3DFictiefsma"
    c.get(r.location)
    r = c.post("/aanmelden", {"email": world.emails["jgz"], "password": PASSWORD, "next": "/zoeken?achternaam=Fictiefsma"})
    assert r.location == "/zoeken?achternaam=Fictiefsma"


def test_sign_out_ends_every_copy_of_the_session(app, world):
    c = WebClient(app).sign_in(world.emails["jgz"])
    stolen = app.test_client()
    stolen.set_cookie("session", c.client.get_cookie("session").value)
    assert stolen.get("/werkvoorraad").status_code == 200
    r = c.post("/afmelden")
    assert r.status_code == 302 and r.location == "/aanmelden"
    assert c.get("/werkvoorraad").status_code == 302
    assert stolen.get("/werkvoorraad").status_code == 302   # the copied cookie is dead too


def test_idle_session_ends_and_activity_keeps_it(app, world):
    c = WebClient(app).sign_in(world.emails["jgz"])
    start = dt.datetime.now(dt.timezone.utc)
    app.config["CLOCK_NOW"] = start + dt.timedelta(minutes=25)
    assert c.get("/werkvoorraad").status_code == 200
    app.config["CLOCK_NOW"] = start + dt.timedelta(minutes=50)   # 25 minutes after the last request
    assert c.get("/werkvoorraad").status_code == 200
    app.config["CLOCK_NOW"] = start + dt.timedelta(minutes=81)
    r = c.get("/werkvoorraad")
    assert r.status_code == 302 and r.location.startswith("/aanmelden?next=/werkvoorraad")
    assert "30 minuten" in text(c.get(r.location))
    assert c.get("/werkvoorraad").status_code == 302


def test_deactivated_user_is_signed_out_at_once(app, web, world):
    jgz, admin = web("jgz"), web("admin")
    from toeleiding.users.models import User
    with app.app_context():
        uid = db.session.query(User.id).filter_by(email=world.emails["jgz"]).scalar()
    assert admin.post(f"/beheer/gebruikers/{uid}/deactiveren").status_code == 302
    assert jgz.get("/werkvoorraad").status_code == 302
    c = WebClient(app)
    c.get("/aanmelden")
    assert c.post("/aanmelden", {"email": world.emails["jgz"], "password": PASSWORD}).status_code == 401


def test_password_reset_link_works_once_and_ends_the_old_password(app, web, world, smtp_server):
    import email
    import email.policy
    from toeleiding.users.models import User
    handler, port = smtp_server
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_FROM="toeleiding@test.example",
                      BASE_URL="http://localhost")
    with app.app_context():
        uid = db.session.query(User.id).filter_by(email=world.emails["ve"]).scalar()
    ve = web("ve")
    r = web("admin").post(f"/beheer/gebruikers/{uid}/wachtwoord")
    assert r.status_code == 302
    (_, raw), = handler.messages            # the link reaches the user by e-mail only
    body = email.message_from_string(raw, policy=email.policy.default).get_body(("plain",)).get_content()
    path = next(word for word in body.split() if "/wachtwoord/" in word).replace("http://localhost", "")
    assert ve.get("/werkvoorraad").status_code == 302           # sessions ended
    c = WebClient(app)
    c.get("/aanmelden")
    assert c.post("/aanmelden", {"email": world.emails["ve"], "password": PASSWORD}).status_code == 401
    assert c.get(path).status_code == 200
    r = c.post(path, {"password": "kort", "repeat": "kort"})
    assert r.status_code == 422 and "minstens 12 tekens" in text(r)
    r = c.post(path, {"password": "een nieuw lang wachtwoord", "repeat": "iets anders dan dat"})
    assert r.status_code == 422 and "niet gelijk" in text(r)
    r = c.post(path, {"password": "een nieuw lang wachtwoord", "repeat": "een nieuw lang wachtwoord"})
    assert r.status_code == 302 and r.location == "/aanmelden"
    assert c.get(path).status_code == 404                        # used once
    c.get("/aanmelden")
    assert c.post("/aanmelden", {"email": world.emails["ve"], "password": "een nieuw lang wachtwoord"}).status_code == 302


def test_forged_or_tampered_password_link_is_refused(web):
    c = web()
    assert c.get("/wachtwoord/not-a-token").status_code == 404


def test_second_factor_is_asked_after_the_password(app, web, world):
    import pyotp
    c = web("jgz")
    r = c.post("/account/tweestapsverificatie", {"action": "propose"})
    secret = r.get_data(as_text=True).split('<code id="secret">')[1].split("<")[0]
    r = c.post("/account/tweestapsverificatie", {"action": "confirm", "totp": "000000"})
    assert r.status_code == 422
    assert c.post("/account/tweestapsverificatie", {"action": "confirm", "totp": pyotp.TOTP(secret).now()}).status_code == 302
    fresh = WebClient(app)
    fresh.get("/aanmelden")
    r = fresh.post("/aanmelden", {"email": world.emails["jgz"], "password": PASSWORD})
    assert r.status_code == 200 and 'name="totp"' in r.get_data(as_text=True)
    assert fresh.get("/werkvoorraad").status_code == 302          # not signed in yet
    r = fresh.post("/aanmelden", {"totp": "123"})
    assert r.status_code == 401 and "De code klopt niet." in text(r)
    # The next 30-second code: the one that confirmed the enrolment is spent (see below).
    r = fresh.post("/aanmelden", {"totp": pyotp.TOTP(secret).at(dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=30))})
    assert r.status_code == 302 and fresh.get("/werkvoorraad").status_code == 200


def test_guessing_second_factor_codes_is_throttled_like_passwords(app, web, world):
    import pyotp
    c = web("jgz")
    r = c.post("/account/tweestapsverificatie", {"action": "propose"})
    secret = r.get_data(as_text=True).split('<code id="secret">')[1].split("<")[0]
    assert c.post("/account/tweestapsverificatie", {"action": "confirm", "totp": pyotp.TOTP(secret).now()}).status_code == 302
    fresh = WebClient(app)
    fresh.get("/aanmelden")
    assert fresh.post("/aanmelden", {"email": world.emails["jgz"], "password": PASSWORD}).status_code == 200
    limit = app.config["LOGIN_FAILURES_PER_ACCOUNT"]
    answers = [fresh.post("/aanmelden", {"totp": "000000"}).status_code for _ in range(limit + 1)]
    assert answers == [401] * limit + [429]
    # Even the right code waits out the window now: the limit is on the account, not the guess.
    later = pyotp.TOTP(secret).at(dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=30))
    r = fresh.post("/aanmelden", {"totp": later})
    assert r.status_code == 429 and "Te veel mislukte pogingen" in text(r)
    assert fresh.get("/werkvoorraad").status_code == 302


def test_admin_must_enrol_second_factor_in_production(app, web):
    admin = web("admin")
    app.config["ENV_NAME"] = "production"
    r = admin.get("/beheer")
    assert r.status_code == 302 and r.location == "/account/tweestapsverificatie"
    assert admin.get("/account/tweestapsverificatie").status_code == 200


def test_english_on_request_dutch_by_default(web):
    c = web("jgz")
    r = c.get("/werkvoorraad")
    page = r.get_data(as_text=True)
    assert '<html lang="nl">' in page and "Werkvoorraad" in text(r)
    # The switch is a form (POST with the CSRF token) in the header, so it works without JavaScript.
    assert 'action="/taal/en"' in page and 'name="next" value="/werkvoorraad"' in page
    assert c.post("/taal/en", {"next": "/werkvoorraad"}).location == "/werkvoorraad"
    r = c.get("/werkvoorraad")
    assert '<html lang="en">' in r.get_data(as_text=True)
    assert "Work list" in text(r) and "Sign out" in text(r)
    assert c.post("/taal/nl", {"next": "https://evil.example"}).location == "/"
    assert c.post("/taal/xx").status_code == 404


def test_language_is_not_changed_by_a_get_or_a_forged_post(web):
    c = web("jgz")
    assert c.get("/taal/en?next=/werkvoorraad").status_code == 405
    assert c.post("/taal/en", {"next": "/werkvoorraad"}, csrf=False).status_code == 400
    assert '<html lang="nl">' in c.get("/werkvoorraad").get_data(as_text=True)


def test_session_ends_a_working_day_after_sign_in_however_busy(app, world):
    app.config["SESSION_MAX_HOURS"] = 10
    start = dt.datetime.now(dt.timezone.utc)
    app.config["CLOCK_NOW"] = start
    c = WebClient(app).sign_in(world.emails["jgz"])
    for minutes in range(20, 600, 20):          # a request every 20 minutes: never idle
        app.config["CLOCK_NOW"] = start + dt.timedelta(minutes=minutes)
        assert c.get("/werkvoorraad").status_code == 200, minutes
    app.config["CLOCK_NOW"] = start + dt.timedelta(hours=10, minutes=1)
    r = c.get("/werkvoorraad")
    assert r.status_code == 302 and r.location.startswith("/aanmelden?next=/werkvoorraad")
    assert "langer dan 10 uur" in text(c.get(r.location))
    assert c.get("/werkvoorraad").status_code == 302
    assert WebClient(app).sign_in(world.emails["jgz"]).get("/werkvoorraad").status_code == 200   # a new day


def test_a_second_factor_code_signs_in_once(app, web, world):
    import pyotp
    c = web("jgz")
    secret = c.post("/account/tweestapsverificatie", {"action": "propose"}).get_data(as_text=True) \
        .split('<code id="secret">')[1].split("<")[0]
    otp = pyotp.TOTP(secret)
    start = dt.datetime.now(dt.timezone.utc)
    app.config["CLOCK_NOW"] = start
    assert c.post("/account/tweestapsverificatie", {"action": "confirm", "totp": otp.at(start)}).status_code == 302

    def sign_in(code, at):
        app.config["CLOCK_NOW"] = at
        fresh = WebClient(app)
        fresh.get("/aanmelden")
        assert fresh.post("/aanmelden", {"email": world.emails["jgz"], "password": PASSWORD}).status_code == 200
        return fresh.post("/aanmelden", {"totp": code})

    # The code that confirmed the enrolment is spent; so is every earlier one.
    r = sign_in(otp.at(start), start + dt.timedelta(seconds=5))
    assert r.status_code == 401 and "De code klopt niet." in text(r)
    later = start + dt.timedelta(seconds=60)
    assert sign_in(otp.at(later), later).status_code == 302
    r = sign_in(otp.at(later), later + dt.timedelta(seconds=10))   # the same code again, still in its window
    assert r.status_code == 401 and "De code klopt niet." in text(r)
    assert sign_in(otp.at(later + dt.timedelta(seconds=30)), later + dt.timedelta(seconds=30)).status_code == 302
