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

    python bench/loadtest.py --kill-worker [--workers 3] [--cases 40] [--clients 4] [--steps 6]

A fault run instead (tests/test_faults.py runs it): the same preparation and server, then a
bounded burst of transitions (--clients threads, each on cases of its own, --steps transitions
per case; at most 200 cases per region) during which one worker is killed with SIGKILL while its
transaction has written and not committed. Prints what the clients saw (status counts, requests
that got no answer) and checks that nothing is half-written (check_faults); the last line,
"faults: {...}", holds the figures as JSON.
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
    doubled = len(history) - len(set(history))
    repeats = len(seen) - len(set(seen))
    if mismatched:
        problems.append(f"{mismatched} cases whose version does not match their history")
    print(f"transitions answered 200: {len(seen)}; history rows added: {len(history)}; lost: {len(lost)}; "
          f"unseen: {len(unseen)}; duplicated: {doubled}; version mismatches: {mismatched}; "
          f"repeats answered as saved: {repeats}")
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
    # One step answered 200 twice but stored once is the same user's repeat of the same step with
    # the same data, answered as saved (issue 13, a double click): several clients share a login
    # here. Stored twice is always wrong.
    twice_stored = [k for k, n in collections.Counter(history).items() if n > 1]
    if twice_stored:
        problems.append(f"duplicated transitions: {len(twice_stored)} stored twice")
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


def start_server(env: dict, workers: int) -> tuple[subprocess.Popen, int]:
    """gunicorn in production mode on a free loopback port; returns once it listens (or gave up)."""
    port = _free_port()
    server_env = {**os.environ, **env, "TOELEIDING_ENV": "production"}
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-w", str(workers),
                               "-b", f"127.0.0.1:{port}", "--log-level", "warning", "toeleiding:create_app()"],
                              cwd=ROOT, env=server_env)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.2)
    return server, port


# --- Faults: a worker killed in the middle of a burst of transitions (--kill-worker) ---------------

# What one nurse can do to a case again and again: after indicate and refer, the child is reported
# not reached and referred anew, so a case takes as many transitions as the burst asks for.
def _step(trigger: str, location_id: int) -> dict:
    # parents_declined, not no_contact: no_contact needs two recorded contact attempts first (outreach log).
    today = time.strftime("%Y-%m-%d")
    return {"indicate": {"criteria": ["home_language"], "indication_date": today},
            "refer": {"location_id": location_id, "consent": True, "referral_date": today},
            "report_not_reached": {"reason": "parents_declined", "date": today},
            "re_refer": {"location_id": location_id, "consent": True, "referral_date": today}}[trigger]


def _triggers(steps: int) -> list[str]:
    return (["indicate", "refer"] + ["report_not_reached", "re_refer"] * steps)[:steps]


def _pg_connections(process, pg_port: int) -> set[int]:
    """The local ports of ``process``'s TCP connections to PostgreSQL (pg_stat_activity.client_port)."""
    conns = process.net_connections("tcp") if hasattr(process, "net_connections") else process.connections("tcp")
    return {c.laddr.port for c in conns if c.raddr and c.raddr.port == pg_port}


