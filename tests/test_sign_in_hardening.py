"""Sign-in throttling under parallel guessing, the client address behind proxies, and the purge
of old attempts (issue 6)."""
from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from toeleiding import clock, create_app
from toeleiding.audit.models import AccessLogEntry
from toeleiding.extensions import db
from toeleiding.users import throttle
from toeleiding.users.models import LoginAttempt

from .factories import PASSWORD, ApiClient

LOGIN = "/api/v1/auth/login"


def test_parallel_wrong_passwords_are_all_counted_and_none_fails(app, world, postgres):
    # Twenty guesses at once, each request on its own thread and pooled connection: every
    # attempt is committed before it is counted, so at most the limit (6) reach the password
    # check, and no request waits on a second connection of its own (the pool used to run dry).
    email, n = world.emails["cjg"], 20
    start = threading.Barrier(n)

    def guess(_):
        client = app.test_client()
        start.wait()
        return client.post(LOGIN, json={"email": email, "password": "wrong password"}).status_code

    with ThreadPoolExecutor(n) as pool:
        codes = list(pool.map(guess, range(n)))
    assert set(codes) <= {401, 429}, codes
    assert codes.count(401) <= 6, codes   # all may be refused: every row is in before any count
    client = app.test_client()
    assert client.post(LOGIN, json={"email": email, "password": PASSWORD}).status_code == 429   # still locked
    assert client.post(LOGIN, json={"email": world.emails["ve"], "password": PASSWORD}).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == n + 2


def test_the_right_password_after_wrong_ones_still_signs_in(client, world):
    email = world.emails["jgz"]
    for _ in range(5):
        assert client.post(LOGIN, json={"email": email, "password": "wrong"}).status_code == 401
    assert client.post(LOGIN, json={"email": email, "password": PASSWORD}).status_code == 200
    # The success does not count against the limit: one more failure is the sixth, not the seventh.
    assert client.post(LOGIN, json={"email": email, "password": "wrong"}).status_code == 401
    assert client.post(LOGIN, json={"email": email, "password": "wrong"}).status_code == 429


def test_a_wrong_second_factor_code_counts_once(app, api, world):
    import pyotp
    admin = api("admin")
    secret = pyotp.parse_uri(admin.post("/auth/totp/setup").json["otpauth_uri"]).secret
    assert admin.post("/auth/totp/confirm", {"totp": pyotp.TOTP(secret).now()}).status_code == 200
    r = app.test_client().post(LOGIN, json={"email": world.emails["admin"], "password": PASSWORD, "totp": "000000"})
    assert r.status_code == 403
    with app.app_context():
        rows = db.session.scalars(select(LoginAttempt).where(
            LoginAttempt.account == throttle.account_key(world.emails["admin"])).order_by(LoginAttempt.id)).all()
        # The sign-in that enrolled (a success), then this one attempt, failed because of the code.
        assert [r.success for r in rows] == [True, False]


@pytest.fixture(params=[0, 1], ids=["no proxy", "one proxy"])
def proxied(app, base_config, request):
    """The app as started with TOELEIDING_TRUSTED_PROXIES=0 or 1, on the test's database."""
    proxied = create_app({**base_config, "TRUSTED_PROXIES": request.param, "LOGIN_FAILURES_PER_ADDRESS": 3})
    yield proxied
    with proxied.app_context():
        db.session.remove()
        db.engine.dispose()


def test_forwarded_address_is_used_only_behind_configured_proxies(proxied, world):
    hops = proxied.config["TRUSTED_PROXIES"]
    client = proxied.test_client()
    proxy, alice, bob = "10.0.0.1", "203.0.113.7", "198.51.100.9"
    client.environ_base["REMOTE_ADDR"] = proxy   # every request reaches the app through the proxy

    def login(forwarded_for, email, password="wrong"):
        return client.post(LOGIN, json={"email": email, "password": password},
                           headers={"X-Forwarded-For": forwarded_for})

    # The audit log's address: the client's behind a trusted proxy, else the peer's. With one
    # proxy only its own entry (the last) is believed: "bob" here was written by the client.
    jgz = ApiClient(client, login(alice, world.emails["jgz"], PASSWORD).json["token"])
    jgz.headers["X-Forwarded-For"] = f"{bob}, {alice}"
    jgz.register()
    with proxied.app_context():
        logged = db.session.scalars(select(AccessLogEntry.ip)).all()
    assert logged and set(logged) == {alice if hops else proxy}

    # Per-address throttle (3 here): three accounts guessed from one address, then a fourth try.
    for who in ("ve", "cjg", "gemeente"):
        assert login(alice, world.emails[who]).status_code == 401
    assert login(alice, world.emails["ve2"]).status_code == 429
    # Another client behind the same proxy is counted apart only when the proxy is trusted.
    assert login(bob, world.emails["ve2"]).status_code == (401 if hops else 429)
    with proxied.app_context():
        ips = set(db.session.scalars(select(LoginAttempt.ip)))
    assert ips == ({alice, bob} if hops else {proxy})


def test_purge_deletes_attempts_older_than_the_window_only(app, client, world):
    start = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=2)
    for age in (dt.timedelta(0), dt.timedelta(days=1), dt.timedelta(days=2) - dt.timedelta(seconds=30)):
        app.config["CLOCK_NOW"] = start + age
        assert client.post(LOGIN, json={"email": world.emails["jgz"], "password": "wrong"}).status_code == 401
    app.config["CLOCK_NOW"] = None
    with app.app_context():
        assert throttle.purge() == 2
        db.session.commit()
        left = db.session.scalars(select(LoginAttempt.at)).all()
        assert len(left) == 1 and left[0] > clock.now() - throttle.WINDOW


def test_a_second_factor_code_is_accepted_once_by_the_api(app, api, world):
    import pyotp
    admin = api("admin")
    otp = pyotp.TOTP(pyotp.parse_uri(admin.post("/auth/totp/setup").json["otpauth_uri"]).secret)
    now = dt.datetime.now(dt.timezone.utc)
    app.config["CLOCK_NOW"] = now
    assert admin.post("/auth/totp/confirm", {"totp": otp.at(now)}).status_code == 200
    client, body = app.test_client(), {"email": world.emails["admin"], "password": PASSWORD}
    assert client.post(LOGIN, json={**body, "totp": otp.at(now)}).status_code == 403       # spent on enrolment
    later = now + dt.timedelta(seconds=30)
    assert client.post(LOGIN, json={**body, "totp": otp.at(later)}).status_code == 200
    r = client.post(LOGIN, json={**body, "totp": otp.at(later)})                            # replayed
    assert r.status_code == 403 and r.json["error"]["field"] == "totp"


def test_the_nightly_retention_job_purges_old_sign_in_attempts(app, client, world):
    from toeleiding.privacy.commands import run_retention
    app.config["CLOCK_NOW"] = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)
    assert client.post(LOGIN, json={"email": world.emails["jgz"], "password": "wrong"}).status_code == 401
    app.config["CLOCK_NOW"] = None
    assert client.post(LOGIN, json={"email": world.emails["ve"], "password": "wrong"}).status_code == 401
    run_retention(app)   # as the scheduler does, in its own thread
    with app.app_context():
        assert len(db.session.scalars(select(LoginAttempt.at)).all()) == 1
