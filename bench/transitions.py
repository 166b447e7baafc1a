"""Transitions per second: service layer and HTTP API, next to the raw floor of the same writes.

    python bench/transitions.py [--db sqlite|postgres|both] [--n N] [--rounds R] [--pg-url URL]
                                [--profile service|http|floor] [--floor-without-crypto]
                                [--floor-without-reminders]

A benchmark, not a test: it prints numbers and asserts nothing about them. Each path moves its
own prepared cases along the main path of the workflow (indicate, refer, place,
hand_over_to_school, close), one transition per unit of work and one commit each:

- floor:   plain SQLAlchemy Core on one connection: UPDATE cases (state and the columns the
           trigger sets, version + 1, WHERE id AND version), INSERT case_events, INSERT
           case_locations on a referral, the reminder rows the step cancels (UPDATE) and starts
           (INSERT), INSERT access_log; commit. The rows are the ones the app writes (checked
           after the run), with values worked out in advance: no reads at all.
- service: ``fire_transition`` in a fresh app context per transition (as a request has), the
           user loaded by id, then commit.
- http:    POST /api/v1/cases/<id>/transitions through the Flask test client with a bearer
           token: the full WSGI stack, authentication, the service, and the JSON answer.

The three paths take turns every few dozen transitions within a round, so the load of other
processes on a shared machine falls on all three alike.
The cases are registered beforehand through the services (not timed) in the demo's world. The
database is emptied and migrated first: --pg-url must point at a throw-away database.
"""
from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import math
import pstats
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, and this file would shadow the
# `transitions` library the app imports. Put the checkout there instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from bench.common import (DEFAULT_PG_URL, Progress, bsns, ensure_pg_database, fresh_schema,  # noqa: E402
                          load_world, make_app, register_cases)

STEPS_PER_CASE = 5
CHUNK = 10   # cases per turn: the paths take turns every CHUNK transitions
FREE_TEXT = "Warme overdracht afgerond; ouders tevreden (benchmarktekst)."


def steps(world, today: dt.date) -> list[dict]:
    """The main path: who fires what with which data, and what the floor writes for it."""
    def d(n: int) -> str:
        return (today - dt.timedelta(days=n)).isoformat()
    loc, school = world.location_id, world.school_id
    return [
        {"who": "jgz", "trigger": "indicate", "from": "signalled", "to": "indicated", "effective": d(20),
         "data": {"criteria": ["home_language"], "indication_date": d(20)}, "set": {}},
        {"who": "jgz", "trigger": "refer", "from": "indicated", "to": "referred", "effective": d(15),
         "data": {"location_id": loc, "consent": True, "referral_date": d(15)}, "set": {"location_id": loc},
         "scope": loc},
        # The stored data of `place` holds the location it defaulted to, as the service stores it.
        {"who": "ve", "trigger": "place", "from": "referred", "to": "placed", "effective": d(10),
         "data": {"start_date": d(10), "hours_per_week": 16}, "stored": {"location_id": loc}, "set": {}},
        {"who": "ve", "trigger": "hand_over_to_school", "from": "placed", "to": "school_handover",
         "effective": d(1), "data": {"school_id": school, "handover_date": d(1)}, "set": {"school_id": school}},
        {"who": "ve", "trigger": "close", "from": "school_handover", "to": "closed", "effective": d(0),
         "data": {"outcome": "other", "reason_text": FREE_TEXT, "date": d(0)}, "secret": ["reason_text"],
         "set": {"outcome": "other"}},
    ]


# --- the three paths -------------------------------------------------------------------------

def run_service(app, world, cases, plan, i) -> None:
    """Step ``i`` of the plan for each case: the cases stand at version i + 1."""
    from toeleiding.cases.operations import fire_transition
    from toeleiding.extensions import db
    from toeleiding.users.models import User

    step = plan[i]
    for case_id, _birth in cases:
        with app.app_context():
            user = db.session.get(User, world.user_ids[step["who"]])
            fire_transition(user, case_id, step["trigger"], i + 1, step["data"])
            db.session.commit()


def run_http(app, world, cases, plan, i, tokens) -> None:
    client = app.test_client()
    step = plan[i]
    headers = {"Authorization": f"Bearer {tokens[step['who']]}"}
    for case_id, _birth in cases:
        r = client.post(f"/api/v1/cases/{case_id}/transitions", headers=headers,
                        json={"trigger": step["trigger"], "version": i + 1, "data": step["data"]})
        if r.status_code != 200:
            raise SystemExit(f"HTTP path: {step['trigger']} answered {r.status_code}: "
                             f"{r.get_data(as_text=True)[:300]}")


