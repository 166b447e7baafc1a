"""Fixtures in the style of Flask's tutorial: app, client, runner, plus a database per session.

The database comes from DATABASE_URL (PostgreSQL in CI's second pass) or is a temporary
SQLite file. The schema is made once per session by the real migrations, and every test
starts from empty tables.
"""
from __future__ import annotations

import base64
import os
import secrets
import shutil
import socket

import pytest
import sqlalchemy as sa

from toeleiding import create_app
from toeleiding.extensions import db

from .factories import ApiClient, World, make_world

REQUIRE_POSTGRES = os.environ.get("TOELEIDING_REQUIRE_POSTGRES") == "1"


def _key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def is_postgres(database_url) -> bool:
    return database_url.startswith(("postgres", "postgresql"))


@pytest.fixture(scope="session")
def test_keys() -> dict:
    return {"ENCRYPTION_KEYS": f"t1:{_key()}", "BLIND_INDEX_KEY": _key()}


@pytest.fixture(scope="session")
def base_config(database_url, test_keys, tmp_path_factory) -> dict:
    from toeleiding.config import load_config
    instance = tmp_path_factory.mktemp("instance")
    cfg = load_config(str(instance), {**os.environ, "DATABASE_URL": database_url, "TOELEIDING_ENV": "testing"})
    return {
        "ENV_NAME": "testing", "TESTING": True, "SECRET_KEY": "test-" + "x" * 40,
        "SQLALCHEMY_DATABASE_URI": cfg["SQLALCHEMY_DATABASE_URI"], "ARGON2_FAST": True,
        "KEYS_FILE": str(instance / "keys.json"), **test_keys,
    }


@pytest.fixture(scope="session")
def migrated(base_config):
    """Run the real migrations once: from nothing to head (and on PostgreSQL, from a clean schema)."""
    app = create_app(base_config)
    with app.app_context():
        from flask_migrate import upgrade
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade(revision="heads")
        db.engine.dispose()
    if not base_config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # The access log refuses DELETE (a trigger), so SQLite tests start from a copy of the
        # freshly migrated file instead of emptying tables.
        path = base_config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
        shutil.copyfile(path, path + ".template")
    yield
    

def _empty_database(config: dict) -> None:
    url = config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        path = url.removeprefix("sqlite:///")
        shutil.copyfile(path + ".template", path)
        return
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        # The access log refuses TRUNCATE (migration h1). The harness connects as the tables'
        # owner, which may switch that trigger off for its own transaction: the application's
        # role in production owns nothing and cannot (README, "Audit log").
        conn.execute(sa.text("ALTER TABLE access_log DISABLE TRIGGER access_log_no_truncate"))
        conn.execute(sa.text("TRUNCATE " + ", ".join(t.name for t in db.metadata.sorted_tables)
                             + " RESTART IDENTITY CASCADE"))
        conn.execute(sa.text("ALTER TABLE access_log ENABLE TRIGGER access_log_no_truncate"))
    engine.dispose()


@pytest.fixture
def app(base_config, migrated):
    _empty_database(base_config)
    app = create_app(dict(base_config))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def ctx(app):
    """An application context for calling services directly."""
    with app.app_context():
        yield app
        db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def world(app) -> World:
    """Two regions with municipalities, definitions, providers, schools and a user per role."""
    with app.app_context():
        w = make_world()
        db.session.commit()
        return w


@pytest.fixture
def api(app, client, world):
    """``api('jgz')`` is an API client signed in as that world user (``'ve2'``, ``'jgz_bev'``, …)."""
    def sign_in(who: str) -> ApiClient:
        return ApiClient.sign_in(client, world.emails[who])
    return sign_in


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on a free loopback port: ``(handler, port)``; the mails
    it received are ``handler.messages``, a list of ``(recipients, raw message)``."""
    from aiosmtpd.controller import Controller

    class Collect:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
            return "250 OK"

    with socket.socket() as s:   # a free port on the loopback interface
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


# The database named here loses its schema: the run drops and rebuilds `public` (see the README).
POSTGRES_SKIP_REASON = ("needs PostgreSQL: run with DATABASE_URL=postgresql://postgres@127.0.0.1:5432/<scratch database>; "
                        "WARNING: the schema public of the database named there is dropped and rebuilt, so name one "
                        "that holds nothing you want to keep")


@pytest.fixture
def postgres(is_postgres):
    """For tests about PostgreSQL itself; CI's PostgreSQL pass may not skip them."""
    if not is_postgres:
        if REQUIRE_POSTGRES:
            pytest.fail("TOELEIDING_REQUIRE_POSTGRES=1 but DATABASE_URL is not PostgreSQL")
        pytest.skip(POSTGRES_SKIP_REASON)


def pytest_collection_modifyitems(config, items):
    # Tests about PostgreSQL itself carry the marker, so CI's SQLite pass can deselect them
    # (PYTEST_ADDOPTS=-m "not postgres") instead of reporting skips; its PostgreSQL pass runs them. Tests about
    # the SQLite file are deselected on a PostgreSQL run the same way: nothing in CI is skipped.
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))
    keep, dropped = [], []
    for item in items:
        if "postgres" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)
        (dropped if on_postgres and item.get_closest_marker("sqlite") else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
