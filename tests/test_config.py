"""Configuration is checked before anything runs; every refusal says which setting to fix and how."""
from __future__ import annotations

import base64
import multiprocessing
import os
import secrets
import stat
import subprocess
import sys

import pytest

from toeleiding import create_app
from toeleiding.config import ConfigError, load_config


def _key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


@pytest.fixture
def production() -> dict:
    """A complete production environment; each test takes one thing away or spoils it."""
    return {"TOELEIDING_ENV": "production", "DATABASE_URL": "postgresql://toeleiding@db.internal/toeleiding",
            "SECRET_KEY": secrets.token_urlsafe(48), "TOELEIDING_ENCRYPTION_KEYS": f"k1:{_key()}",
            "TOELEIDING_BLIND_INDEX_KEY": _key()}


def _refusal(tmp_path, env: dict) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(str(tmp_path), env)
    return info.value.message


def test_complete_production_settings_pass(tmp_path, production):
    config = load_config(str(tmp_path), production)
    assert config["ENV_NAME"] == "production" and not config["TESTING"]
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://toeleiding@db.internal/toeleiding"


def test_production_refuses_to_start_without_secret_key(tmp_path, production):
    del production["SECRET_KEY"]
    message = _refusal(tmp_path, production)
    assert "production needs SECRET_KEY of at least 32 random characters" in message
    assert "secrets.token_urlsafe" in message   # how to make one


def test_production_refuses_a_short_secret_key(tmp_path, production):
    production["SECRET_KEY"] = "geheim"
    assert "SECRET_KEY of at least 32" in _refusal(tmp_path, production)


def test_production_refuses_to_start_without_keys(tmp_path, production):
    del production["TOELEIDING_ENCRYPTION_KEYS"], production["TOELEIDING_BLIND_INDEX_KEY"]
    message = _refusal(tmp_path, production)
    assert "production needs encryption keys" in message
    assert "TOELEIDING_ENCRYPTION_KEYS" in message and "TOELEIDING_KEYS_FILE" in message


def test_encryption_keys_without_blind_index_key_are_refused(tmp_path, production):
    del production["TOELEIDING_BLIND_INDEX_KEY"]
    message = _refusal(tmp_path, production)
    assert "TOELEIDING_BLIND_INDEX_KEY" in message and "flask keys generate" in message


def test_production_with_a_keys_file_that_does_not_exist_does_not_start(tmp_path, production, monkeypatch):
    del production["TOELEIDING_ENCRYPTION_KEYS"], production["TOELEIDING_BLIND_INDEX_KEY"]
    missing = tmp_path / "secret" / "keys.json"
    for name, value in {**production, "TOELEIDING_KEYS_FILE": str(missing),
                        "TOELEIDING_INSTANCE_PATH": str(tmp_path / "instance")}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        create_app()
    assert f"keys file {missing} does not exist" in info.value.message
    assert not missing.exists()   # production never makes keys up by itself


@pytest.mark.parametrize("url", [None, "sqlite:////var/lib/toeleiding.db"])
def test_production_refuses_sqlite(tmp_path, production, url):
    if url is None:
        del production["DATABASE_URL"]   # the default is a SQLite file
    else:
        production["DATABASE_URL"] = url
    assert "production needs PostgreSQL: set DATABASE_URL=postgresql://" in _refusal(tmp_path, production)


def test_bad_database_url_scheme_is_named_without_the_password(tmp_path):
    message = _refusal(tmp_path, {"DATABASE_URL": "mysql://toeleiding:hunter2@db/toeleiding"})
    assert "DATABASE_URL must be a sqlite:/// or postgresql:// URL, not mysql:" in message
    assert "hunter2" not in message


def test_postgres_alias_is_accepted(tmp_path):
    config = load_config(str(tmp_path), {"DATABASE_URL": "postgres://u@h/d"})
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/d"


