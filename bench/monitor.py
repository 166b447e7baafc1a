"""Benchmark: the monitor of every municipality at one reference date over 1,000,000 cases.

    .venv/bin/python bench/monitor.py                      # PostgreSQL (test_mon_bench) and SQLite
    .venv/bin/python bench/monitor.py --backend postgresql --cases 200000
    .venv/bin/python bench/monitor.py --reuse              # skip filling when the database already holds N cases

The database is emptied and migrated from scratch (never point this at data you want to keep),
then filled with Core bulk inserts straight into ``cases`` and ``case_events``: histories shaped
like the workflow's (registration, indication sometimes back-dated before it, referral, waiting
list, placement, not reached with a reason and re-referral, moves within the region, moves out,
warm handover and closing at school), each recorded a few days after its effective date. The
encrypted columns hold one fixed dummy blob: the monitor never reads them.

What is timed, in the same run and on the same rows, each the best of ``--repeat`` runs after one
warm-up:

- ``monitor``: ``compute_monitors`` for every region: the one query over all municipalities at
  P, then the cells in Python (the API and the page run the same query for one region);
- ``floor``: a hand-written ``GROUP BY`` over the same history rows, the least any monitor
  must do: ``SELECT municipality_id, to_state, count(*) FROM case_events WHERE effective_date
  <= P GROUP BY 1, 2``;
- ``per-case floor``: the hand-written core of the monitor without its definitions, ages,
  reasons or flows: the latest event per case at P (``max(seq) GROUP BY case_id``) joined back
  and counted per municipality and state.

Both floors carry the law's dose (issue 11) as the monitor does: the per-case dose (the ``place``,
``change_hours`` and placement-ending rows at P, each paired with the next by a window, summed per case: hours by age
4 against the location's weeks open, age at the start, hours now) and its three flags
(below 960 hours, started after 30 months, below 16 hours a week) as GROUP BY columns: the plain
floor adds them as a second GROUP BY of the dose per case (``UNION ALL``), the per-case floor
joins the dose to the latest event per case. Both also group by the CBS age band (at least 30
months old at P) and by the day a waiting child's waiting-list step took effect, as the monitor
does. About 15% of the placed children change hours once; placements take 12, 16 or 20 hours;
locations are open 38 to 46 weeks.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import secrets
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

# Run as a script, this folder comes first on the path, and bench/transitions.py would hide the
# `transitions` package the workflow needs: put the project root there instead.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

PG_URL = "postgresql://postgres@127.0.0.1:5432/test_mon_bench"
PEILDATUM = dt.date(2025, 6, 30)
NOW = dt.date(2025, 12, 31)          # histories are cut here: nothing is recorded after it
FIRST_BIRTH = dt.date(2018, 1, 1)
BLOB = b"\x00bench-dummy-ciphertext\x00"
# The real municipalities of both regions: code, name, inhabitants (weight), minimum age.
REGIONS = {
    "ijmond": ("IJmond", [("GM0375", "Beverwijk", 42866, 30), ("GM0396", "Heemskerk", 39482, 30),
                          ("GM0453", "Velsen", 69241, 24)]),
    "bevelanden": ("De Bevelanden", [("GM0654", "Borsele", 23125, 30), ("GM1695", "Noord-Beveland", 8046, 30),
                                     ("GM0678", "Kapelle", 13012, 24), ("GM0664", "Goes", 40120, 30),
                                     ("GM0703", "Reimerswaal", 23335, 24)]),
}
REASONS = ["parents_declined", "no_contact", "moved", "regular_childcare", "medical", "waiting_list", "other"]
REASON_WEIGHTS = [20, 20, 8, 15, 5, 7, 25]

from bench.common import make_app  # noqa: E402


def progress(label: str, done: int, total: int, started: float) -> None:
    rate = done / max(time.perf_counter() - started, 1e-9)
    print(f"\r  {label}: {done:>9,}/{total:,} cases ({rate:,.0f}/s)", end="", file=sys.stderr, flush=True)


def reset_database(url: str) -> None:
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        for p in (path, Path(str(path) + "-wal"), Path(str(path) + "-shm")):
            p.unlink(missing_ok=True)
        return
    admin = sa.create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    name = url.rsplit("/", 1)[1]
    with admin.connect() as conn:
        if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def make_world():
    """Both regions, definitions of two policy periods, three VE locations per municipality, one JGZ user."""
    from toeleiding.extensions import db
    from toeleiding.organisations.models import Location, Municipality, Organisation, Region, TargetGroupDefinition
    from toeleiding.users.models import User
    from toeleiding import clock
    criteria = [{"code": "parents_low_education", "label": "Ouders laag opgeleid"}]
    world = {"municipalities": [], "weights": [], "locations": {}, "region_of": {}}
    lrk = 100000000
    for slug, (name, munis) in REGIONS.items():
        region = Region(slug=slug, name=name)
        db.session.add(region)
        provider = Organisation(name=f"VE {name}", kind="ve_provider", region=region)
        jgz = Organisation(name=f"JGZ {name}", kind="jgz", region=region)
        db.session.add_all([provider, jgz])
        db.session.flush()
        world.setdefault("jgz", jgz.id)
        for code, mname, inhabitants, min_age in munis:
            m = Municipality(code=code, name=mname, region=region, inhabitants=inhabitants)
            db.session.add(m)
            db.session.flush()
            db.session.add_all([
                TargetGroupDefinition(municipality_id=m.id, name="2019–2022", valid_from=dt.date(2019, 1, 1),
                                      valid_until=dt.date(2022, 12, 31), min_age_months=30, criteria=criteria),
                TargetGroupDefinition(municipality_id=m.id, name="2023–2026", valid_from=dt.date(2023, 1, 1),
                                      valid_until=None, min_age_months=min_age, criteria=criteria)])
            locs = []
            for i in range(3):
                lrk += 1
                loc = Location(provider_id=provider.id, municipality_id=m.id, name=f"{mname} {i}", lrk_number=str(lrk),
                               weeks_open=(40, 38, 46)[i])
                db.session.add(loc)
                db.session.flush()
                locs.append(loc.id)
            world["municipalities"].append(m.id)
            world["weights"].append(inhabitants)
            world["locations"][m.id] = locs
            world["region_of"][m.id] = slug
    user = User(email="bench@bench.example", name="Bench", password_hash="-", role="jgz",
                organisation_id=world["jgz"], active=True, created_at=clock.now())
    db.session.add(user)
    db.session.commit()
    world["user"] = user.id
    return world


class HistoryMaker:
    """One case's row and events, with the shapes the workflow allows."""

    def __init__(self, world: dict, seed: int = 7):
        self.rng = random.Random(seed)
        self.world = world
        self.span = (PEILDATUM - FIRST_BIRTH).days
        self.region_munis = {}
        for m, slug in world["region_of"].items():
            self.region_munis.setdefault(slug, []).append(m)

    def case(self):
        from toeleiding.clock import add_months, months_between
        rng, w = self.rng, self.world
        cid = uuid.UUID(int=rng.getrandbits(128))
        birth = FIRST_BIRTH + dt.timedelta(days=rng.randrange(self.span))
        home = rng.choices(w["municipalities"], w["weights"])[0]
        registered = min(birth + dt.timedelta(days=rng.randrange(300, 900)), NOW)
        events = []
        state = {"state": "signalled", "location": None, "reason": None, "outcome": None, "since": registered,
                 "home": home, "ever_nr": False}

        def add(trigger, to_state, day, data, location=None):
            if day > NOW:
                return False
            events.append({"case_id": cid, "seq": len(events) + 1, "trigger": trigger, "from_state": state["state"] if events else None,
                           "to_state": to_state, "effective_date": day,
                           "recorded_at": dt.datetime.combine(day + dt.timedelta(days=rng.randrange(0, 8)), dt.time(10),
                                                              dt.timezone.utc),
                           "user_id": w["user"], "role": "jgz", "organisation_id": w["jgz"],
                           "municipality_id": state["home"], "location_id": location if location is not None else state["location"],
                           "birth_month": birth.replace(day=1), "age_months": months_between(birth, day), "data": data, "secret": None})
            if trigger != "move":
                state["state"], state["since"] = to_state, day
            return True

        def later(day, lo, hi):
            return day + dt.timedelta(days=rng.randrange(lo, hi))

        add("register", "signalled", registered, {})
        day = registered
        if rng.random() < 0.08:
            add("close" if rng.random() < 0.3 else "reject", "closed", later(day, 0, 20), {"outcome": "not_target_group"})
            state["outcome"] = "not_target_group"
        else:
            day = registered - dt.timedelta(days=rng.randrange(1, 15)) if rng.random() < 0.1 else later(day, 0, 21)
            day = max(day, birth)
            ok = add("indicate", "indicated", day, {"criteria": ["parents_low_education"], "indication_date": day.isoformat()})
            attempts = 0
            while ok and attempts < 3:
                attempts += 1
                if rng.random() < 0.03 and len(events) > 1:   # a move within the region
                    day = later(day, 1, 90)
                    new = rng.choice([m for m in self.region_munis[w["region_of"][home]] if m != state["home"]] or [home])
                    old = state["home"]
                    state["home"] = new
                    if not add("move", state["state"], day, {"from": old, "to": new}):
                        state["home"] = old
                if rng.random() < 0.2 and attempts == 1:
                    day = later(day, 5, 120)
                    state["reason"] = rng.choices(REASONS, REASON_WEIGHTS)[0]
                    ok = add("report_not_reached", "not_reached", day, {"reason": state["reason"], "date": day.isoformat()})
                    state["ever_nr"] = True
                    if not ok or rng.random() < 0.5:
                        break
                    trigger = "re_refer"
                else:
                    trigger = "refer"
                if rng.random() < 0.15:
                    break   # stays indicated (or not reached)
                location = rng.choice(w["locations"][state["home"]] if rng.random() < 0.9
                                      else w["locations"][rng.choice(self.region_munis[w["region_of"][home]])])
                day = later(day, 3, 40)
                ok = add(trigger, "referred", day, {"location_id": location, "consent": True, "referral_date": day.isoformat()},
                         location)
                if not ok:
                    break
                state["location"], state["reason"] = location, None
                if rng.random() < 0.25:
                    day = later(day, 2, 20)
                    ok = ok and add("waitlist", "waitlisted", day, {})
                if ok and rng.random() < 0.12:
                    day = later(day, 10, 120)
                    state["reason"] = rng.choices(REASONS, REASON_WEIGHTS)[0]
                    ok = add("report_not_reached", "not_reached", day, {"reason": state["reason"], "date": day.isoformat()})
                    state["ever_nr"] = True
                    continue
                start, four = max(later(day, 7, 90), add_months(birth, 30)), add_months(birth, 48)
                hours = rng.choice((16, 16, 16, 12, 20))
                if ok and start < four - dt.timedelta(days=60) and add(
                        "place", "placed", start, {"start_date": start.isoformat(), "hours_per_week": hours, "location_id": location}):
                    if rng.random() < 0.15:   # the law's dose: the hours change once
                        change = later(start, 20, 200)
                        if change < four - dt.timedelta(days=70):
                            add("change_hours", "placed", change,
                                {"hours_per_week": rng.choice((8, 10, 12, 20, 24)), "hours_date": change.isoformat()})
                    handover = four - dt.timedelta(days=rng.randrange(10, 60))
                    if add("hand_over_to_school", "school_handover", handover,
                           {"school_id": None, "handover_date": handover.isoformat()}):
                        if add("close", "closed", four, {"outcome": "at_school", "date": four.isoformat()}):
                            state["outcome"] = "at_school"
                break
            if state["state"] not in ("closed",) and rng.random() < 0.01:
                day = later(state["since"], 1, 200)
                if add("close", "closed", day, {"outcome": "moved_out_of_region", "date": day.isoformat()}):
                    state["outcome"] = "moved_out_of_region"
        last = state["state"]
        created = dt.datetime.combine(registered, dt.time(10), dt.timezone.utc)
        case_row = {"id": cid, "municipality_id": state["home"], "state": last, "version": len(events),
                    "state_since": state["since"], "created_at": created, "updated_at": created,
                    "registered_by_organisation_id": w["jgz"],
                    "location_id": state["location"] if last in ("referred", "waitlisted", "placed", "school_handover", "closed") else None,
                    "school_id": None, "not_reached_reason": state["reason"] if last == "not_reached" else None,
                    "outcome": state["outcome"] if last == "closed" else None, "ever_not_reached": state["ever_nr"],
                    "bsn_index": secrets.token_hex(8), "birth_month": birth.replace(day=1),
                    "given_name": BLOB, "family_name": BLOB, "bsn": BLOB, "birth_date": BLOB, "postcode": BLOB,
                    "house_number": BLOB, "parents": None}
        return case_row, events