def kill_worker_mid_write(master_pid: int, pg_url: str, tries: int = 3000) -> dict:
    """SIGKILL a gunicorn worker whose transaction has written rows it has not committed.

    A worker whose PostgreSQL backend holds a transaction id (it has written) is stopped first
    (SIGSTOP); if its backend then sits 'idle in transaction' with that id, the worker cannot
    have sent COMMIT, and the kill lands in the middle of its write for certain. Otherwise it is
    let go and the search goes on. After ``tries`` rounds without such a moment any worker is
    killed, and the report says so (``mid_write`` False)."""
    import psutil
    import sqlalchemy as sa
    master = psutil.Process(master_pid)
    pg_port = sa.engine.make_url(pg_url).port or 5432
    engine = sa.create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    writing = sa.text("SELECT client_port, state FROM pg_stat_activity WHERE datname = current_database() "
                      "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()")
    try:
        with engine.connect() as conn:
            for _ in range(tries):
                busy = dict(conn.execute(writing).all())
                for worker in master.children():
                    try:
                        ports = _pg_connections(worker, pg_port) & set(busy)
                        if not ports:
                            continue
                        worker.suspend()
                        for _ in range(100):   # a statement still running: let it end (the worker is stopped)
                            states = {busy_port: state for busy_port, state in conn.execute(writing).all()}
                            if any(states.get(port) == "idle in transaction" for port in ports):
                                worker.kill()
                                return {"pid": worker.pid, "mid_write": True}
                            if not ports & set(states):
                                break              # committed or rolled back before the stop
                            time.sleep(0.005)
                        worker.resume()
                    except psutil.NoSuchProcess:
                        continue
        victim = master.children()[0]
        victim.kill()
        return {"pid": victim.pid, "mid_write": False}
    finally:
        engine.dispose()


def wait_for_respawn(master_pid: int, workers: int, killed: int, tries: int = 300) -> bool:
    """Whether gunicorn's master is back to ``workers`` workers, none of them the killed one."""
    import psutil
    master = psutil.Process(master_pid)
    for _ in range(tries):
        pids = {c.pid for c in master.children()}
        if len(pids) == workers and killed not in pids:
            return True
        time.sleep(0.1)
    return False


def burst(port: int, tokens_file: Path, clients: int, steps: int, on_done) -> dict:
    """Each client thread takes its own cases (no two clients on one case, so no 409) and fires
    ``steps`` transitions on each, sending back the version it last saw. ``on_done(n)`` hears of
    every finished request (n so far). A request without an answer (the connection dropped) may
    or may not have committed: the client leaves that case, as a user would reload it.

    Returns the status counts, the (case, trigger, version) transitions answered 200, and the
    ones that got no answer (with the version they would have made)."""
    import collections
    import threading

    import requests
    base = f"http://127.0.0.1:{port}/api/v1"
    nurses = [line.split() for line in tokens_file.read_text().splitlines() if line.startswith("jgz@")]
    work = []   # (token, case, location) per case, cases of every nurse's region
    for _, token in nurses:
        head = {"Authorization": f"Bearer {token}"}
        found = requests.get(f"{base}/cases?state=signalled&per_page=200", headers=head, timeout=60)
        found.raise_for_status()
        locations = {}
        for case in found.json()["items"]:
            if case["municipality"] not in locations:
                listed = requests.get(f"{base}/locations?municipality={case['municipality']}", headers=head, timeout=60)
                listed.raise_for_status()
                locations[case["municipality"]] = listed.json()["items"][0]["id"]
            work.append((token, case, locations[case["municipality"]]))
    shares = [work[i::clients] for i in range(clients)]
    statuses, seen, unanswered = collections.Counter(), [], []
    lock, done = threading.Lock(), [0]

    def client(share):
        with requests.Session() as http:
            for token, case, location in share:
                version = case["version"]
                for trigger in _triggers(steps):
                    body = {"trigger": trigger, "version": version, "data": _step(trigger, location)}
                    try:
                        r = http.post(f"{base}/cases/{case['id']}/transitions", json=body,
                                      headers={"Authorization": f"Bearer {token}"}, timeout=120)
                        status = str(r.status_code)
                    except requests.RequestException as exc:
                        r, status = None, f"no answer ({type(exc).__name__})"
                    with lock:
                        statuses[status] += 1
                        done[0] += 1
                        if r is not None and r.status_code == 200:
                            version = r.json()["version"]
                            seen.append((case["id"], trigger, str(version)))
                        elif r is None:
                            unanswered.append((case["id"], trigger, str(version + 1)))
                        n = done[0]
                    on_done(n)
                    if status != "200":
                        break

    threads = [threading.Thread(target=client, args=(share,)) for share in shares]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"statuses": dict(statuses), "seen": seen, "unanswered": unanswered, "planned": len(work) * steps}