class Floor:
    """The same rows with plain SQLAlchemy Core: what a transition cannot cost less than."""

    def __init__(self, app, world, crypto: bool, reminders: bool = True):
        from sqlalchemy import select

        from toeleiding.crypto import current_keyring
        from toeleiding.extensions import db
        from toeleiding.models import AccessLogEntry, Case, CaseEvent, CaseLocation
        from toeleiding.users.models import User

        self.app, self.world, self.crypto = app, world, crypto
        self.cases, self.events = Case.__table__, CaseEvent.__table__
        self.scope, self.log = CaseLocation.__table__, AccessLogEntry.__table__
        with app.app_context():
            self.keyring = current_keyring()
            self.users = {who: db.session.execute(select(User.id, User.role, User.organisation_id)
                                                  .where(User.id == uid)).one()
                          for who, uid in world.user_ids.items()}
            self.municipality_id = db.session.scalar(select(Case.municipality_id).limit(1))
        self.conn, self.prev, self.remind, self.birth = None, None, None, None
        try:   # the access log may be hash-chained; then the floor writes the same chain
            from toeleiding.audit.models import GENESIS, chain_hash
            self.chain = chain_hash if "hash" in self.log.c else None
            self.genesis = GENESIS
        except ImportError:
            self.chain = None
        with app.app_context():
            # On PostgreSQL a trigger links the chain inside the INSERT (migration f1), for the
            # floor as for the app; computing it here as well would only slow the floor down.
            self.db_links_chain = db.engine.dialect.name == "postgresql"
        self.chain_in_db = self.chain is not None and self.db_links_chain
        if self.chain_in_db:
            self.chain = None
        try:   # the reminders feature derives reminder rows on every transition; so does the floor
            from toeleiding.reminders.models import Reminder
            self.reminders = Reminder.__table__ if reminders else None
        except ImportError:
            self.reminders = None

    def reminder_writes(self, plan, birth: dt.date) -> list[tuple[list[str], list[dict]]]:
        """Per step: the rules whose live reminders it cancels, and the chains it starts.

        Worked out before the clock runs from the workflow's rules, as the app's
        ``sync_reminders`` would for these cases (all born on one day, all on the main path)."""
        from toeleiding import clock
        from toeleiding.reminders.util import applicable_rules, local_midnight
        from toeleiding.workflow import current_workflow

        addressed = {"jgz": self.users["jgz"].organisation_id, "ve": self.users["ve"].organisation_id}
        with self.app.app_context():
            workflow = current_workflow()
            live = {(r.name, 0 if r.at_age_months is not None else 1)   # started by the registration
                    for r in applicable_rules(workflow, workflow.initial, None)}
            writes = []
            for i, step in enumerate(plan):
                effective, stay = dt.date.fromisoformat(step["effective"]), i + 2
                wanted = {(r.name, 0 if r.at_age_months is not None else stay): r
                          for r in applicable_rules(workflow, step["to"], None)}
                rows = []
                for (name, chain_stay), rule in wanted.items():
                    if (name, chain_stay) in live:
                        continue
                    if rule.at_age_months is None:
                        anchor = effective
                        due = local_midnight(anchor + dt.timedelta(days=rule.after_days))
                    else:
                        anchor = clock.add_months(birth.replace(day=1), rule.at_age_months)
                        if clock.add_months(birth, rule.at_age_months) <= clock.today():
                            raise SystemExit("floor: the bench's children are past an age milestone")
                        due = local_midnight(anchor)
                    rows.append({"rule": name, "stay": chain_stay, "anchor": anchor, "occurrence": 1,
                                 "role": rule.role, "organisation_id": addressed[rule.role], "state": "pending",
                                 "due_at": due, "wake_at": due, "deliveries": 0})
                writes.append((sorted(name for name, s in live if (name, s) not in wanted), rows))
                live = set(wanted)
        return writes

    def run(self, cases, plan, i) -> None:
        """Step ``i`` of the plan for each case, on one connection held for the whole run."""
        from sqlalchemy import insert, select, update

        from toeleiding import clock
        from toeleiding.extensions import db

        if self.conn is None:
            with self.app.app_context():
                self.conn = db.engine.connect()
            if self.chain:   # the previous hash, read once and then kept in memory
                self.prev = self.conn.scalar(select(self.log.c.hash).order_by(self.log.c.id.desc()).limit(1)) \
                    or self.genesis
                self.conn.commit()
        if self.reminders is not None and self.remind is None:
            self.remind = self.reminder_writes(plan, cases[0][1])
            self.birth = cases[0][1]
        if self.remind is not None and any(birth != self.birth for _id, birth in cases):
            raise SystemExit("floor: the cases must share one birth date")
        conn, step = self.conn, plan[i]
        user = self.users[step["who"]]
        effective = dt.date.fromisoformat(step["effective"])
        location = next((s["set"]["location_id"] for s in reversed(plan[:i + 1]) if "location_id" in s["set"]), None)
        stored = {k: v for k, v in {**step["data"], **step.get("stored", {})}.items()
                  if k not in step.get("secret", ())}
        for case_id, birth in cases:
            now = clock.now()
            secret = None
            if step.get("secret"):
                plain = json.dumps({k: step["data"][k] for k in step["secret"]}, separators=(",", ":")).encode()
                if self.crypto:
                    secret = self.keyring.encrypt(plain, f"case_events.secret:{case_id}:{i + 2}".encode())
                else:
                    secret = plain
            with conn.begin():
                r = conn.execute(update(self.cases)
                                 .where(self.cases.c.id == case_id, self.cases.c.version == i + 1)
                                 .values(state=step["to"], version=i + 2, state_since=effective,
                                         updated_at=now, **step["set"]))
                if r.rowcount != 1:
                    raise SystemExit(f"floor: case {case_id} was not at version {i + 1}")
                conn.execute(insert(self.events).values(
                    case_id=case_id, seq=i + 2, trigger=step["trigger"], from_state=step["from"],
                    to_state=step["to"], effective_date=effective, recorded_at=now, user_id=user.id,
                    role=user.role, organisation_id=user.organisation_id,
                    municipality_id=self.municipality_id, location_id=location, birth_month=birth.replace(day=1),
                    age_months=clock.months_between(birth, effective), data=stored, secret=secret))
                if step.get("scope"):
                    conn.execute(insert(self.scope).values(case_id=case_id, location_id=step["scope"]))
                if self.remind is not None:
                    cancel, new_rows = self.remind[i]
                    rem = self.reminders.c
                    if cancel:
                        conn.execute(update(self.reminders)
                                     .where(rem.case_id == case_id, rem.rule.in_(cancel),
                                            rem.state.in_(("pending", "open", "snoozed")))
                                     .values(state="cancelled", wake_at=None, cancelled_at=now))
                    if new_rows:
                        conn.execute(insert(self.reminders),
                                     [{**r, "case_id": case_id, "created_at": now} for r in new_rows])
                row = {"at": now, "user_id": user.id, "role": user.role,
                       "organisation_id": user.organisation_id, "on_behalf_of": None, "emergency": False,
                       "case_id": case_id, "action": f"transition:{step['trigger']}", "result": "allowed",
                       "client": "api", "ip": None}
                row = {k: v for k, v in row.items() if k in self.log.c}
                if self.chain:
                    row["prev_hash"] = self.prev
                    row["hash"] = self.prev = self.chain(self.prev, row)
                conn.execute(insert(self.log).values(row))

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


