"""Sweep many due reminders: the service against the floor of the same updates in plain SQL.

    .venv/bin/python bench/reminders.py [--sizes 20000,100000] [--batch N] [--pg URL] [--no-sqlite]

For each database (a temporary SQLite file, and PostgreSQL database test_rem_bench, created if
missing) and each size N: N cases in state 'indicated' whose first reminder is due, then

* service: ``toeleiding.reminders.scheduler.sweep`` (claim a batch, deliver, create each next
  occurrence, commit; repeat), exactly as the scheduler job runs it;
* floor: the same statements per batch (claim with FOR UPDATE SKIP LOCKED on PostgreSQL,
  one UPDATE, one multi-row INSERT of the next occurrences, commit) on the raw DB-API
  connection, with no ORM, no rule lookup and no date arithmetic beyond "+14 days".

Both sweep in batches of the production size: the app's REMINDER_BATCH_SIZE (500 unless
TOELEIDING_REMINDER_BATCH_SIZE says otherwise), as the scheduler job uses it; --batch overrides.
Each is run twice from the same starting rows: once for time (reminders per second), once
under tracemalloc for peak memory, so tracing does not slow the timed run. That peak is the
Python heap only (tracemalloc: objects Python allocated, not the driver's C buffers nor the
process's RSS). Memory should not grow with N (batches), and both time and memory should stay
within 3x the floor.

The databases are emptied and migrated from scratch: never point this at data you keep.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, bench/ comes first on the path, and bench/transitions.py would shadow the
# transitions library: put the project root there instead.
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test_rem_bench"

from bench.common import ensure_pg_database, fresh_schema, make_app  # noqa: E402  (after the path fix above)
RULE = "indicated_not_referred"


T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)
DUE = T0 + dt.timedelta(days=14)
NOW = DUE + dt.timedelta(hours=8)


def seed(app, n: int) -> None:
    """One case registered and indicated through the services, then copied to ``n`` cases whose
    first reminder is due (copies of the ciphertexts: the sweep never decrypts a timed rule)."""
    from sqlalchemy import delete, insert, select

    from toeleiding.cases.models import Case
    from toeleiding.cases.operations import fire_transition, register_case
    from toeleiding.extensions import db
    from toeleiding.organisations.models import Municipality, Region
    from toeleiding.organisations.operations import add_definition, create_organisation
    from toeleiding.reminders.models import Reminder
    from toeleiding.users.operations import create_user

    app.config["CLOCK_NOW"] = T0
    with app.app_context():
        region = Region(slug="bench", name="Bench")
        m = Municipality(code="GM0375", name="Beverwijk", region=region)
        db.session.add_all([region, m])
        db.session.flush()
        add_definition(m, "2023–2026", dt.date(2023, 1, 1), None, 30, [{"code": "home_language", "label": "Thuistaal"}])
        jgz_org = create_organisation("JGZ Bench", "jgz", region, [m])
        jgz = create_user("jgz@bench.example", "Bench JGZ", "bench-password-123", "jgz", jgz_org)
        case = register_case(jgz, "GM0375", {"given_name": "Benchkind", "family_name": "Fictief", "bsn": "999999990",
                                             "birth_date": "2023-03-01", "postcode": "1941 AB", "house_number": "1"})
        fire_transition(jgz, case.id, "indicate", case.version,
                        {"criteria": ["home_language"], "indication_date": T0.date().isoformat()})
        db.session.commit()
        cases = Case.__table__
        template = dict(db.session.execute(select(cases).where(cases.c.id == case.id)).mappings().one())
        db.session.execute(delete(Reminder).where(Reminder.case_id == case.id))
        db.session.commit()
        org_id = jgz_org.id
        for start in range(0, n, 5000):
            ids = [uuid.uuid4() for _ in range(min(5000, n - start))]
            db.session.execute(insert(cases), [dict(template, id=i) for i in ids])
            db.session.execute(insert(Reminder), [{
                "case_id": i, "rule": RULE, "stay": 2, "anchor": T0.date(), "occurrence": 1, "role": "jgz",
                "organisation_id": org_id, "state": "pending", "due_at": DUE, "wake_at": DUE, "deliveries": 0,
                "created_at": T0} for i in ids])
            db.session.commit()
        db.session.execute(delete(cases).where(cases.c.id == case.id))   # its reminders cascade
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("VACUUM ANALYZE reminders"))
                conn.execute(sa.text("VACUUM ANALYZE cases"))
        db.session.remove()


def reset(app) -> None:
    """Back to 'every first reminder due', between runs."""
    from toeleiding.extensions import db
    with app.app_context():
        db.session.execute(sa.text("DELETE FROM reminders WHERE occurrence > 1"))
        db.session.execute(sa.text("UPDATE reminders SET state = 'pending', wake_at = due_at, deliveries = 0, "
                                   "delivered_at = NULL"))
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("VACUUM ANALYZE reminders"))
        db.session.remove()


def run_service(app, batch: int) -> int:
    from toeleiding.reminders.scheduler import sweep
    with app.app_context():
        app.config["CLOCK_NOW"] = NOW
        result = sweep(NOW, batch)
        return result.delivered


def run_floor(app, batch: int) -> int:
    """The same work per batch in plain SQL on the DB-API connection."""
    from toeleiding.extensions import db
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            pg = db.engine.dialect.name == "postgresql"
            cur = raw.cursor()
            p = "%s" if pg else "?"
            # SQLite stores the UTC datetimes naive, as UTCDateTime does.
            now = NOW if pg else NOW.replace(tzinfo=None).isoformat(sep=" ")
            nxt = (NOW + dt.timedelta(days=14)) if pg else (NOW + dt.timedelta(days=14)).replace(tzinfo=None).isoformat(sep=" ")
            total = 0
            while True:
                if not pg:
                    cur.execute("UPDATE reminders SET id = id WHERE 0")
                cur.execute("SELECT r.id, r.case_id, r.rule, r.stay, r.anchor, r.occurrence, r.role, r.organisation_id "
                            "FROM reminders r JOIN cases c ON c.id = r.case_id WHERE r.wake_at <= " + p +
                            " ORDER BY r.wake_at, r.id LIMIT " + str(batch) +
                            (" FOR UPDATE OF r, c SKIP LOCKED" if pg else ""), (now,))
                rows = cur.fetchall()
                if rows:
                    ids = [r[0] for r in rows]
                    if pg:
                        cur.execute("UPDATE reminders SET state = 'open', wake_at = NULL, delivered_at = %s, "
                                    "deliveries = deliveries + 1 WHERE id = ANY(%s)", (now, ids))
                    else:
                        cur.execute("UPDATE reminders SET state = 'open', wake_at = NULL, delivered_at = ?, "
                                    "deliveries = deliveries + 1 WHERE id IN (" + ",".join("?" * len(ids)) + ")",
                                    (now, *ids))
                    values = [(r[1], r[2], r[3], r[4], r[5] + 1, r[6], r[7], "pending", nxt, nxt, 0, now) for r in rows]
                    cur.executemany("INSERT INTO reminders (case_id, rule, stay, anchor, occurrence, role, "
                                    "organisation_id, state, due_at, wake_at, deliveries, created_at) VALUES (" +
                                    ",".join([p] * 12) + ")", values)
                raw.commit()
                total += len(rows)
                if len(rows) < batch:
                    return total
        finally:
            raw.close()


def measure(app, fn, batch: int, n: int) -> dict:
    reset(app)
    gc.collect()
    started = time.perf_counter()
    done = fn(app, batch)
    seconds = time.perf_counter() - started
    assert done == n, (fn.__name__, done, n)
    reset(app)
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    fn(app, batch)
    peak = tracemalloc.get_traced_memory()[1] - before
    tracemalloc.stop()
    return {"rate": n / seconds, "seconds": seconds, "peak": peak}


def check(app, n: int) -> None:
    from toeleiding.extensions import db
    with app.app_context():
        opened = db.session.scalar(sa.text("SELECT count(*) FROM reminders WHERE state = 'open' AND deliveries = 1"))
        nexts = db.session.scalar(sa.text("SELECT count(*) FROM reminders WHERE state = 'pending' AND occurrence = 2"))
        db.session.remove()
    assert opened == n and nexts == n, (opened, nexts, n)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", "--n", default="20000,100000", help="numbers of due reminders, comma-separated")
    ap.add_argument("--batch", type=int, default=None,
                    help="reminders per batch (default: the app's REMINDER_BATCH_SIZE, as in production)")
    ap.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL URL (emptied!)")
    ap.add_argument("--no-sqlite", action="store_true")
    ap.add_argument("--no-pg", action="store_true")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    targets = []
    if not args.no_sqlite:
        targets.append(("SQLite", None))   # a new file per size
    if not args.no_pg:
        ensure_pg_database(args.pg)
        targets.append(("PostgreSQL", args.pg))

    lines = ["| database | reminders | service: reminders/s | floor: reminders/s | time ratio | "
             "service: peak Python heap | floor: peak Python heap | memory ratio |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    batches: set[int] = set()
    for label, url in targets:
        for n in sizes:
            app = make_app(url or f"sqlite:///{tempfile.mkdtemp(prefix='rem-bench-')}/bench.db")
            fresh_schema(app)
            print(f"{label}: seeding {n:,} due reminders …", file=sys.stderr, flush=True)
            seed(app, n)
            batch = args.batch or app.config["REMINDER_BATCH_SIZE"]
            batches.add(batch)
            service = measure(app, run_service, batch, n)
            check(app, n)
            floor = measure(app, run_floor, batch, n)
            check(app, n)
            lines.append(f"| {label} | {n:,} | {service['rate']:,.0f} | {floor['rate']:,.0f} | "
                         f"{floor['rate'] / service['rate']:.2f}× | {service['peak'] / 2**20:.1f} MiB | "
                         f"{floor['peak'] / 2**20:.1f} MiB | {service['peak'] / floor['peak']:.2f}× |")
            print(lines[-1], file=sys.stderr, flush=True)
            with app.app_context():
                from toeleiding.extensions import db
                db.engine.dispose()
    print(f"\nBatches of {', '.join(map(str, sorted(batches)))} (REMINDER_BATCH_SIZE"
          f"{', overridden by --batch' if args.batch else ''}); peak memory is tracemalloc's peak of the "
          f"Python heap during the sweep, not the process's RSS; Python {sys.version.split()[0]}; "
          f"{os.cpu_count()} CPUs; {dt.date.today().isoformat()}.\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
