"""Load test: the API under gunicorn (several workers) on PostgreSQL, 50 concurrent users.

    python bench/loadtest.py [--users 50] [--seconds 60] [--workers 4] [--cases 3000]
                             [--min-requests 200] [--min-transitions 100]
                             [--pg-url postgresql://postgres@127.0.0.1:5432/test_load]

Builds a fresh database (migrations, demo organisations and logins, N signalled children) and
issues one API token per simulated user (signing in is set-up: it is not measured), starts
gunicorn in production mode on a free loopback port, runs locust headless for a bounded time,
then checks that the run tested something and that nothing was lost:

- at least --min-requests work lists and case reads, and at least --min-transitions transitions
  answered 200 (a run in which the server answered almost nothing fails, it does not pass);
- no failed request (only a 409, a stale version, is an expected refusal of a transition);
- the exact set of (case, trigger, version) transitions the clients saw succeed equals the
  history rows the run added: none lost, none duplicated, none the clients did not see;
- every case's version matches its history, and the access log's chain is intact.

Prints median and 95th percentile latency per request kind; exits 1 with a PROBLEM line for
each check that failed.
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


LOGINS = [f"{role}@{slug}.demo" for slug in ("ijmond", "bevelanden") for role in ("jgz", "ve", "ve2")]


def prepare(env: dict, cases: int, users: int, tokens_file: Path) -> None:
    """Fresh schema, demo organisations and logins, ``cases`` signalled children, and one API
    token per simulated user in ``tokens_file`` (all before the clock starts)."""
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
        from toeleiding.demo.commands import fictitious_bsns
        from toeleiding.organisations.models import Municipality
        from toeleiding.users.models import User
        rng = random.Random(7)
        bsns = fictitious_bsns(rng.randrange(10**6))   # consecutive: random draws collided (a 409)
        for slug in ("ijmond", "bevelanden"):
            jgz = db.session.scalar(select(User).where(User.email == f"jgz@{slug}.demo"))
            munis = [m.code for m in db.session.scalars(select(Municipality).where(
                Municipality.region_id == jgz.organisation.region_id))]
            for i in range(cases // 2):
                born = clock.add_months(clock.today(), -rng.randrange(31, 44))
                register_case(jgz, munis[i % len(munis)], {
                    "given_name": "Laadtest", "family_name": "Kind", "bsn": next(bsns),
                    "birth_date": born.isoformat(), "postcode": "1941AB", "house_number": str(i + 1)})
                if i % 200 == 199:
                    db.session.commit()
                    print(f"\r  {slug}: {i + 1}/{cases // 2} children", end="", flush=True)
            db.session.commit()
            print()
        # Tokens through the service the sign-in endpoint uses: a sign-in costs an Argon2id hash,
        # and 50 of them at once are a test of the hash, not of the work lists and transitions.
        from toeleiding.users.operations import issue_token
        lines = []
        for i in range(users):
            user = db.session.scalar(select(User).where(User.email == LOGINS[i % len(LOGINS)]))
            token, _ = issue_token(user, hours=2)
            lines.append(f"{user.email} {token}\n")
        db.session.commit()
        tokens_file.touch(mode=0o600)
        tokens_file.write_text("".join(lines))


def check(env: dict, outcomes_file: Path) -> list[str]:
    """The history against what the clients saw succeed, as exact sets of (case, trigger, version)."""
    import sqlalchemy as sa
    from toeleiding import create_app
    from toeleiding.extensions import db
    problems = []
    seen = [tuple(line.split()) for line in outcomes_file.read_text().splitlines()] if outcomes_file.exists() else []
    app = create_app({"ENV_NAME": "development"})
    with app.app_context(), db.engine.connect() as conn:
        history = [(str(case_id), trigger, str(seq)) for case_id, trigger, seq in conn.execute(sa.text(
            "SELECT case_id, trigger, seq FROM case_events WHERE trigger <> 'register'"))]
        mismatched = conn.execute(sa.text(
            "SELECT count(*) FROM cases c WHERE c.version <> (SELECT count(*) FROM case_events e WHERE e.case_id = c.id)")).scalar()
    with app.app_context():
        from toeleiding.audit.util import verify_chain
        chain = verify_chain()
    if not chain.ok:
        problems.append(f"access log chain broken at row {chain.broken_id}: {chain.problem}")
    print(f"access log: {chain.rows} rows, chain {'intact' if chain.ok else 'BROKEN'}")
    problems += compare(seen, history)
    lost, unseen = set(seen) - set(history), set(history) - set(seen)   # for the summary line
    doubled = len(seen) - len(set(seen)) + len(history) - len(set(history))
    if mismatched:
        problems.append(f"{mismatched} cases whose version does not match their history")
    print(f"transitions answered 200: {len(seen)}; history rows added: {len(history)}; lost: {len(lost)}; "
          f"unseen: {len(unseen)}; duplicated: {doubled}; version mismatches: {mismatched}")
    return problems


def compare(seen: list[tuple], history: list[tuple]) -> list[str]:
    """Problems between the (case, trigger, version) transitions answered 200 and the history rows."""
    import collections
    problems = []
    lost, unseen = set(seen) - set(history), set(history) - set(seen)
    if lost:
        problems.append(f"{len(lost)} transitions answered 200 are not in the history, e.g. {sorted(lost)[:3]}")
    if unseen:
        problems.append(f"{len(unseen)} history rows no client saw succeed, e.g. {sorted(unseen)[:3]}")
    twice_seen = [k for k, n in collections.Counter(seen).items() if n > 1]
    twice_stored = [k for k, n in collections.Counter(history).items() if n > 1]
    if twice_seen or twice_stored:
        problems.append(f"duplicated transitions: {len(twice_seen)} answered 200 twice, {len(twice_stored)} stored twice")
    return problems


def volume(stats: dict[str, int], outcomes_file: Path, min_requests: int, min_transitions: int) -> list[str]:
    """The run must have tested something: enough of each kind of request, enough transitions done."""
    problems = []
    for kind in ("work list", "case"):
        if stats.get(kind, 0) < min_requests:
            problems.append(f"only {stats.get(kind, 0)} '{kind}' requests (at least {min_requests} required): "
                            "the server answered too little for the run to show anything")
    done = len(outcomes_file.read_text().splitlines()) if outcomes_file.exists() else 0
    if done < min_transitions:
        problems.append(f"only {done} transitions answered 200 (at least {min_transitions} required)")
    return problems


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--users", type=int, default=50)
    p.add_argument("--seconds", type=int, default=60)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--cases", type=int, default=3000)
    p.add_argument("--min-requests", type=int, default=200, help="least work lists and case reads, each")
    p.add_argument("--min-transitions", type=int, default=100, help="least transitions answered 200")
    p.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test_load")
    args = p.parse_args()
    env = {"DATABASE_URL": args.pg_url, "TOELEIDING_ENCRYPTION_KEYS": f"k1:{_key()}",
           "TOELEIDING_BLIND_INDEX_KEY": _key(), "SECRET_KEY": secrets.token_urlsafe(48),
           "TOELEIDING_INSTANCE_PATH": tempfile.mkdtemp(prefix="toeleiding-load-")}
    out = Path(tempfile.mkdtemp(prefix="toeleiding-locust-"))
    from bench.common import ensure_pg_database
    ensure_pg_database(args.pg_url)
    print(f"preparing {args.cases} children and {args.users} API tokens in {args.pg_url} …")
    prepare(env, args.cases, args.users, out / "tokens.txt")
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
        print(f"locust: {args.users} users for {args.seconds}s against gunicorn -w {args.workers} on :{port}")
        subprocess.run([str(bindir / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
                        "-u", str(args.users), "-r", str(max(1, args.users // 5)), "-t", f"{args.seconds}s",
                        "--host", f"http://127.0.0.1:{port}", "--csv", str(out / "load"), "--only-summary",
                        "--stop-timeout", "5"],
                       env={**os.environ, "LOAD_TOKENS": str(out / "tokens.txt"),
                            "LOAD_OUTCOMES": str(out / "outcomes.txt")},
                       check=False)
    finally:
        server.terminate()
        server.wait(timeout=30)
    failures, counts = 0, {}
    stats_file = out / "load_stats.csv"
    if not stats_file.exists():
        print("PROBLEM: locust wrote no statistics (did it start?)")
        return 1
    print(f"\n{'request':<28}{'count':>8}{'failures':>10}{'median ms':>11}{'p95 ms':>9}")
    with open(stats_file) as fh:
        for row in csv.DictReader(fh):
            print(f"{row['Name']:<28}{row['Request Count']:>8}{row['Failure Count']:>10}"
                  f"{row['Median Response Time']:>11}{row['95%']:>9}")
            counts[row["Name"]] = int(row["Request Count"])
            if row["Name"] == "Aggregated":
                failures = int(row["Failure Count"])
    failures_file = out / "load_failures.csv"
    if failures and failures_file.exists():
        print(failures_file.read_text()[:2000])
    os.environ.update(env)
    problems = volume(counts, out / "outcomes.txt", args.min_requests, args.min_transitions)
    problems += check(env, out / "outcomes.txt")
    if failures:
        problems.append(f"{failures} failed requests")
    for problem in problems:
        print("PROBLEM:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