# --- the check that the floor writes what the app writes -----------------------------------------

def rows_of(app, case_id) -> dict:
    from sqlalchemy import select

    from toeleiding.extensions import db
    from toeleiding.models import AccessLogEntry, Case, CaseEvent, CaseLocation

    c, e, log = Case.__table__, CaseEvent.__table__, AccessLogEntry.__table__
    with app.app_context():
        case = db.session.execute(select(c.c.state, c.c.version, c.c.state_since, c.c.location_id, c.c.school_id,
                                         c.c.outcome, c.c.not_reached_reason).where(c.c.id == case_id)).one()
        events = db.session.execute(select(e.c.seq, e.c.trigger, e.c.from_state, e.c.to_state, e.c.effective_date,
                                           e.c.user_id, e.c.role, e.c.organisation_id, e.c.municipality_id,
                                           e.c.location_id, e.c.birth_month, e.c.age_months, e.c.data,
                                           e.c.secret.is_not(None))
                                    .where(e.c.case_id == case_id, e.c.seq > 1).order_by(e.c.seq)).all()
        scope = db.session.scalars(select(CaseLocation.__table__.c.location_id)
                                   .where(CaseLocation.__table__.c.case_id == case_id)).all()
        logged = db.session.execute(select(log.c.action, log.c.role, log.c.result)
                                    .where(log.c.case_id == case_id, log.c.action.like("transition:%"))
                                    .order_by(log.c.id)).all()
        try:
            from toeleiding.reminders.models import Reminder
            r = Reminder.__table__.c
            reminders = db.session.execute(
                select(r.rule, r.stay, r.anchor, r.occurrence, r.role, r.organisation_id, r.state, r.due_at,
                       r.wake_at, r.deliveries, r.cancelled_at.is_(None))
                .where(r.case_id == case_id).order_by(r.rule, r.stay)).all()
        except ImportError:
            reminders = []
    return {"case": tuple(case), "events": [tuple(r) for r in events], "case_locations": scope,
            "access_log": [tuple(r) for r in logged], "reminders": [tuple(r) for r in reminders]}


