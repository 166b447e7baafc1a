"""Benchmark of the work-list page: 50 rows, each decrypted, on a database with 100,000 cases.

Not a test: run it by hand, it writes its figures into bench/README.md under "Work list".

    .venv/bin/python bench/worklist.py                 # SQLite and PostgreSQL, 100,000 cases
    .venv/bin/python bench/worklist.py --cases 20000 --requests 50 --no-postgres

The cases are bulk-inserted with the same per-row encryption as the service uses (the app's
Keyring and the Encrypted descriptors' associated data), not through the HTTP API. Then, in
the same run and on the same data, it times
  - the page: GET /werkvoorraad as a JGZ nurse, list "indicated, not yet referred" (50 rows out of
    ~15,000, ordered by urgency), with counts per list, decryption, rendering and the access log;
  - the floor: the same SQL statements (counts and the page query) without decryption or rendering.
PostgreSQL uses the database test_web_bench, dropped and created by this script.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, bench/ would come first on the path and its transitions.py would shadow the library.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

ROW_LINK = re.compile(r'<a href="/dossiers/[0-9a-f-]{36}">')
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "test_web_bench"
PASSWORD = "bench password 1234"
# Roughly the spread of a running region: most cases are open, a tenth closed.
STATES = [("signalled", 15), ("indicated", 15), ("referred", 15), ("waitlisted", 10), ("placed", 20),
          ("not_reached", 10), ("school_handover", 5), ("closed", 10)]
GIVEN = ["Noah", "Emma", "Sem", "Julia", "Liam", "Mila", "Daan", "Sara", "Yara", "Adam", "Nora", "Milan"]
FAMILY = ["Benchsma", "de Proef", "van Meting", "Testveld", "Kwartsma", "Tijdink", "Snelders", "Traagman"]


def _bsn(n: int) -> str:
    """The n-th fictitious nine-digit number starting with 9 that passes the elfproef."""
    from toeleiding.demo.commands import fictitious_bsns
    return next(fictitious_bsns(n * 7))


def make_app(database_url: str):
    from bench.common import make_app as common_app
    # The page is measured through the test client: no CSRF token round trip, no sign-in limit.
    return common_app(database_url, WTF_CSRF_ENABLED=False,
                      LOGIN_FAILURES_PER_ACCOUNT=1000, LOGIN_FAILURES_PER_ADDRESS=1000)


def fill(app, count: int, seed: int = 1) -> dict:
    """One region with three municipalities, a JGZ, a provider with locations, and ``count`` cases."""
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from toeleiding import clock
    from toeleiding.cases.models import Case, CaseLocation
    from toeleiding.cases.util import family_name_index
    from toeleiding.crypto import current_keyring
    from toeleiding.crypto.fields import CODECS
    from toeleiding.extensions import db
    from toeleiding.organisations.models import Municipality, Region
    from toeleiding.organisations.operations import add_definition, create_location, create_organisation
    from toeleiding.users.operations import create_user

    rng = random.Random(seed)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
        region = Region(slug="bench", name="Benchregio")
        db.session.add(region)
        munis = []
        for code, name in [("GM0375", "Beverwijk"), ("GM0396", "Heemskerk"), ("GM0453", "Velsen")]:
            m = Municipality(code=code, name=name, region=region)
            db.session.add(m)
            db.session.flush()
            add_definition(m, "2023–2026", dt.date(2023, 1, 1), None, 30,
                           [{"code": "home_language", "label": "Thuistaal niet Nederlands"}])
            munis.append(m)
        jgz = create_organisation("JGZ Bench", "jgz", region, munis)
        provider = create_organisation("Peuteropvang Bench", "ve_provider", region, munis)
        locations = [create_location(provider, m, f"Bench {m.name}", f"90000000{i}") for i, m in enumerate(munis)]
        create_user("jgz@bench.example", "Bench JGZ", PASSWORD, "jgz", jgz)
        create_user("ve@bench.example", "Bench VE", PASSWORD, "ve", provider)
        db.session.commit()

        keyring = current_keyring()
        encrypted = {name: getattr(Case, name) for name in
                     ("given_name", "family_name", "bsn", "birth_date", "postcode", "house_number", "parents")}
        today, now = clock.today(), clock.now()
        weights = [w for _, w in STATES]
        states = [s for s, _ in STATES]
        started = time.perf_counter()
        batch, links = [], []
        for n in range(count):
            cid = uuid.uuid4()
            state = rng.choices(states, weights)[0]
            born = today - dt.timedelta(days=rng.randrange(26 * 30, 47 * 30))
            m = rng.choice(munis)
            loc = locations[munis.index(m)] if state in ("referred", "waitlisted", "placed", "school_handover") else None
            family = rng.choice(FAMILY)
            clear = {"given_name": rng.choice(GIVEN), "family_name": family, "bsn": _bsn(n + 1), "birth_date": born,
                     "postcode": f"{rng.randrange(1000, 9999)}AB", "house_number": str(rng.randrange(1, 300)),
                     "parents": [{"name": "Ouder Bench", "phone": "0612345678", "email": None}]}
            row = {"id": cid, "municipality_id": m.id, "state": state, "version": 3,
                   "state_since": today - dt.timedelta(days=rng.randrange(0, 200)), "created_at": now, "updated_at": now,
                   "registered_by_organisation_id": jgz.id, "location_id": loc.id if loc else None, "school_id": None,
                   "not_reached_reason": "no_contact" if state == "not_reached" else None,
                   "outcome": "at_school" if state == "closed" else None, "ever_not_reached": state == "not_reached",
                   "bsn_index": keyring.blind_index(clear["bsn"]), "name_index": family_name_index(family),
                   "birth_month": born.replace(day=1)}
            holder = _Row(cid)
            for name, descriptor in encrypted.items():
                # Exactly what Encrypted.__set__ does: the codec, then AES-GCM bound to table.column:row.
                row[name] = keyring.encrypt(CODECS[descriptor.codec][0](clear[name]), descriptor.aad(holder))
            batch.append(row)
            if loc is not None:
                links.append({"case_id": cid, "location_id": loc.id})
            if len(batch) == 5000:
                _flush(db, insert, Case, CaseLocation, batch, links)
                batch, links = [], []
        _flush(db, insert, Case, CaseLocation, batch, links)
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
        else:
            with db.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        return {"insert_seconds": round(time.perf_counter() - started, 1)}


class _Row:
    """Just enough of a Case for Encrypted.aad(): its table name and id."""
    __tablename__ = "cases"

    def __init__(self, id):
        self.id = id


def _flush(db, insert, Case, CaseLocation, batch, links):
    if batch:
        db.session.execute(insert(Case.__table__), batch)
    if links:
        db.session.execute(insert(CaseLocation.__table__), links)
    db.session.commit()


def measure(app, requests: int) -> dict:
    """Median and p95 of the page and of its floor, interleaved so both see the same conditions."""
    from sqlalchemy import select

    from toeleiding.cases.util import work_list_query, work_lists_for
    from toeleiding.extensions import db
    from toeleiding.users.models import User

    client = app.test_client()
    r = client.post("/aanmelden", data={"email": "jgz@bench.example", "password": PASSWORD})
    assert r.status_code == 302, r.status_code
    url = "/werkvoorraad?lijst=to_refer"
    page_times, floor_times = [], []

    def floor():
        # The same statements the page runs: a count per list and the page of 50 rows, no decryption.
        with app.test_request_context():
            user = db.session.scalar(select(User).where(User.email == "jgz@bench.example"))
            lists = work_lists_for(user)
            started = time.perf_counter()
            from sqlalchemy import func
            for wl in lists:
                db.session.execute(work_list_query(user, wl).with_only_columns(func.count()).order_by(None)).scalar()
            wl = next(w for w in lists if w.key == "to_refer")
            rows = db.session.execute(work_list_query(user, wl).limit(50).offset(0)).all()
            elapsed = time.perf_counter() - started
            db.session.rollback()
            assert len(rows) == 50
            return elapsed

    for _ in range(5):   # warm caches and the connection pool
        client.get(url)
        floor()
    for _ in range(requests):
        started = time.perf_counter()
        r = client.get(url)
        page_times.append(time.perf_counter() - started)
        assert r.status_code == 200 and len(ROW_LINK.findall(r.get_data(as_text=True))) == 50, r.status_code
        floor_times.append(floor())

    def summary(times):
        ordered = sorted(times)
        return {"median_ms": round(statistics.median(ordered) * 1000, 1),
                "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000, 1)}

    page, floor_ = summary(page_times), summary(floor_times)
    page["ratio"] = round(page["median_ms"] / floor_["median_ms"], 2) if floor_["median_ms"] else None
    return {"page": page, "floor": floor_}


def run_backend(name: str, url: str, cases: int, requests: int) -> dict:
    print(f"== {name}: filling {cases:,} cases …", flush=True)
    app = make_app(url)
    info = fill(app, cases)
    print(f"   inserted in {info['insert_seconds']} s; measuring {requests} requests …", flush=True)
    result = measure(app, requests)
    with app.app_context():
        from toeleiding.extensions import db
        db.engine.dispose()
    result.update(info)
    print(f"   page  median {result['page']['median_ms']} ms, p95 {result['page']['p95_ms']} ms")
    print(f"   floor median {result['floor']['median_ms']} ms, p95 {result['floor']['p95_ms']} ms; "
          f"ratio {result['page']['ratio']}x", flush=True)
    return result


def _postgres_url(admin_url: str) -> str:
    import psycopg
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {PG_BENCH_DB}")
    return admin_url.rsplit("/", 1)[0] + f"/{PG_BENCH_DB}"


def write_readme(results: dict, cases: int, requests: int) -> None:
    path = ROOT / "bench" / "README.md"
    lines = ["## Work list", "",
             f"`bench/worklist.py` ({dt.date.today():%Y-%m-%d}, {cases:,} cases, {requests} requests each, "
             "machine: 2 cores). The page is GET /werkvoorraad as a JGZ nurse, list \"indicated, not yet "
             "referred\": counts of all four lists, 50 rows decrypted (name, birth date), rendered, and 50 "
             "access-log rows written. The floor is the same SQL (the four counts and the page query) "
             "without decryption or rendering, measured in the same run, interleaved with the page. "
             "Other test runs shared the machine; compare the ratios.", "",
             "```sh", ".venv/bin/python bench/worklist.py          # SQLite file + PostgreSQL test_web_bench", "```", "",
             "| database | page median | page p95 | floor median | floor p95 | page / floor |",
             "|---|---|---|---|---|---|"]
    for name, r in results.items():
        lines.append(f"| {name} | {r['page']['median_ms']} ms | {r['page']['p95_ms']} ms | {r['floor']['median_ms']} ms "
                     f"| {r['floor']['p95_ms']} ms | {r['page']['ratio']}× |")
    ok = all(r["page"]["median_ms"] < 150 and (r["page"]["ratio"] or 0) <= 3 for r in results.values())
    lines += ["", f"Goal: median under 150 ms and at most 3× the floor: {'met' if ok else 'NOT met'}.",
              "The lists filter on state and order by `state_since` (index `ix_cases_state_state_since`, "
              "migration d1_web); the counts use `ix_cases_municipality_state`.", ""]
    section = "\n".join(lines)
    text = path.read_text() if path.exists() else "# Benchmarks\n\n"
    start = text.find("## Work list")
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + ("\n" + text[end + 1:] if end != -1 else "")
    path.write_text(text)
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    (results_dir / "worklist.json").write_text(json.dumps(results, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--postgres-admin-url", default=os.environ.get("BENCH_POSTGRES_ADMIN_URL", PG_ADMIN_URL))
    parser.add_argument("--no-readme", action="store_true", help="print only; do not touch bench/README.md")
    args = parser.parse_args()
    results = {}
    if not args.no_sqlite:
        tmp = tempfile.mkdtemp(prefix="bench-worklist-")
        results["SQLite"] = run_backend("SQLite", f"sqlite:///{tmp}/bench.db", args.cases, args.requests)
    if not args.no_postgres:
        results["PostgreSQL"] = run_backend("PostgreSQL", _postgres_url(args.postgres_admin_url), args.cases, args.requests)
    if not args.no_readme:
        write_readme(results, args.cases, args.requests)
        print("figures written to bench/README.md (section 'Work list')")


if __name__ == "__main__":
    main()
