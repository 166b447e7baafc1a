"""Faults: a gunicorn worker killed with SIGKILL in the middle of a burst of transitions.

Runs bench/loadtest.py --kill-worker (gunicorn in production mode on PostgreSQL, a database of
its own beside the suite's): client threads fire a bounded burst of transitions, each on cases
of its own, and one worker is killed while its transaction has written rows it has not yet
committed. Asserted afterwards: nothing is half-written (every case's version is its history
length and its state its last history row's; every transition answered 200 has its one history
row; a transition that got no answer is wholly stored or wholly absent; the access log has one
row per history row and `flask audit verify` accepts its chain), and the clients saw nothing
worse than a dropped connection for the killed request. What they saw is printed (`pytest -s`);
the README's "Load test" paragraph quotes one run.
"""
from __future__ import annotations

import json
import subprocess
import sys
import uuid

import pytest
import sqlalchemy as sa

from toeleiding.extensions import db

from .factories import days_ago
from .test_load import ROOT, _loadtest

pytestmark = pytest.mark.postgres


def _database_beside(url: str) -> str:
    """A database of its own next to the suite's: the fault run rebuilds its schema."""
    base, name = url.replace("postgresql+psycopg://", "postgresql://", 1).rsplit("/", 1)
    return f"{base}/{name.split('?')[0]}_faults"


def test_a_worker_killed_mid_write_leaves_nothing_half_written(postgres, database_url):
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "loadtest.py"), "--kill-worker", "--workers", "3",
                          "--cases", "40", "--clients", "4", "--steps", "6",
                          "--pg-url", _database_beside(database_url)],
                         capture_output=True, text=True, cwd=ROOT)
    report = run.stdout[-4000:]
    print(report)
    last = [line for line in run.stdout.splitlines() if line.startswith("faults: ")]
    assert last, report + run.stderr[-3000:]
    figures = json.loads(last[-1].removeprefix("faults: "))
    # The kill hit what it was meant to: a transaction with uncommitted writes, and gunicorn replaced the worker.
    assert figures["killed_mid_write"] and figures["respawned"], report
    assert figures["problems"] == [] and run.returncode == 0, report + run.stderr[-3000:]
    assert figures["version_mismatches"] == figures["wrong_states"] == figures["log_mismatches"] == 0
    assert figures["audit_verify_exit"] == 0
    # The killed request got no answer and its write is gone whole; everything else was answered 200.
    failed = {status: n for status, n in figures["statuses"].items() if status != "200"}
    assert failed and all(status.startswith("no answer") for status in failed), figures["statuses"]
    assert figures["unanswered_rolled_back"] >= 1, figures
    assert figures["answered_200"] == figures["statuses"]["200"] == figures["history_rows"] - figures["unanswered_committed"]
    # The burst did real work after the kill, on the respawned set of workers.
    assert figures["answered_200"] >= figures["planned"] // 2, figures


def test_an_unanswered_transition_may_be_stored_once_or_not_at_all():
    classify = _loadtest().classify
    seen, unanswered = [("c1", "indicate", "2")], [("c2", "indicate", "2")]
    assert classify(seen, unanswered, seen) == ([], 0)                          # rolled back
    assert classify(seen, unanswered, seen + unanswered) == ([], 1)             # committed
    assert "stored twice" in " ".join(classify(seen, unanswered, seen + unanswered * 2)[0])
    assert "not in the history" in " ".join(classify(seen, unanswered, unanswered)[0])
    assert "no client saw succeed" in " ".join(classify(seen, unanswered, seen + [("c2", "refer", "3")])[0])


def test_the_integrity_check_sees_a_half_written_case(app, api, postgres):
    # The fault run is only as good as this check: each kind of half-written case is reported.
    jgz = api("jgz")
    ids = [jgz.fire(jgz.register(), "indicate", criteria=["home_language"], indication_date=days_ago(1))["id"]
           for _ in range(3)]
    integrity = _loadtest().integrity
    with app.app_context(), db.engine.connect() as conn:
        with conn.begin() as tx:
            clean = integrity(conn)
            assert (clean["version_mismatches"], clean["wrong_states"], clean["log_mismatches"]) == (0, 0, 0)
            assert sorted(clean["history"]) == sorted((i, "indicate", "2") for i in ids)
            conn.execute(sa.text("UPDATE cases SET version = 3 WHERE id = :id"), {"id": uuid.UUID(ids[0])})
            conn.execute(sa.text("UPDATE cases SET state = 'signalled' WHERE id = :id"), {"id": uuid.UUID(ids[1])})
            conn.execute(sa.text("UPDATE case_events SET trigger = 'reject' WHERE case_id = :id AND seq = 2"),
                         {"id": uuid.UUID(ids[2])})
            broken = integrity(conn)
            tx.rollback()
    # The third case: its history says 'reject', the access log 'indicate' (two pairs differ).
    assert (broken["version_mismatches"], broken["wrong_states"], broken["log_mismatches"]) == (1, 1, 2)