def fill(n: int, world: dict, batch: int = 10_000) -> int:
    from toeleiding.extensions import db
    from toeleiding.cases.models import Case, CaseEvent
    maker = HistoryMaker(world)
    started, events_total = time.perf_counter(), 0
    cases_t, events_t = Case.__table__, CaseEvent.__table__
    with db.engine.begin() as conn:
        for start in range(0, n, batch):
            cases, events = [], []
            for _ in range(min(batch, n - start)):
                row, evs = maker.case()
                cases.append(row)
                events.extend(evs)
            conn.execute(cases_t.insert(), cases)
            conn.execute(events_t.insert(), events)
            events_total += len(events)
            progress("filling", start + len(cases), n, started)
    print(file=sys.stderr)
    return events_total


def best_of(fn, repeat: int) -> tuple[float, object]:
    fn()   # warm-up: caches, plans
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def dose_sql(backend: str) -> str:
    """The dose per case at P in plain SQL (README, "The law's dose"): case_id, municipality_id,
    and the three flags (below 960 hours, started after 30 months, below 16 hours a week)."""
    if backend == "postgresql":
        hours, end = "(data->>'hours_per_week')::int", "(birth_month + interval '49 months')::date"
        days, least, greatest = "({a}) - ({b})", "least", "greatest"
    else:
        hours, end = "CAST(json_extract(data, '$.hours_per_week') AS INTEGER)", "date(birth_month, '+49 months')"
        days, least, greatest = "CAST(julianday({a}) - julianday({b}) AS INTEGER)", "min", "max"
    span = days.format(a=f"{least}(coalesce(nxt, e), e)", b="s")
    return (
        "SELECT case_id, max(municipality_id) AS municipality_id, "
        f"  CASE WHEN sum({least}(h, 30) * {greatest}(0, {span}))"
        "   * max(weeks_open) < 960 * 364 THEN 1 ELSE 0 END AS below_960, "
        "  CASE WHEN min(age_months) > 30 THEN 1 ELSE 0 END AS late_start, "
        "  CASE WHEN max(seq * 64 + h) % 64 < 16 THEN 1 ELSE 0 END AS below_16 "
        "FROM (SELECT ev.case_id, ev.seq, ev.municipality_id, ev.effective_date AS s, "
        "        CASE WHEN ev.trigger IN ('place', 'change_hours') THEN ev.age_months END AS age_months, "
        f"        CASE WHEN ev.trigger IN ('place', 'change_hours') THEN {hours} ELSE 0 END AS h, {end} AS e, "
        "        l.weeks_open, lead(ev.effective_date) OVER (PARTITION BY ev.case_id ORDER BY ev.seq) AS nxt "
        "      FROM case_events ev JOIN locations l ON l.id = ev.location_id "
        "      WHERE ev.trigger IN ('place', 'change_hours', 'stop_placement', 'transfer_to_provider') "
        "        AND ev.effective_date <= :p) seg "
        "GROUP BY case_id")


