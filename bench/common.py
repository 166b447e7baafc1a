"""What the benchmarks share: a throw-away app on a fresh database, the demo-like world, progress.

Nothing here is timed. The database is emptied and migrated from scratch, so never point a
benchmark at a database whose data you want to keep.
"""
from __future__ import annotations

import base64
import datetime as dt
import os
import secrets
import sys
import tempfile
import time
from dataclasses import dataclass, field

import sqlalchemy as sa

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test_bench"


def key() -> str:
    """A fresh random 32-byte key, base64 as the keyring reads it."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


_key = key


def make_app(database_url: str, **overrides):
    """The app as it runs for real (not TESTING), on ``database_url``, with fresh random keys.

    Every benchmark builds its app here; ``overrides`` are extra config for one of them."""
    # Imported here so `--help` works without the app, and the instance folder is a temporary one.
    os.environ.setdefault("TOELEIDING_INSTANCE_PATH", tempfile.mkdtemp(prefix="toeleiding-bench-"))
    from toeleiding import create_app
    from toeleiding.config import load_config

    cfg = load_config(os.environ["TOELEIDING_INSTANCE_PATH"], {"DATABASE_URL": database_url})
    return create_app({
        "ENV_NAME": "development", "TESTING": False, "SECRET_KEY": secrets.token_urlsafe(48),
        "SQLALCHEMY_DATABASE_URI": cfg["SQLALCHEMY_DATABASE_URI"],
        "SQLALCHEMY_ENGINE_OPTIONS": cfg["SQLALCHEMY_ENGINE_OPTIONS"],
        "ENCRYPTION_KEYS": f"b1:{_key()}", "BLIND_INDEX_KEY": _key(),
        # Only sign-in hashes passwords, and sign-in is not measured.
        "ARGON2_FAST": True,
        # Benchmarks drive the sweep themselves: no scheduler thread in their process.
        "RUN_SCHEDULER": False,
        **overrides,
    })


def ensure_pg_database(url: str) -> None:
    """Create the throw-away PostgreSQL database of a benchmark if it is not there yet.

    Called before anything is measured, so an unreachable server stops the run at once with
    the connection's own message, not after the SQLite half has run."""
    base, name = url.rsplit("/", 1)
    engine = sa.create_engine(base.replace("postgresql://", "postgresql+psycopg://") + "/postgres",
                              isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        sys.exit(f"PostgreSQL at {base} is not reachable ({exc.orig}); start it or pass another URL")
    finally:
        engine.dispose()


def fresh_schema(app) -> None:
    """Drop everything and run the real migrations, as the test suite does."""
    from flask_migrate import upgrade

    from toeleiding.extensions import db
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade(revision="heads")
        db.engine.dispose()


def bsns():
    """Fictitious BSNs (starting with 9) that pass the elfproef, each different."""
    from toeleiding.demo.commands import fictitious_bsns
    return fictitious_bsns(1)


@dataclass
class World:
    """The ids a benchmark needs from the demo-like world of IJmond."""
    user_ids: dict[str, int] = field(default_factory=dict)     # "jgz", "ve"
    emails: dict[str, str] = field(default_factory=dict)
    municipality: str = "GM0375"
    location_id: int = 0
    school_id: int = 0


def load_world() -> World:
    """Both demo regions (organisations, locations, schools, users with password 'demo'), no children."""
    from sqlalchemy import select

    from toeleiding.demo.commands import load_region
    from toeleiding.demo.data import REGIONS
    from toeleiding.extensions import db
    from toeleiding.organisations.models import Location, Municipality, Organisation

    users = {}
    for slug, spec in REGIONS.items():
        users[slug] = load_region(slug, spec)
    db.session.commit()
    w = World()
    for role in ("jgz", "ve"):
        w.user_ids[role], w.emails[role] = users["ijmond"][role].id, users["ijmond"][role].email
    municipality = db.session.scalar(select(Municipality).where(Municipality.code == w.municipality))
    ve_org = users["ijmond"]["ve"].organisation_id
    w.location_id = db.session.scalar(select(Location.id).where(
        Location.municipality_id == municipality.id, Location.provider_id == ve_org).order_by(Location.id))
    w.school_id = db.session.scalar(select(Organisation.id).where(
        Organisation.kind == "school", Organisation.municipalities.contains(municipality)))
    return w


def register_cases(world: World, count: int, bsn_source, batch: int = 200, progress=None) -> list[tuple]:
    """``count`` new cases through the service; returns (id, birth_date) of each."""
    from toeleiding import clock
    from toeleiding.cases.operations import register_case
    from toeleiding.extensions import db
    from toeleiding.users.models import User

    out = []
    today = clock.today()
    for start in range(0, count, batch):
        jgz = db.session.get(User, world.user_ids["jgz"])
        for i in range(start, min(count, start + batch)):
            # About three years old: old enough to be placed everywhere, young enough to stay under 4.
            # One birth date for all, so the rows of different paths can be compared one to one.
            birth = today - dt.timedelta(days=1100)
            case = register_case(jgz, world.municipality, {
                "given_name": "Benchkind", "family_name": f"Fictief{i}", "bsn": next(bsn_source),
                "birth_date": birth.isoformat(), "postcode": "1941 AB", "house_number": str(1 + i % 300)},
                [{"name": "Ouder Fictief", "phone": "0612345678"}])
            out.append((case.id, birth))
        db.session.commit()
        if progress:
            progress(len(out))
    return out


class Progress:
    """A progress line on stderr: rewritten in place on a terminal, every few seconds otherwise."""

    def __init__(self, label: str, total: int, every: float = 2.0):
        self.label, self.total, self.every = label, total, every
        self.tty = sys.stderr.isatty()
        self.started = self.last = time.perf_counter()

    def __call__(self, done: int) -> None:
        now = time.perf_counter()
        if done < self.total and now - self.last < (0.2 if self.tty else self.every):
            return
        self.last = now
        rate = done / (now - self.started) if now > self.started else 0.0
        line = f"  {self.label}: {done}/{self.total} ({rate:,.0f}/s)"
        if self.tty:
            sys.stderr.write("\r" + line.ljust(70) + ("\n" if done >= self.total else ""))
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()
