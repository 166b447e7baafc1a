"""Load test: the API under gunicorn (several workers) on PostgreSQL, 50 concurrent users.

    python bench/loadtest.py [--users 50] [--seconds 60] [--workers 4] [--cases 3000]
                             [--pg-url postgresql://postgres@127.0.0.1:5432/test_load]

Builds a fresh database (migrations, demo organisations and logins, N signalled children),
starts gunicorn in production mode on a free loopback port, runs locust headless for a bounded
time, then checks the database: every transition locust saw succeed is in the history exactly
once, and every case's version matches its history. Prints median and 95th percentile latency
per request kind; exits 1 on any error, lost or duplicated transition.
"""
from __future__ import annotations

import argparse
import base64
import csv
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/ holds scripts named like packages (transitions.py): keep it off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))


def _key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(env: dict, cases: int) -> None:
    """Fresh schema, demo organisations and logins, and ``cases`` signalled children (not timed)."""
    import sqlalchemy as sa
    os.environ.update(env)
    from toeleiding import create_app
    from toeleiding.extensions import db
    app = create_app({"ENV_NAME": "development"})   # the demo refuses production; the server runs as production
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        from flask_migrate import upgrade
        upgrade(revision="heads")
    runner = app.test_cli_runner()
    out = runner.invoke(args=["demo", "--no-cases"])
    assert out.exit_code == 0, out.output
    with app.app_context():
        import random
        from sqlalchemy import select
        from toeleiding import clock
        from toeleiding.cases.operations import register_case
        from toeleiding.demo.commands import fictitious_bsn
        from toeleiding.organisations.models import Municipality
        from toeleiding.users.models import User
        rng = random.Random(7)
        for slug in ("ijmond", "bevelanden"):
            jgz = db.session.scalar(select(User).where(User.email == f"jgz@{slug}.demo"))
            munis = [m.code for m in db.session.scalars(select(Municipality).where(
                Municipality.region_id == jgz.organisation.region_id))]
            for i in range(cases // 2):
                born = clock.add_months(clock.today(), -rng.randrange(31, 44))
                register_case(jgz, munis[i % len(munis)], {
                    "given_name": "Laadtest", "family_name": "Kind", "bsn": fictitious_bsn(rng),
                    "birth_date": born.isoformat(), "postcode": "1941AB", "house_number": str(i + 1)})
                if i % 200 == 199:
                    db.session.commit()
                    print(f"\r  {slug}: {i + 1}/{cases // 2} children", end="", flush=True)
            db.session.commit()
            print()


def check(env: dict, outcomes_file: Path) -> list[str]:
    import sqlalchemy as sa
    from toeleiding import create_app
    from toeleiding.extensions import db
    problems = []
    succeeded = [line.split() for line in outcomes_file.read_text().splitlines()] if outcomes_file.exists() else []
    app = create_app({"ENV_NAME": "development"})
    with app.app_context(), db.engine.connect() as conn:
        events = conn.execute(sa.text("SELECT count(*) FROM case_events WHERE trigger <> 'register'")).scalar()
        mismatched = conn.execute(sa.text(
            "SELECT count(*) FROM cases c WHERE c.version <> (SELECT count(*) FROM case_events e WHERE e.case_id = c.id)")).scalar()
        dup = conn.execute(sa.text("SELECT count(*) FROM (SELECT case_id, trigger FROM case_events "
                                   "GROUP BY case_id, trigger HAVING count(*) > 1) d")).scalar()
    with app.app_context():
        from toeleiding.audit.util import verify_chain
        chain = verify_chain()
    if not chain.ok:
        problems.append(f"access log chain broken at row {chain.broken_id}: {chain.problem}")
    print(f"access log: {chain.rows} rows, chain {'intact' if chain.ok else 'BROKEN'}")
    if events != len(succeeded):
        problems.append(f"{len(succeeded)} transitions answered 200 but {events} are in the history")
    if mismatched:
        problems.append(f"{mismatched} cases whose version does not match their history")
    if dup:
        problems.append(f"{dup} cases with the same transition twice")
    print(f"transitions answered 200: {len(succeeded)}; history rows added: {events}; "
          f"version mismatches: {mismatched}; duplicated transitions: {dup}")
    return problems


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--users", type=int, default=50)
    p.add_argument("--seconds", type=int, default=60)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--cases", type=int, default=3000)
    p.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test_load")
    args = p.parse_args()
    env = {"DATABASE_URL": args.pg_url, "TOELEIDING_ENCRYPTION_KEYS": f"k1:{_key()}",
           "TOELEIDING_BLIND_INDEX_KEY": _key(), "SECRET_KEY": secrets.token_urlsafe(48),
           "TOELEIDING_INSTANCE_PATH": tempfile.mkdtemp(prefix="toeleiding-load-")}
    print(f"preparing {args.cases} children in {args.pg_url} …")
    prepare(env, args.cases)
    port = _free_port()
    server_env = {**os.environ, **env, "TOELEIDING_ENV": "production"}
    bindir = Path(sys.executable).parent
    server = subprocess.Popen([str(bindir / "gunicorn"), "-w", str(args.workers), "-b", f"127.0.0.1:{port}",
                               "--log-level", "warning", "toeleiding:create_app()"], cwd=ROOT, env=server_env)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        out = Path(tempfile.mkdtemp(prefix="toeleiding-locust-"))
        logins = ",".join(f"{r}@{s}.demo" for s in ("ijmond", "bevelanden") for r in ("jgz", "ve", "ve2"))
        print(f"locust: {args.users} users for {args.seconds}s against gunicorn -w {args.workers} on :{port}")
        subprocess.run([str(bindir / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
                        "-u", str(args.users), "-r", str(max(1, args.users // 5)), "-t", f"{args.seconds}s",
                        "--host", f"http://127.0.0.1:{port}", "--csv", str(out / "load"), "--only-summary",
                        "--stop-timeout", "5"],
                       env={**os.environ, "LOAD_LOGINS": logins, "LOAD_OUTCOMES": str(out / "outcomes.txt")},
                       check=False)
    finally:
        server.terminate()
        server.wait(timeout=30)
    failures = 0
    print(f"\n{'request':<28}{'count':>8}{'failures':>10}{'median ms':>11}{'p95 ms':>9}")
    with open(out / "load_stats.csv") as fh:
        for row in csv.DictReader(fh):
            print(f"{row['Name']:<28}{row['Request Count']:>8}{row['Failure Count']:>10}"
                  f"{row['Median Response Time']:>11}{row['95%']:>9}")
            if row["Name"] == "Aggregated":
                failures = int(row["Failure Count"])
    os.environ.update(env)
    problems = check(env, out / "outcomes.txt")
    if failures:
        problems.append(f"{failures} failed requests")
    for problem in problems:
        print("PROBLEM:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