def integrity(conn) -> dict:
    """What must hold whatever was interrupted, read on a connection to the database: the history
    rows as (case, trigger, version), cases whose version is not their history length or whose
    state is not their last history row's, and (case, trigger) pairs whose count of history rows
    differs from their count of 'allowed' transition rows in the access log."""
    import collections

    import sqlalchemy as sa
    history = [(str(c), t, str(v)) for c, t, v in conn.execute(sa.text(
        "SELECT case_id, trigger, seq FROM case_events WHERE trigger <> 'register'"))]
    mismatched = conn.execute(sa.text(
        "SELECT count(*) FROM cases c WHERE c.version <> (SELECT count(*) FROM case_events e WHERE e.case_id = c.id)")).scalar()
    wrong_state = conn.execute(sa.text(
        "SELECT count(*) FROM cases c WHERE c.state <> (SELECT e.to_state FROM case_events e "
        "WHERE e.case_id = c.id ORDER BY e.seq DESC LIMIT 1)")).scalar()
    events = collections.Counter({(str(c), t): n for c, t, n in conn.execute(sa.text(
        "SELECT case_id, trigger, count(*) FROM case_events WHERE trigger <> 'register' GROUP BY 1, 2"))})
    logged = collections.Counter({(str(c), a.removeprefix("transition:")): n for c, a, n in conn.execute(sa.text(
        "SELECT case_id, action, count(*) FROM access_log WHERE action LIKE 'transition:%' "
        "AND result = 'allowed' GROUP BY 1, 2"))})
    unlogged = {k for k in set(events) | set(logged) if events[k] != logged[k]}
    return {"history": history, "version_mismatches": mismatched, "wrong_states": wrong_state,
            "log_mismatches": len(unlogged)}


def classify(seen: list[tuple], unanswered: list[tuple], history: list[tuple]) -> tuple[list[str], int]:
    """Problems between what the clients saw and the history, when some requests got no answer;
    and how many of those committed. A transition answered 200 must be in the history once; one
    that got no answer may be there (it committed before the connection dropped) or not, once at most."""
    doubt = set(unanswered)
    problems = compare(seen, [h for h in history if h not in doubt])
    twice = [h for h in doubt if history.count(h) > 1]
    if twice:
        problems.append(f"unanswered transitions stored twice: {sorted(twice)[:3]}")
    return problems, len(doubt & set(history))


def check_faults(env: dict, seen: list[tuple], unanswered: list[tuple]) -> tuple[list[str], dict]:
    """After a fault: nothing half-written (integrity), every transition answered 200 stored once,
    every unanswered one wholly there or wholly absent (classify), and ``flask audit verify``
    accepts the access log's chain."""
    import sqlalchemy as sa
    engine = sa.create_engine(env["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            found = integrity(conn)
    finally:
        engine.dispose()
    problems, committed = classify(seen, unanswered, found["history"])
    for key, what in (("version_mismatches", "cases whose version does not match their history"),
                      ("wrong_states", "cases whose state is not their last history row's"),
                      ("log_mismatches", "(case, trigger) pairs whose history and access-log rows differ")):
        if found[key]:
            problems.append(f"{found[key]} {what}")
    verify = subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "toeleiding", "audit", "verify"],
                            cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True)
    if verify.returncode != 0:
        problems.append(f"flask audit verify exited {verify.returncode}: {verify.stdout[-300:]}{verify.stderr[-300:]}")
    figures = {"history_rows": len(found["history"]), "unanswered_committed": committed,
               "unanswered_rolled_back": len(set(unanswered)) - committed,
               **{k: found[k] for k in ("version_mismatches", "wrong_states", "log_mismatches")},
               "audit_verify_exit": verify.returncode}
    return problems, figures


