"""The API under load: gunicorn workers on PostgreSQL, 50 concurrent users, a bounded run.

Runs bench/loadtest.py (which the README's figures come from) in a short form and asserts what
must hold under any load: the run did real work (enough work lists, case reads and transitions
answered 200: a server that answers almost nothing fails the test), no failed request (a 409 is
the only expected refusal), and the exact set of transitions the clients saw succeed is the set
of history rows added (none lost, none duplicated). Latency is reported by the script, never
asserted (shared machines are noisy).
"""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent


def _loadtest():
    spec = importlib.util.spec_from_file_location("loadtest", ROOT / "bench" / "loadtest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _database_beside(url: str) -> str:
    """A database of its own next to the suite's (named after it): the load test rebuilds its schema."""
    name = url.rsplit("/", 1)[1].split("?")[0] + "_load"
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.rsplit("/", 1)[0] + "/" + name


def test_a_run_that_did_almost_nothing_is_a_failure(tmp_path):
    # The failure this guards against: 42 sign-ins, nothing else answered, and the test passed.
    outcomes = tmp_path / "outcomes.txt"
    outcomes.write_text("")
    problems = _loadtest().volume({"login": 42}, outcomes, min_requests=100, min_transitions=40)
    assert len(problems) == 3 and all("required" in p for p in problems), problems
    outcomes.write_text("".join(f"c{i} place 3\n" for i in range(40)))
    assert _loadtest().volume({"work list": 100, "case": 100}, outcomes, 100, 40) == []


def test_the_history_must_be_exactly_what_the_clients_saw_succeed():
    compare = _loadtest().compare
    ok = [("c1", "indicate", "2"), ("c1", "refer", "3"), ("c2", "indicate", "2")]
    assert compare(ok, list(reversed(ok))) == []
    assert "not in the history" in " ".join(compare(ok, ok[:2]))                       # lost
    assert "no client saw succeed" in " ".join(compare(ok[:2], ok))                    # unseen
    assert "stored twice" in " ".join(compare(ok, ok + [ok[0]]))                       # duplicated
    # A repeat of the same step by the same user is answered as saved (issue 13): seen twice,
    # stored once, is no problem; stored twice always is.
    assert compare(ok + [ok[0]], ok) == []
    assert "stored twice" in " ".join(compare(ok + [ok[0]], ok + [ok[0]]))
    # Same count, different rows: the old count-based check passed this.
    assert compare(ok, ok[:2] + [("c3", "indicate", "2")]) != []


def test_fifty_users_lose_and_double_no_transition(postgres, database_url):
    url = _database_beside(database_url.replace("postgresql+psycopg://", "postgresql://", 1))
    # The minimums are low because the machine is shared (load average ~8 on two cores gave 30 case
    # reads in 20 s); they still fail the run that used to pass with nothing but 42 sign-ins.
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "loadtest.py"), "--users", "50", "--seconds", "20",
                          "--cases", "800", "--workers", "3", "--min-requests", "20", "--min-transitions", "20",
                          "--pg-url", url],
                         capture_output=True, text=True, cwd=ROOT)
    report = run.stdout[-4000:]
    assert run.returncode == 0, report + run.stderr[-3000:]
    assert "PROBLEM" not in report and "lost: 0; unseen: 0; duplicated: 0; version mismatches: 0" in report, report