# --- running, reporting, profiling -------------------------------------------------------------

def login_tokens(app, world) -> dict[str, str]:
    client = app.test_client()
    tokens = {}
    for who, email in world.emails.items():
        r = client.post("/api/v1/auth/login", json={"email": email, "password": "demo"})
        if r.status_code != 200:
            raise SystemExit(f"cannot sign in as {email}: {r.status_code}")
        tokens[who] = r.json["token"]
    return tokens


class StatementCounter:
    """Every SQL statement sent while active, grouped: on a database-bound path, round trips are the cost."""

    def __init__(self, engine):
        self.engine, self.seen = engine, defaultdict(int)

    def _count(self, conn, cursor, statement, parameters, context, executemany):
        self.seen[" ".join(statement.split())[:110]] += 1

    def _begin(self, conn):
        self.seen["BEGIN (implicit)"] += 1

    def _commit(self, conn):
        self.seen["COMMIT"] += 1

    def __enter__(self):
        from sqlalchemy import event
        event.listen(self.engine, "before_cursor_execute", self._count)
        event.listen(self.engine, "begin", self._begin)
        event.listen(self.engine, "commit", self._commit)
        return self

    def __exit__(self, *exc):
        from sqlalchemy import event
        event.remove(self.engine, "before_cursor_execute", self._count)
        event.remove(self.engine, "begin", self._begin)
        event.remove(self.engine, "commit", self._commit)

    def report(self, transitions: int) -> str:
        total = sum(self.seen.values())
        lines = [f"SQL statements: {total / transitions:.1f} per transition (BEGIN and COMMIT included; "
                 "pool pre-pings are not seen here)"]
        for text, n in sorted(self.seen.items(), key=lambda kv: -kv[1]):
            lines.append(f"  {n / transitions:5.2f}  {text}")
        return "\n".join(lines)


CATEGORIES = [("toeleiding", "/toeleiding/"), ("sqlalchemy", "/sqlalchemy/"), ("psycopg (driver)", "/psycopg"),
              ("flask/werkzeug", "/flask"), ("flask/werkzeug", "/werkzeug/"), ("transitions", "/transitions/"),
              ("cryptography", "/cryptography/"), ("json", "/json/")]


def profile_report(profiler: cProfile.Profile, top: int = 30) -> str:
    stats = pstats.Stats(profiler)
    total = sum(v[2] for v in stats.stats.values())
    by_category: dict[str, float] = defaultdict(float)
    for (filename, _line, func), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        name = next((c for c, marker in CATEGORIES if marker in filename), None)
        if name is None:
            name = "sqlite3 / socket / C builtins" if filename == "~" else "other Python"
            if "execute" in func or "commit" in func or "recv" in func or "send" in func:
                name = "database calls (C)" if filename == "~" else name
        by_category[name] += tottime
    lines = ["own time by package:"]
    for name, t in sorted(by_category.items(), key=lambda kv: -kv[1]):
        lines.append(f"  {name:<32} {t:7.2f} s  {100 * t / total:5.1f} %")
    import io
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    lines.append(out.getvalue())
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    lines.append(out.getvalue())
    return "\n".join(lines)