# The CBS age band (issue 12): at least 30 months old at P by birth month, one more GROUP BY column.
BAND = "CASE WHEN birth_month <= :band THEN 1 ELSE 0 END"
# Capacity (issue 12): the day a waiting child's waiting-list step took effect, one more GROUP BY
# column, as the monitor groups by it for the median days on the waiting list.
WAIT = "CASE WHEN to_state = 'waitlisted' THEN effective_date END"


def floor_sql(backend: str) -> str:
    return (f"SELECT municipality_id, to_state, 0 AS below_960, 0 AS late_start, 0 AS below_16, {BAND} AS band, "
            f"{WAIT} AS since, count(*) "
            f"FROM case_events WHERE effective_date <= :p GROUP BY municipality_id, to_state, {BAND}, {WAIT} "
            "UNION ALL "
            "SELECT municipality_id, 'dose', below_960, late_start, below_16, 0, NULL, count(*) "
            f"FROM ({dose_sql(backend)}) dose GROUP BY municipality_id, below_960, late_start, below_16")


def per_case_floor_sql(backend: str) -> str:
    return (
        f"SELECT e.municipality_id, e.to_state, dose.below_960, dose.late_start, dose.below_16, {BAND.replace('birth_month', 'e.birth_month')}, "
        f"{_on_e(WAIT)}, count(*) "
        "FROM case_events e "
        "JOIN (SELECT case_id, max(seq) AS seq FROM case_events WHERE effective_date <= :p GROUP BY case_id) latest "
        "ON latest.case_id = e.case_id AND latest.seq = e.seq "
        f"LEFT JOIN ({dose_sql(backend)}) dose ON dose.case_id = e.case_id "
        "GROUP BY e.municipality_id, e.to_state, dose.below_960, dose.late_start, dose.below_16, "
        f"{BAND.replace('birth_month', 'e.birth_month')}, {_on_e(WAIT)}")


