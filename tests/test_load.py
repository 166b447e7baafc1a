"""The API under load: gunicorn workers on PostgreSQL, 50 concurrent users, a bounded run.

Runs bench/loadtest.py (which the README's figures come from) in a short form and asserts what
must hold under any load: no failed request, no lost and no duplicated transition. Latency is
reported by the script, never asserted (shared machines are noisy).
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent


def _database_beside(url: str, name: str) -> str:
    """A database of its own next to the suite's: the load test rebuilds its schema."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.rsplit("/", 1)[0] + "/" + name


def test_fifty_users_lose_and_double_no_transition(postgres, database_url):
    url = _database_beside(database_url.replace("postgresql+psycopg://", "postgresql://", 1), "toeleiding_load")
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "loadtest.py"), "--users", "50", "--seconds", "20",
                          "--cases", "800", "--workers", "3", "--pg-url", url],
                         capture_output=True, text=True, cwd=ROOT, timeout=600)
    report = run.stdout[-3000:]
    assert run.returncode == 0, report + run.stderr[-3000:]
    assert "duplicated transitions: 0" in report and "PROBLEM" not in report