def bench_database(label: str, url: str, n: int, rounds: int, crypto: bool, profile: str | None,
                   profile_out: str | None = None, reminders: bool = True) -> list[dict]:
    app = make_app(url)
    print(f"== {label}: preparing a fresh database ({app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]})",
          file=sys.stderr)
    fresh_schema(app)
    from toeleiding import clock
    from toeleiding.extensions import db

    per_slice, warm = math.ceil(n / STEPS_PER_CASE), 2
    paths = ["floor", "service", "http"]
    sizes = [warm] * len(paths) + [per_slice] * (rounds * len(paths) + (1 if profile else 0))
    with app.app_context():
        world = load_world()
        plan = steps(world, clock.today())
        progress = Progress(f"{label}: registering cases (not timed)", sum(sizes))
        cases = register_cases(world, sum(sizes), bsns(), progress=progress)
        db.session.remove()
    slices, at = [], 0
    for size in sizes:   # each path and round moves cases of its own
        slices.append(cases[at:at + size])
        at += size
    tokens = login_tokens(app, world)
    floor = Floor(app, world, crypto, reminders)
    runners = {
        "floor": lambda cs, i: floor.run(cs, plan, i),
        "service": lambda cs, i: run_service(app, world, cs, plan, i),
        "http": lambda cs, i: run_http(app, world, cs, plan, i, tokens),
    }
    for path in paths:   # warm up: connections, compiled-statement caches, imports
        warm_cases = slices.pop(0)
        for i in range(STEPS_PER_CASE):
            runners[path](warm_cases, i)

    timings: dict[str, list[float]] = defaultdict(list)
    cpu_ms: dict[str, list[float]] = defaultdict(list)   # this process only: not the database server
    used: dict[str, list] = defaultdict(list)
    for r in range(rounds):
        # Each path moves cases of its own, but the three take turns in small chunks (a few
        # dozen transitions each), so a neighbour's load falls on all three alike.
        own = {path: slices.pop(0) for path in paths}
        for path in paths:
            used[path].append(own[path])
        spent = {path: [0.0, 0.0] for path in paths}
        count = len(own["floor"]) * STEPS_PER_CASE
        progress = Progress(f"{label} round {r + 1}/{rounds} (the three paths in turn)", 3 * count)
        done, turn = 0, 0
        for i in range(STEPS_PER_CASE):
            for at in range(0, per_slice, CHUNK):
                order = paths[turn % 3:] + paths[:turn % 3]   # rotate, so no path always goes first
                turn += 1
                for path in order:
                    chunk = own[path][at:at + CHUNK]
                    start, cpu = time.perf_counter(), time.process_time()
                    runners[path](chunk, i)
                    spent[path][0] += time.perf_counter() - start
                    spent[path][1] += time.process_time() - cpu
                    done += len(chunk)
                    progress(done)
        for path in paths:
            timings[path].append(count / spent[path][0])
            cpu_ms[path].append(1000 * spent[path][1] / count)

    if profile:
        chunk = slices.pop(0)
        count = len(chunk) * STEPS_PER_CASE
        profiler = cProfile.Profile()
        progress = Progress(f"{label} profiling {profile}", STEPS_PER_CASE)
        with app.app_context():
            engine = db.engine
        # No app context held around the run: each request and unit of work must push its own.
        with StatementCounter(engine) as statements:
            profiler.enable()
            for i in range(STEPS_PER_CASE):
                runners[profile](chunk, i)
                progress(i + 1)
            profiler.disable()
        if profile_out:
            profiler.dump_stats(f"{profile_out}.{label}.{profile}.prof")
        print(f"\n== profile of the {profile} path on {label} ({count} transitions)")
        print(statements.report(count))
        print(profile_report(profiler))
    floor.close()

    # The floor must write what the app writes: one case of each path, row by row.
    written = {path: rows_of(app, used[path][0][-1][0]) for path in paths}
    if floor.reminders is None:   # --floor-without-reminders: compare everything else
        for rows in written.values():
            rows.pop("reminders")
    same_rows = all(written[path] == written["service"] for path in paths)
    if not same_rows:
        for path in paths:
            print(f"{label} {path} wrote: {written[path]}", file=sys.stderr)
    with app.app_context():
        db.engine.dispose()
    return [{"db": label, "path": path, "rates": timings[path], "cpu_ms": statistics.median(cpu_ms[path]),
             "same_rows": same_rows,
             "chain": "database" if floor.chain_in_db else "memory" if floor.chain else None,
             "floor_reminders": floor.reminders is not None} for path in paths]


LABELS = {"floor": "floor (SQLAlchemy Core)", "service": "service layer", "http": "HTTP API (test client)"}


