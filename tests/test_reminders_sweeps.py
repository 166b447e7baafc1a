"""Exactly once across processes: two sweeps side by side, and a sweep killed mid-batch.

The sweeps are real `flask reminders run` processes against the test database. A test-only
hook (TOELEIDING_TEST_SWEEP_PAUSE) makes each sleep after it has claimed and marked a batch,
before the commit, so the processes overlap and a kill lands inside a batch.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import time

from sqlalchemy import func, select, text

from toeleiding import clock
from toeleiding.cases.operations import fire_transition, register_case
from toeleiding.config import PROJECT_ROOT
from toeleiding.extensions import db
from toeleiding.reminders.models import Reminder
from toeleiding.users.models import User

from .factories import child

T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=clock.LOCAL_TZ)
DUE = "2026-03-16T00:00:00"      # 14 days later: every indicated case's first reminder is due
RULE = "indicated_not_referred"


def _due_reminders(app, world, n: int) -> None:
    """``n`` indicated cases through the services; each owes JGZ one reminder at DUE."""
    app.config["CLOCK_NOW"] = T0
    with app.app_context():
        jgz = db.session.scalar(select(User).where(User.email == world.emails["jgz"]))
        for _ in range(n):
            case = register_case(jgz, "GM0375", child())
            fire_transition(jgz, case.id, "indicate", case.version,
                            {"criteria": ["home_language"], "indication_date": T0.date().isoformat()})
        db.session.commit()


def _sweep_process(database_url, test_keys, tmp_path, pause: float, batch: int, name: str,
                   env_extra: dict | None = None) -> subprocess.Popen:
    url = database_url
    if url.startswith("postgres"):
        url += ("&" if "?" in url else "?") + f"application_name={name}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOELEIDING_", "FLASK_"))}
    env.update({"DATABASE_URL": url, "TOELEIDING_ENV": "testing", "TOELEIDING_INSTANCE_PATH": str(tmp_path),
                "TOELEIDING_ENCRYPTION_KEYS": test_keys["ENCRYPTION_KEYS"],
                "TOELEIDING_BLIND_INDEX_KEY": test_keys["BLIND_INDEX_KEY"],
                "TOELEIDING_TEST_SWEEP_PAUSE": str(pause), "PYTHONWARNINGS": "error", **(env_extra or {})})
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "toeleiding", "reminders", "run",
                             "--now", DUE, "--batch-size", str(batch)],
                            cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _state(app) -> dict:
    with app.app_context():
        rows = db.session.execute(select(Reminder.state, Reminder.occurrence, Reminder.deliveries, func.count())
                                  .where(Reminder.rule == RULE)
                                  .group_by(Reminder.state, Reminder.occurrence, Reminder.deliveries)).all()
        return {(s, o, d): n for s, o, d, n in rows}


def _delivered(output: str) -> int:
    return int(re.search(r"delivered (\d+),", output).group(1))


def test_two_sweep_processes_deliver_each_reminder_once(app, world, database_url, is_postgres, test_keys, tmp_path):
    """On PostgreSQL they share the work (SKIP LOCKED); on SQLite the write lock takes turns."""
    n = 120
    _due_reminders(app, world, n)
    procs = [_sweep_process(database_url, test_keys, tmp_path, 0.3, 10, f"sweep{i}") for i in (1, 2)]
    outputs = [p.communicate() for p in procs]
    for p, (out, err) in zip(procs, outputs):
        assert p.returncode == 0, err
    counts = [_delivered(out) for out, _ in outputs]
    assert sum(counts) == n
    if is_postgres:
        assert all(c > 0 for c in counts), counts      # they really ran side by side
    # Every first reminder delivered exactly once, and exactly one next occurrence per case.
    assert _state(app) == {("open", 1, 1): n, ("pending", 2, 0): n}


def test_a_sweep_killed_mid_batch_loses_nothing_and_the_next_one_finishes(app, world, runner, database_url,
                                                                        is_postgres, test_keys, tmp_path):
    n = 30
    _due_reminders(app, world, n)
    proc = _sweep_process(database_url, test_keys, tmp_path, 600, 10, "killed_sweep")
    line = proc.stderr.readline()
    while line and not line.startswith("claimed"):
        line = proc.stderr.readline()
    assert line.startswith("claimed 10"), proc.stderr.read()
    os.kill(proc.pid, signal.SIGKILL)            # mid-batch: claimed and marked, not committed
    proc.wait()
    proc.stdout.close()
    proc.stderr.close()
    if is_postgres:   # the server ends the dead client's transaction when it sees the socket close
        with app.app_context():
            while db.session.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'killed_sweep'")):
                db.session.rollback()
                time.sleep(0.05)
            db.session.rollback()
    assert _state(app) == {("pending", 1, 0): n}   # the killed batch left no trace
    result = runner.invoke(args=["reminders", "run", "--now", DUE, "--batch-size", "10"])
    assert result.exit_code == 0, result.output
    assert _delivered(result.output) == n
    assert _state(app) == {("open", 1, 1): n, ("pending", 2, 0): n}
    result = runner.invoke(args=["reminders", "run", "--now", DUE])
    assert _delivered(result.output) == 0


def test_a_transition_racing_a_sweep_neither_duplicates_nor_strands_the_old_states_reminders(
        app, world, runner, database_url, postgres, test_keys, tmp_path):
    """The sweep holds its claimed batch (the cases' rows locked) while JGZ refers one of the
    children: the referral waits for the batch, then cancels what the batch delivered and created."""
    import threading

    from toeleiding.cases.models import Case

    n = 5
    _due_reminders(app, world, n)
    with app.app_context():
        raced = db.session.scalar(select(Case.id).order_by(Case.id).limit(1))
    release = tmp_path / "release"
    env_extra = {"TOELEIDING_TEST_SWEEP_RELEASE": str(release)}
    proc = _sweep_process(database_url, test_keys, tmp_path, 600, 10, "held_sweep", env_extra)
    line = proc.stderr.readline()
    while line and not line.startswith("claimed"):
        line = proc.stderr.readline()
    assert line.startswith(f"claimed {n}"), proc.stderr.read()

    errors: list[BaseException] = []

    def refer() -> None:
        try:
            with app.app_context():
                jgz = db.session.scalar(select(User).where(User.email == world.emails["jgz"]))
                case = db.session.get(Case, raced)
                fire_transition(jgz, raced, "refer", case.version,
                                {"location_id": world.ids["loc"], "consent": True, "referral_date": "2026-03-16"})
                db.session.commit()
        except BaseException as exc:   # reported by the test below
            errors.append(exc)

    app.config["CLOCK_NOW"] = T0 + dt.timedelta(days=14)
    racer = threading.Thread(target=refer)
    racer.start()
    with app.app_context():   # the referral really waits on the batch's lock before the sweep goes on
        waiting = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                       "AND datname = current_database()")
        until = time.monotonic() + 120
        while not db.session.scalar(waiting):
            db.session.rollback()
            assert racer.is_alive() and time.monotonic() < until, f"the referral did not wait: {errors}"
            time.sleep(0.05)
        db.session.rollback()
    release.touch()
    out, err = proc.communicate()
    racer.join()
    assert proc.returncode == 0, err
    assert not errors, errors
    assert _delivered(out) == n

    with app.app_context():
        rows = db.session.execute(select(Reminder.rule, Reminder.occurrence, Reminder.state, Reminder.deliveries)
                                  .where(Reminder.case_id == raced).order_by(Reminder.rule, Reminder.occurrence)).all()
    old = [r for r in rows if r.rule == RULE]
    # Delivered once by the sweep, then cancelled by the referral, with the next one it created.
    assert [(r.occurrence, r.state, r.deliveries) for r in old] == [(1, "cancelled", 1), (2, "cancelled", 0)]
    assert ("referral_unanswered", 1, "pending", 0) in [tuple(r) for r in rows]
    # The other children are untouched by the race.
    assert _state(app) == {("open", 1, 1): n - 1, ("pending", 2, 0): n - 1,
                           ("cancelled", 1, 1): 1, ("cancelled", 2, 0): 1}
    result = runner.invoke(args=["reminders", "run", "--now", DUE])
    assert _delivered(result.output) == 0
