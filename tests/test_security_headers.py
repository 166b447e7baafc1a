"""Every answer carries the hardening headers; personal data is never cached; big bodies are refused."""
from __future__ import annotations


def test_api_answers_carry_strict_headers(client, api):
    r = api("jgz").get("/cases")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Cache-Control"] == "no-store"


def test_oversized_requests_are_refused_without_storing(app, api):
    jgz = api("jgz")
    big = {"municipality": "GM0375", "child": {"given_name": "x" * (300 * 1024)}}
    r = jgz.post("/cases", big)
    assert r.status_code == 413
    assert jgz.get("/cases").json["total"] == 0


def test_session_cookie_flags(app):
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_nul_characters_are_a_400_and_store_nothing(client, api, world):
    r = client.post("/api/v1/auth/login", json={"email": "a\x00@test.example", "password": "x"})
    assert r.status_code == 400 and r.json["error"]["code"] == "bad_request"
    jgz = api("jgz")
    r = jgz.post("/cases", {"municipality": "GM0375", "child": {"given_name": "Te\x00st"}})
    assert r.status_code == 400
    assert jgz.get("/cases?municipality=GM03\x0075").status_code == 400
    assert jgz.get("/cases").json["total"] == 0


def test_session_cookie_is_secure_in_production(base_config):
    from toeleiding import create_app
    app = create_app({**base_config, "ENV_NAME": "production"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() <= 12 * 3600


def test_api_tokens_are_stored_only_as_hashes(app, client, world):
    import sqlalchemy as sa
    from toeleiding.extensions import db
    token = client.post("/api/v1/auth/login", json={"email": world.emails["jgz"],
                                                    "password": "correct horse battery"}).json["token"]
    with app.app_context():
        stored = db.session.execute(sa.text("SELECT * FROM api_tokens")).all()
    assert len(stored) == 1 and token not in str(stored[0])