def faults(env: dict, args) -> int:
    """The --kill-worker run: burst, kill, respawn, checks; prints the figures and a JSON line."""
    import json
    import threading
    server, port = start_server(env, args.workers)
    try:
        total = args.cases * args.steps
        reached, kill = threading.Event(), {}
        # The kill comes once a quarter of the burst is done, so the rest runs on the respawned set.
        on_done = lambda n: reached.set() if n >= total // 4 else None   # noqa: E731

        def killer():
            reached.wait()
            kill.update(kill_worker_mid_write(server.pid, args.pg_url))

        k = threading.Thread(target=killer)
        k.start()
        print(f"burst: {args.clients} clients, {args.steps} transitions on each of {args.cases} cases, "
              f"gunicorn -w {args.workers} on :{port}; one worker killed a quarter in")
        result = burst(port, args.tokens, args.clients, args.steps, on_done)
        reached.set()   # a burst that ended early (every case refused) still gets its kill
        k.join()
        respawned = wait_for_respawn(server.pid, args.workers, kill["pid"])
    finally:
        server.terminate()
        server.wait(timeout=30)
    problems, figures = check_faults(env, result["seen"], result["unanswered"])
    figures.update({"statuses": result["statuses"], "answered_200": len(result["seen"]),
                    "planned": result["planned"], "killed_mid_write": kill["mid_write"], "respawned": respawned})
    if not respawned:
        problems.append("gunicorn did not replace the killed worker")
    print(f"killed worker {kill['pid']} ({'in the middle of a write' if kill['mid_write'] else 'NOT caught writing'}); "
          f"respawned: {respawned}")
    print("clients saw: " + ", ".join(f"{n} × {s}" for s, n in sorted(result["statuses"].items())))
    print(f"transitions answered 200: {len(result['seen'])} of {result['planned']} planned; history rows: "
          f"{figures['history_rows']}; unanswered: {len(result['unanswered'])} ({figures['unanswered_committed']} "
          f"committed whole, {figures['unanswered_rolled_back']} rolled back whole); version mismatches: "
          f"{figures['version_mismatches']}; wrong states: {figures['wrong_states']}; access-log mismatches: "
          f"{figures['log_mismatches']}; "
          f"flask audit verify: exit {figures['audit_verify_exit']}")
    for problem in problems:
        print("PROBLEM:", problem)
    print("faults: " + json.dumps({**figures, "problems": problems}))
    return 1 if problems else 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--users", type=int, default=50)
    p.add_argument("--seconds", type=int, default=60)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--cases", type=int, default=3000)
    p.add_argument("--min-requests", type=int, default=200, help="least work lists and case reads, each")
    p.add_argument("--min-transitions", type=int, default=100, help="least transitions answered 200")
    p.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test_load")
    p.add_argument("--kill-worker", action="store_true",
                   help="instead of locust: a burst of transitions from --clients threads, one worker "
                        "killed (SIGKILL) in the middle of a write, then the checks of a fault run")
    p.add_argument("--clients", type=int, default=4, help="with --kill-worker: client threads")
    p.add_argument("--steps", type=int, default=6, help="with --kill-worker: transitions per case")
    args = p.parse_args()
    env = {"DATABASE_URL": args.pg_url, "TOELEIDING_ENCRYPTION_KEYS": f"k1:{_key()}",
           "TOELEIDING_BLIND_INDEX_KEY": _key(), "SECRET_KEY": secrets.token_urlsafe(48),
           "TOELEIDING_INSTANCE_PATH": tempfile.mkdtemp(prefix="toeleiding-load-")}
    out = Path(tempfile.mkdtemp(prefix="toeleiding-locust-"))
    from bench.common import ensure_pg_database
    ensure_pg_database(args.pg_url)
    users = len(LOGINS) if args.kill_worker else args.users   # a fault run needs each login once
    print(f"preparing {args.cases} children and {users} API tokens in {args.pg_url} …")
    prepare(env, args.cases, users, out / "tokens.txt")
    args.tokens = out / "tokens.txt"
    if args.kill_worker:
        return faults(env, args)
    bindir = Path(sys.executable).parent
    server, port = start_server(env, args.workers)
    try:
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