def report(results: list[dict], n: int, rounds: int, crypto: bool) -> str:
    n = math.ceil(n / STEPS_PER_CASE) * STEPS_PER_CASE
    lines = [f"Transitions per second: {n} transitions per path and round, {rounds} round(s); "
             "one commit per transition",
             f"{'database':<10} {'path':<25} {'median [min–max]':>22} {'ms each':>8} {'× floor':>8} "
             f"{'× floor, best':>14} {'CPU ms each':>12}"]
    floors = {r["db"]: statistics.median(r["rates"]) for r in results if r["path"] == "floor"}
    best_floors = {r["db"]: max(r["rates"]) for r in results if r["path"] == "floor"}
    for r in results:
        med = statistics.median(r["rates"])
        spread = f"{med:,.0f} [{min(r['rates']):,.0f}–{max(r['rates']):,.0f}]"
        lines.append(f"{r['db']:<10} {LABELS[r['path']]:<25} {spread:>22} {1000 / med:8.2f} "
                     f"{floors[r['db']] / med:8.2f} {best_floors[r['db']] / max(r['rates']):14.2f} {r['cpu_ms']:12.2f}")
    lines.append("(× floor: medians; × floor, best: the fastest round of each, the least disturbed by other load)")
    lines.append("(CPU ms each: this Python process only; the rest of 'ms each' is waiting for the database)")
    lines.append("")
    chains = {r["db"]: r["chain"] for r in results}
    how = {"memory": "the previous hash kept in memory", "database": "linked by the database's trigger, as for the app"}
    lines.append("floor: the same rows as the app (case UPDATE with version check, case_events INSERT, "
                 "case_locations INSERT on refer, access_log INSERT)")
    for db_label, chain in chains.items():
        if chain:
            lines.append(f"       access_log hash chain on {db_label}: {how[chain]}")
    lines.append("       " + ("includes AES-GCM encryption of the event secret (free text of `close`), as the app does"
                              if crypto else "WITHOUT encryption: the event secret is written as plain bytes"))
    if all(r["floor_reminders"] for r in results):
        lines.append("       and the reminder rows the transition cancels and starts (UPDATE reminders, INSERT reminders);")
    else:
        lines.append("       WITHOUT the reminder rows the transition cancels and starts (--floor-without-reminders);")
    lines.append("       it reads nothing: every value is worked out before the clock runs")
    for db_label in dict.fromkeys(r["db"] for r in results):
        ok = all(r["same_rows"] for r in results if r["db"] == db_label)
        lines.append(f"same rows check on {db_label}: " + ("the floor wrote what the app wrote" if ok else
                     "MISMATCH between the floor and the app: the comparison above is not fair"))
    worst = max(floors[r["db"]] / statistics.median(r["rates"]) for r in results)
    lines.append(f"goal: at most 3× the floor; worst ratio in this run: {worst:.2f}×")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--n", type=int, default=1000, help="transitions per path and round (default 1000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the median is reported (default 3)")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL,
                        help=f"a THROW-AWAY PostgreSQL database: it is emptied (default {DEFAULT_PG_URL})")
    parser.add_argument("--sqlite-path", default=None, help="a new SQLite file (default: in a temporary folder)")
    parser.add_argument("--profile", choices=("service", "http", "floor"),
                        help="after measuring, profile one more batch of this path with cProfile")
    parser.add_argument("--profile-out", metavar="PREFIX",
                        help="also save the profile as PREFIX.<db>.<path>.prof (for pstats or snakeviz)")
    parser.add_argument("--floor-without-reminders", action="store_true",
                        help="leave the reminder rows out of the floor (and out of the same-rows check)")
    parser.add_argument("--floor-without-crypto", action="store_true",
                        help="leave the encryption of the event secret out of the floor")
    args = parser.parse_args(argv)
    if args.n < STEPS_PER_CASE or args.rounds < 1:
        parser.error(f"--n must be at least {STEPS_PER_CASE} and --rounds at least 1")

    import tempfile
    targets = []
    if args.db in ("sqlite", "both"):
        if args.sqlite_path and Path(args.sqlite_path).exists():
            parser.error(f"--sqlite-path {args.sqlite_path} exists; give a new file (the benchmark fills it)")
        path = args.sqlite_path or str(Path(tempfile.mkdtemp(prefix="toeleiding-bench-")) / "bench.db")
        targets.append(("sqlite", f"sqlite:///{path}"))
    if args.db in ("postgres", "both"):
        ensure_pg_database(args.pg_url)   # before the SQLite half runs, not after
        targets.append(("postgres", args.pg_url))
    results = []
    for label, url in targets:
        results += bench_database(label, url, args.n, args.rounds, not args.floor_without_crypto, args.profile,
                                  args.profile_out, not args.floor_without_reminders)
    print()
    print(report(results, args.n, args.rounds, not args.floor_without_crypto))
    return 0


if __name__ == "__main__":
    sys.exit(main())
