"""Configuration from environment variables, checked before the app starts.

Every setting lives here with its default, so the README's table and this file are the one
place to look. A bad value raises ConfigError, which the flask CLI prints as a one-line error.
"""
from __future__ import annotations

import os
from pathlib import Path

import click

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("development", "testing", "production")


class ConfigError(click.ClickException):
    """A setting is missing or wrong; the message says which and how to fix it."""

    def __init__(self, message: str):
        super().__init__(f"configuration: {message}")


def _int(env: dict, name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ConfigError(f"{name}={value} must be at least {minimum}")
    return value


def _trusted_proxies(env: dict) -> int:
    """How many reverse proxies in front of the app append to X-Forwarded-For (0: none).

    Only that many hops are believed: with none configured a client could write any address
    into the header and so dodge the per-address throttle and falsify the audit log."""
    raw = (env.get("TOELEIDING_TRUSTED_PROXIES") or "").strip()
    if raw == "":
        return 0
    if not raw.isdigit() or int(raw) > 10:
        raise ConfigError(f"TOELEIDING_TRUSTED_PROXIES={raw!r}: give the number of reverse proxies in front "
                          "of the app as a whole number from 0 (none, the default) to 10")
    return int(raw)


def _reminder_settings(env: dict, environment: str) -> dict:
    """Reminders: the scheduler, its sweep, and the daily digest over SMTP (off without a host)."""
    flag = (env.get("TOELEIDING_RUN_SCHEDULER") or "").strip().lower()
    if flag not in ("", "0", "1", "true", "false", "yes", "no"):
        raise ConfigError(f"TOELEIDING_RUN_SCHEDULER={flag!r}; use 1 or 0")
    host = env.get("TOELEIDING_SMTP_HOST") or None
    if host and not env.get("TOELEIDING_SMTP_FROM"):
        raise ConfigError("TOELEIDING_SMTP_HOST is set: set TOELEIDING_SMTP_FROM (the digest's sender) too")
    hour = _int(env, "TOELEIDING_DIGEST_HOUR", 7, minimum=0)
    if hour > 23:
        raise ConfigError(f"TOELEIDING_DIGEST_HOUR={hour} must be an hour from 0 to 23")
    return {
        # The development server runs the scheduler itself unless told not to; production runs
        # `flask scheduler` as its own process.
        "RUN_SCHEDULER": flag in ("1", "true", "yes") or (flag == "" and environment == "development"),
        "REMINDER_INTERVAL_SECONDS": _int(env, "TOELEIDING_REMINDER_INTERVAL_SECONDS", 60),
        "REMINDER_BATCH_SIZE": _int(env, "TOELEIDING_REMINDER_BATCH_SIZE", 500),
        "SMTP_HOST": host,
        "SMTP_PORT": _int(env, "TOELEIDING_SMTP_PORT", 25),
        "SMTP_FROM": env.get("TOELEIDING_SMTP_FROM"),
        "SMTP_USER": env.get("TOELEIDING_SMTP_USER") or None,
        "SMTP_PASSWORD": env.get("TOELEIDING_SMTP_PASSWORD") or None,
        "SMTP_STARTTLS": (env.get("TOELEIDING_SMTP_STARTTLS") or "").lower() in ("1", "true", "yes"),
        "DIGEST_HOUR": hour,
        "BASE_URL": (env.get("TOELEIDING_BASE_URL") or "http://localhost:5000").rstrip("/"),
        **_push_settings(env),
    }


def _push_settings(env: dict) -> dict:
    """The monitor push (README: 'Data out'): how often, how many tries, which CA to trust."""
    ca_file = env.get("TOELEIDING_PUSH_CA_FILE") or None
    if ca_file and not Path(ca_file).is_file():
        raise ConfigError(f"TOELEIDING_PUSH_CA_FILE: no file at {ca_file} (a PEM bundle of the CAs that sign "
                          "the push endpoints' certificates; leave it unset for the system's own)")
    return {"PUSH_CA_FILE": ca_file,
            "PUSH_MAX_ATTEMPTS": _int(env, "TOELEIDING_PUSH_MAX_ATTEMPTS", 10, minimum=1),
            "PUSH_INTERVAL_SECONDS": _int(env, "TOELEIDING_PUSH_INTERVAL_SECONDS", 60, minimum=5)}


def load_config(instance_path: str, env: dict | None = None) -> dict:
    """Read and check the settings; returns a dict for ``app.config``."""
    env = dict(os.environ if env is None else env)
    environment = env.get("TOELEIDING_ENV", "development")
    if environment not in ENVIRONMENTS:
        raise ConfigError(f"TOELEIDING_ENV={environment!r}; use one of {', '.join(ENVIRONMENTS)}")
    production = environment == "production"

    database_url = env.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'toeleiding.db'}"
    if database_url.startswith("postgres://"):  # the Heroku-style alias SQLAlchemy refuses
        database_url = "postgresql://" + database_url[len("postgres://"):]
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    if not database_url.startswith(("sqlite:", "postgresql+psycopg:")):
        raise ConfigError(f"DATABASE_URL must be a sqlite:/// or postgresql:// URL, not {database_url.split(':')[0]}:")
    if production and database_url.startswith("sqlite:"):
        raise ConfigError("production needs PostgreSQL: set DATABASE_URL=postgresql://user@host/db")

    secret_key = env.get("SECRET_KEY")
    if production and (not secret_key or len(secret_key) < 32):
        raise ConfigError("production needs SECRET_KEY of at least 32 random characters "
                          "(python -c 'import secrets; print(secrets.token_urlsafe(48))')")

    workflow = Path(env.get("TOELEIDING_WORKFLOW", PROJECT_ROOT / "workflows" / "toeleiding.yaml"))
    if not workflow.is_file():
        raise ConfigError(f"TOELEIDING_WORKFLOW: no workflow file at {workflow}")

    keys_file = env.get("TOELEIDING_KEYS_FILE")
    if production and not keys_file and not env.get("TOELEIDING_ENCRYPTION_KEYS"):
        raise ConfigError("production needs encryption keys: set TOELEIDING_ENCRYPTION_KEYS and "
                          "TOELEIDING_BLIND_INDEX_KEY, or TOELEIDING_KEYS_FILE (see README, 'Keys')")
    if env.get("TOELEIDING_DECRYPT_KEYS") and not env.get("TOELEIDING_ENCRYPTION_KEYS"):
        # Decrypt-only keys are the first phase of a rotation; with a keys file that is an entry's
        # "decrypt_only": true, so a variable beside the file would be a second, conflicting list.
        raise ConfigError("TOELEIDING_DECRYPT_KEYS is only read beside TOELEIDING_ENCRYPTION_KEYS; with a keys "
                          'file mark the new key "decrypt_only": true there (flask keys add)')
    if env.get("TOELEIDING_ENCRYPTION_KEYS") and not env.get("TOELEIDING_BLIND_INDEX_KEY"):
        # Without this check the keyring's complaint ("blind index key must be 32 bytes, got 0")
        # would not say which setting is missing.
        raise ConfigError("TOELEIDING_ENCRYPTION_KEYS needs TOELEIDING_BLIND_INDEX_KEY as well: "
                          "a separate key, made with 'flask keys generate'")

    engine_options: dict = {}
    if database_url.startswith("postgresql"):
        engine_options = {"pool_pre_ping": True}

    return {
        "ENV_NAME": environment,
        "TESTING": environment == "testing",
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
        "WORKFLOW_FILE": str(workflow),
        "KEYS_FILE": keys_file or str(Path(instance_path) / "keys.json"),
        "KEYS_FILE_EXPLICIT": bool(keys_file),
        "ENCRYPTION_KEYS": env.get("TOELEIDING_ENCRYPTION_KEYS"),
        "DECRYPT_KEYS": env.get("TOELEIDING_DECRYPT_KEYS"),   # read, never used to encrypt (rotation phase 1)
        "BLIND_INDEX_KEY": env.get("TOELEIDING_BLIND_INDEX_KEY"),
        "API_TOKEN_HOURS": _int(env, "TOELEIDING_API_TOKEN_HOURS", 12),
        "PAGE_SIZE_MAX": _int(env, "TOELEIDING_PAGE_SIZE_MAX", 200),
        "IDLE_MINUTES": _int(env, "TOELEIDING_IDLE_MINUTES", 30),   # a web session ends after this long unused
        # Monitor counts from 1 to threshold-1 are published as "<threshold"; below 3 that says "1".
        "SUPPRESSION_THRESHOLD": _int(env, "TOELEIDING_SUPPRESSION_THRESHOLD", 10, minimum=3),
        "MAX_CONTENT_LENGTH": _int(env, "TOELEIDING_MAX_REQUEST_BYTES", 256 * 1024),
        "RETENTION_DAYS": _int(env, "TOELEIDING_RETENTION_DAYS", 730),
        "BREAK_GLASS_MINUTES": _int(env, "TOELEIDING_BREAK_GLASS_MINUTES", 60),
        "LOGIN_FAILURES_PER_ACCOUNT": _int(env, "TOELEIDING_LOGIN_FAILURES_PER_ACCOUNT", 6),
        "LOGIN_FAILURES_PER_ADDRESS": _int(env, "TOELEIDING_LOGIN_FAILURES_PER_ADDRESS", 30),
        # However long a user keeps working, a web session ends this many hours after sign-in.
        "SESSION_MAX_HOURS": _int(env, "TOELEIDING_SESSION_MAX_HOURS", 10),
        "TRUSTED_PROXIES": _trusted_proxies(env),
        "CLOCK_NOW": None,
        **_reminder_settings(env, environment),
    }