def _on_e(column_sql: str) -> str:
    """A floor column written for case_events, on its alias ``e``."""
    return column_sql.replace("to_state", "e.to_state").replace("effective_date", "e.effective_date")


def run(backend: str, url: str, n: int, repeat: int, reuse: bool) -> dict:
    print(f"{backend}: {url}", file=sys.stderr)
    from toeleiding.extensions import db
    app = make_app(url)
    with app.app_context():
        existing = None
        if reuse:
            try:
                existing = db.session.scalar(sa.text("SELECT count(*) FROM cases"))
            except Exception:
                db.session.rollback()
        if existing != n:
            db.session.remove()
            db.engine.dispose()
            reset_database(url)
            from flask_migrate import upgrade
            upgrade(revision="heads")
            world = make_world()
            t = time.perf_counter()
            events = fill(n, world)
            print(f"  filled {n:,} cases, {events:,} events in {time.perf_counter() - t:.0f} s", file=sys.stderr)
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("VACUUM ANALYZE" if backend == "postgresql" else "ANALYZE"))
        events = db.session.scalar(sa.text("SELECT count(*) FROM case_events"))

        from toeleiding import clock
        from toeleiding.monitor.util import compute_monitors
        from toeleiding.organisations.models import Region
        regions = list(db.session.scalars(sa.select(Region).order_by(Region.slug)))

        def monitor():
            out = compute_monitors(regions, PEILDATUM)
            db.session.rollback()
            return out

        def floor(sql):
            def go():
                if backend == "postgresql":   # the monitor's own settings (no JIT, work_mem), so the floor is at its best too
                    db.session.execute(sa.text("SET LOCAL jit = off"))
                    db.session.execute(sa.text("SET LOCAL work_mem = '128MB'"))
                band = clock.add_months(PEILDATUM.replace(day=1), -30)
                rows = db.session.execute(sa.text(sql), {"p": PEILDATUM, "band": band}).all()
                db.session.rollback()
                return rows
            return go

        t_monitor, data = best_of(monitor, repeat)
        t_floor, _ = best_of(floor(floor_sql(backend)), repeat)
        t_per_case, _ = best_of(floor(per_case_floor_sql(backend)), repeat)
        target_group = sum(d.counts["total"]["target_group"] for d in data)
        placed = sum(d.counts["total"]["placed"] for d in data)
        below_960 = sum(d.counts["total"]["below_960_hours"] for d in data)
    result = {"backend": backend, "cases": n, "events": events, "monitor": t_monitor, "floor": t_floor,
              "per_case_floor": t_per_case, "target_group": target_group, "placed": placed, "below_960": below_960}
    print(f"  monitor {t_monitor:.3f} s | floor {t_floor:.3f} s ({t_monitor / t_floor:.2f}x) | "
          f"per-case floor {t_per_case:.3f} s ({t_monitor / t_per_case:.2f}x) | "
          f"target group {target_group:,}, placed {placed:,}, below 960 hours {below_960:,}", file=sys.stderr)
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=["postgresql", "sqlite", "both"], default="both")
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--sqlite-path", default=str(Path(tempfile.gettempdir()) / "toeleiding-monitor-bench.db"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="keep the filled database when it holds --cases cases")
    args = parser.parse_args(argv)
    results = []
    if args.backend in ("postgresql", "both"):
        results.append(run("postgresql", args.pg_url, args.cases, args.repeat, args.reuse))
    if args.backend in ("sqlite", "both"):
        results.append(run("sqlite", f"sqlite:///{args.sqlite_path}", args.cases, args.repeat, args.reuse))
    print("| backend | cases | events | monitor (s) | floor (s) | monitor / floor | per-case floor (s) | monitor / per-case floor |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['backend']} | {r['cases']:,} | {r['events']:,} | {r['monitor']:.2f} | {r['floor']:.2f} | "
              f"{r['monitor'] / r['floor']:.1f}x | {r['per_case_floor']:.2f} | {r['monitor'] / r['per_case_floor']:.1f}x |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
