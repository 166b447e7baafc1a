"""Import N existing cases from a CSV export: `cases import --apply` against the floor of the same rows in plain SQL.

    .venv/bin/python bench/import.py [--sizes 10000,50000] [--batch N] [--pg URL] [--no-sqlite] [--no-pg]

For each database (a temporary SQLite file, and PostgreSQL database test_import_bench, created if
missing) and each size N: the demo's two regions (no children), then N rows shaped like a JGZ
export, a quarter each only registered, indicated, referred, and placed (so on average 2.5 history
rows a case). Then

* service: ``toeleiding.cases.operations.run_import(apply=True)``, exactly what
  ``flask cases import FILE --apply`` runs after reading the file: per batch every row checked
  and taken along the workflow's import_steps in memory (new_case, take_step: validation,
  encryption, blind indexes, history, case locations, the reminders' in-memory sync, access log),
  then one multi-row INSERT per table, committed per batch;
* floor: every row the service wrote (cases, history, name tokens, case locations, reminders,
  access log), read back and inserted into a fresh copy of the same database with Core multi-row
  INSERTs on the tables, committed per batch of the same number of cases: no validation, no
  encryption, no ORM.

Goal: the service within 3x the floor. Figures go to bench/README.md 'Import'. The databases are
emptied and migrated from scratch: never point this at data you keep.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, bench/ comes first on the path, and bench/transitions.py would shadow the
# transitions library: put the project root there instead.
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test_import_bench"

from bench.common import Progress, bsns, ensure_pg_database, fresh_schema, load_world, make_app  # noqa: E402
STAGES = ("signalled", "indicated", "referred", "placed")


def make_rows(world, n: int) -> list[tuple[int, dict]]:
    """``n`` fictitious export rows (row numbers from 2, as in a file with a header)."""
    from sqlalchemy import select

    from toeleiding import clock
    from toeleiding.extensions import db
    from toeleiding.organisations.models import Location, Municipality
    today = clock.today()
    municipality = db.session.scalar(select(Municipality).where(Municipality.code == world.municipality))
    codes = sorted(municipality.definition_on(today).criteria_codes)
    lrk = db.session.get(Location, world.location_id).lrk_number
    source, rows = bsns(), []
    day = lambda n: (today - dt.timedelta(days=n)).isoformat()   # noqa: E731
    for i in range(n):
        stage = STAGES[i % 4]
        row = {"bsn": next(source), "given_name": "Benchkind", "family_name": f"Fictief{i}",
               "birth_date": day(1200 + i % 60), "postcode": "1941 AB", "house_number": str(1 + i % 300),
               "municipality_code": world.municipality, "parent_name": "Ouder Fictief", "parent_phone": "0612345678"}
        if stage != "signalled":
            row.update(indication_date=day(300), criteria=";".join(codes[:2]))
        if stage in ("referred", "placed"):
            row.update(referral_date=day(250), location_lrk=lrk)
        if stage == "placed":
            row.update(placement_start_date=day(200), hours_per_week="16")
        rows.append((i + 2, row))
    return rows


def setup(url: str):
    app = make_app(url)
    fresh_schema(app)
    from toeleiding.extensions import db
    with app.app_context():
        world = load_world()
        counts = {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t))
                  for t in db.metadata.sorted_tables}
        db.session.remove()
    return app, world, counts


def run_service(app, world, rows, batch: int) -> tuple[float, object]:
    from toeleiding.cases.operations import run_import
    from toeleiding.extensions import db
    from toeleiding.users.models import User
    with app.app_context(), app.test_request_context():
        user = db.session.get(User, world.user_ids["jgz"])
        progress = Progress("service", len(rows))
        done = [0]

        def tick(k):
            done[0] += k
            progress(done[0])
        started = time.perf_counter()
        result = run_import(user, rows, apply=True, batch=batch, progress=tick)
        took = time.perf_counter() - started
        db.session.remove()
    return took, result


def written_rows(app, before: dict) -> dict[str, list[dict]]:
    """Every row the import added, per table (tables that were empty before it)."""
    from toeleiding.extensions import db
    out = {}
    with app.app_context():
        for t in db.metadata.sorted_tables:
            n = db.session.scalar(sa.select(sa.func.count()).select_from(t))
            if n > before[t.name]:
                assert before[t.name] == 0, f"{t.name} had rows before the import"
                out[t.name] = [dict(r) for r in db.session.execute(sa.select(t)).mappings()]
        db.session.remove()
    return out


def run_floor(app, tables: dict[str, list[dict]], batch: int) -> float:
    """Insert ``tables``' rows with Core multi-row INSERTs, per batch of ``batch`` cases."""
    from toeleiding.extensions import db
    with app.app_context():
        meta = {t.name: t for t in db.metadata.sorted_tables}
        order = [t for t in meta if t in tables]
        case_ids = [r["id"] for r in tables["cases"]]
        per_case: dict[str, dict] = {name: {} for name in order}
        loose: dict[str, list] = {name: [] for name in order}
        for name in order:
            key = "id" if name == "cases" else "case_id"
            for r in tables[name]:
                if key in r and r[key] is not None:
                    per_case[name].setdefault(r[key], []).append(r)
                else:
                    loose[name].append(r)
        started = time.perf_counter()
        with db.engine.connect() as conn:
            for start in range(0, len(case_ids), batch):
                ids = case_ids[start:start + batch]
                for name in order:
                    rows = [r for i in ids for r in per_case[name].get(i, ())]
                    if start == 0:
                        rows += loose[name]
                    if rows:
                        conn.execute(sa.insert(meta[name]), rows)
                conn.commit()
        took = time.perf_counter() - started
        db.session.remove()
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", "--n", default="10000,50000", help="numbers of rows, comma-separated")
    ap.add_argument("--batch", type=int, default=500, help="rows per transaction (the command's default)")
    ap.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL URL (emptied!)")
    ap.add_argument("--no-sqlite", action="store_true")
    ap.add_argument("--no-pg", action="store_true")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    targets = []
    if not args.no_sqlite:
        targets.append(("SQLite", None))
    if not args.no_pg:
        ensure_pg_database(args.pg)
        targets.append(("PostgreSQL", args.pg))
    lines = ["| database | rows | cases written | history rows | service: rows/s | service time | "
             "floor: rows/s | floor time | time ratio | load before |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for label, url in targets:
        for n in sizes:
            load = "/".join(f"{x:.1f}" for x in os.getloadavg())
            print(f"{label}: {n:,} rows (load {load}) …", file=sys.stderr, flush=True)
            if label == "SQLite":   # a new file per run: fresh_schema empties PostgreSQL only
                url = "sqlite:///" + os.path.join(tempfile.mkdtemp(prefix="import-bench-"), "bench.db")
            app, world, before = setup(url)
            with app.app_context():
                rows = make_rows(world, n)
            service, result = run_service(app, world, rows, args.batch)
            assert not result.errors, result.errors[:3]
            tables = written_rows(app, before)
            # The same world, empty of cases, for the floor (SQLite: a new file; fresh_schema empties PostgreSQL).
            floor_url = (url if label != "SQLite" else
                         "sqlite:///" + os.path.join(tempfile.mkdtemp(prefix="import-bench-"), "floor.db"))
            app, _, again = setup(floor_url)
            assert again == before
            floor = run_floor(app, tables, args.batch)
            lines.append(f"| {label} | {n:,} | {len(result.imported):,} | {len(tables['case_events']):,} | "
                         f"{n / service:,.0f} | {service:,.1f} s | {n / floor:,.0f} | {floor:,.1f} s | "
                         f"{service / floor:.2f}× | {load} |")
            print(lines[-1], file=sys.stderr, flush=True)
    print(f"\nBatches of {args.batch} rows; tables written: cases, case_events, case_name_tokens, "
          "case_locations, reminders, access_log; Python " + sys.version.split()[0])
    print("\n".join(lines))


if __name__ == "__main__":
    main()