@pytest.mark.parametrize("name,value,problem", [
    ("TOELEIDING_PAGE_SIZE_MAX", "lots", "TOELEIDING_PAGE_SIZE_MAX='lots' is not a whole number"),
    ("TOELEIDING_API_TOKEN_HOURS", "1.5", "TOELEIDING_API_TOKEN_HOURS='1.5' is not a whole number"),
    ("TOELEIDING_MAX_REQUEST_BYTES", "0", "TOELEIDING_MAX_REQUEST_BYTES=0 must be at least 1"),
    ("TOELEIDING_SESSION_MAX_HOURS", "0", "TOELEIDING_SESSION_MAX_HOURS=0 must be at least 1"),
])
def test_bad_integer_setting(tmp_path, name, value, problem):
    assert problem in _refusal(tmp_path, {name: value})


@pytest.mark.parametrize("value", ["yes", "-1", "1.5", "11", "10.0.0.1"])
def test_trusted_proxies_must_be_a_count_of_hops(tmp_path, value):
    message = _refusal(tmp_path, {"TOELEIDING_TRUSTED_PROXIES": value})
    assert f"TOELEIDING_TRUSTED_PROXIES={value!r}" in message and "number of reverse proxies" in message


def test_trusted_proxies_default_to_none_and_take_a_count(tmp_path):
    assert load_config(str(tmp_path), {})["TRUSTED_PROXIES"] == 0
    assert load_config(str(tmp_path), {"TOELEIDING_TRUSTED_PROXIES": " 2 "})["TRUSTED_PROXIES"] == 2
    assert load_config(str(tmp_path), {})["SESSION_MAX_HOURS"] == 10


def test_unknown_environment_lists_the_choices(tmp_path):
    message = _refusal(tmp_path, {"TOELEIDING_ENV": "prod"})
    assert "TOELEIDING_ENV='prod'" in message and "development, testing, production" in message


def test_the_flask_command_prints_the_refusal_on_one_line(tmp_path, production):
    env = {**os.environ, **production, "TOELEIDING_INSTANCE_PATH": str(tmp_path)}
    del env["SECRET_KEY"]
    r = subprocess.run([sys.executable, "-m", "flask", "--app", "toeleiding", "routes"], cwd=tmp_path, env=env,
                       capture_output=True, text=True)
    assert r.returncode != 0
    assert r.stderr.strip().splitlines()[-1].startswith("Error: configuration: production needs SECRET_KEY")
    assert "Traceback" not in r.stderr


def test_development_makes_a_private_secret_key_once(tmp_path, monkeypatch, base_config):
    monkeypatch.setenv("TOELEIDING_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    config = {k: v for k, v in base_config.items() if k != "SECRET_KEY"}
    first = create_app(config)
    path = tmp_path / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first.config["SECRET_KEY"]) >= 32
    assert create_app(config).config["SECRET_KEY"] == first.config["SECRET_KEY"]   # kept across restarts


def _start_app_together(barrier, config, keys) -> None:
    """One process of the test below: imports done, waits for the others, then starts the app."""
    from toeleiding import create_app
    barrier.wait()
    keys.put(create_app(config).config["SECRET_KEY"])


def test_processes_starting_together_share_one_whole_secret_key(tmp_path, monkeypatch, base_config):
    """Several workers start at once on a fresh checkout: none may fail or read a half-written key.

    Processes, as in production (threads would also race in CPython 3.11's own parser)."""
    monkeypatch.setenv("TOELEIDING_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    config = {k: v for k, v in base_config.items() if k != "SECRET_KEY"}
    ctx = multiprocessing.get_context("spawn")
    barrier, keys = ctx.Barrier(6), ctx.Queue()
    procs = [ctx.Process(target=_start_app_together, args=(barrier, config, keys)) for _ in range(6)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    assert [p.exitcode for p in procs] == [0] * 6   # a process that crashed on start-up says so here
    found = [keys.get() for _ in range(6)]
    assert len(set(found)) == 1 and len(found[0]) >= 32
    assert sorted(p.name for p in tmp_path.iterdir() if "secret" in p.name) == ["secret_key"]   # no leftovers
