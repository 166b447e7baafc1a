"""`flask cases import` writes a batch's rows in memory-checked bulk (one INSERT per table); the
same file imported one case at a time (register_case and fire_transition per row, the path the
import takes when a step hook has no in-memory twin) must come out the same: the cases (decrypted),
their histories, name tokens, case locations, reminders and access-log rows, at a frozen clock."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from toeleiding.audit.models import AccessLogEntry
from toeleiding.cases import hooks
from toeleiding.cases.models import Case, CaseEvent, CaseLocation, CaseNameToken
from toeleiding.extensions import db
from toeleiding.reminders.models import Reminder

from .factories import child, make_bsn
from .test_case_import import counts, row, run, write_csv

FROZEN = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.timezone.utc)


def day(n: int) -> str:
    return (FROZEN.date() - dt.timedelta(days=n)).isoformat()


def export_rows() -> list[dict]:
    """Every stage of the import, two providers, a name with particles, a placement short of the
    law's hours, a child past the age-4 milestone, a row with an error and a BSN twice."""
    def kid(months: int, **extra) -> dict:
        data = child(months=months, **extra)
        return {k: data[k] for k in ("bsn", "given_name", "family_name", "birth_date", "postcode", "house_number")}
    stages = [
        row("signalled", **kid(30, family_name="van den Berg-Jansen")),
        row("signalled", **kid(47), parent_email="ouder@example.org"),
        row("indicated", **kid(36), indication_date=day(20)),
        row("referred", **kid(40), indication_date=day(90), referral_date=day(60), location_lrk="100000003"),
        row("referred", **kid(38), indication_date=day(90), referral_date=day(5)),
        row("placed", **kid(40), indication_date=day(200), referral_date=day(150), placement_start_date=day(100)),
        row("placed", **kid(47), indication_date=day(200), referral_date=day(150), placement_start_date=day(30),
            hours_per_week="4"),   # projected below 960 hours; past 45 months: a reminder due at once
        row("placed", **kid(40), indication_date=day(200), referral_date=day(150), placement_start_date=day(100),
            hours_per_week="x"),   # an error at its last step
        row("indicated", **kid(20), criteria="no_such_code"),
    ]
    stages.append(dict(stages[2]))   # the same BSN twice in the file
    return stages


def with_new_bsns(rows: list[dict]) -> tuple[list[dict], dict[str, str]]:
    """The same rows for other children (another BSN each); old BSN -> new."""
    new, mapping = [], {}
    for r in rows:
        mapping.setdefault(r["bsn"], make_bsn())
        new.append({**r, "bsn": mapping[r["bsn"]]})
    return new, mapping


def snapshot(app, bsns: list[str]) -> dict:
    """What the import wrote for the children with these BSNs, without ids, readable to compare:
    per child its case (decrypted), history, name tokens, case locations and reminders; the
    access-log rows in order, each case named by its place in ``bsns``."""
    with app.app_context():
        cases = {c.bsn: c for c in db.session.scalars(select(Case))}
        place = {cases[b].id: i for i, b in enumerate(bsns) if b in cases}
        out = {"cases": [], "log": []}
        for b in bsns:
            case = cases.get(b)
            if case is None:
                out["cases"].append(None)
                continue
            fields = {c.key: getattr(case, c.key) for c in Case.__table__.columns
                      if c.key not in ("id", "bsn", "bsn_index") and not isinstance(getattr(case, c.key, None), bytes)}
            fields.update(given_name=case.given_name, family_name=case.family_name, birth_date=case.birth_date,
                          postcode=case.postcode, house_number=case.house_number, parents=case.parents)
            events = [{**{c.key: getattr(e, c.key) for c in CaseEvent.__table__.columns
                          if c.key not in ("id", "case_id", "secret")}, "secret": e.secret}
                      for e in db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                                  .order_by(CaseEvent.seq))]
            reminders = sorted(({c.key: getattr(r, c.key) for c in Reminder.__table__.columns
                                 if c.key not in ("id", "case_id")}
                                for r in db.session.scalars(select(Reminder).where(Reminder.case_id == case.id))),
                               key=lambda r: (r["rule"], r["stay"], r["occurrence"]))
            tokens = set(db.session.scalars(select(CaseNameToken.token).where(CaseNameToken.case_id == case.id)))
            locations = {(cl.location_id, cl.access_ends_on)
                         for cl in db.session.scalars(select(CaseLocation).where(CaseLocation.case_id == case.id))}
            out["cases"].append({"case": fields, "events": events, "reminders": reminders, "tokens": tokens,
                                 "locations": locations})
        ids = set(place)
        for entry in db.session.scalars(select(AccessLogEntry).order_by(AccessLogEntry.id)):
            if entry.case_id is not None and entry.case_id not in ids:
                continue
            out["log"].append({c.key: getattr(entry, c.key) for c in AccessLogEntry.__table__.columns
                               if c.key not in ("id", "case_id", "hash", "prev_hash")}
                              | {"case": place.get(entry.case_id)})
        return out


def one_at_a_time(case, entered_seq):
    """A step hook without an in-memory twin: the import goes row by row (cases/hooks.py)."""


@pytest.mark.parametrize("batch", ["500", "3"])
def test_the_bulk_import_writes_what_the_one_case_at_a_time_import_writes(app, runner, world, tmp_path, monkeypatch,
                                                                            batch):
    app.config["CLOCK_NOW"] = FROZEN
    with app.app_context():   # the rows' ages and dates on the frozen day
        rows = export_rows()
    fast = run(runner, world, write_csv(tmp_path / "fast.csv", rows), "--apply", "--batch", batch)
    assert fast.exit_code == 0, fast.output
    assert "valid: 7" in fast.output and "with errors: 2" in fast.output and "rows 11" in fast.output
    fast_log = snapshot(app, [r["bsn"] for r in rows])["log"]
    import_marks = [e for e in fast_log if e["action"] == "import"]

    other, mapping = with_new_bsns(rows)
    monkeypatch.setattr(hooks, "STEP", [*hooks.STEP, one_at_a_time])
    assert not hooks.steps_in_memory()
    slow = run(runner, world, write_csv(tmp_path / "slow.csv", other), "--apply", "--batch", batch)
    assert slow.exit_code == 0, slow.output
    assert slow.output.replace("slow.errors", "fast.errors") == fast.output

    got = snapshot(app, [r["bsn"] for r in rows])
    want = snapshot(app, [mapping[r["bsn"]] for r in rows])
    assert [c is None for c in got["cases"]] == [False] * 7 + [True, True, False]
    for mine, theirs in zip(got["cases"], want["cases"]):
        assert mine == theirs
    # The log: the fast run's rows (its import mark, then per case) as the slow run's.
    assert [e for e in got["log"] if e["action"] != "import"] == [e for e in want["log"] if e["action"] != "import"]
    assert len(import_marks) == 1 and len([e for e in want["log"] if e["action"] == "import"]) == 2
    assert {e["client"] for e in got["log"]} == {"import"}
    # Something to compare: history per step, the reminders of each state (cancelled ones too).
    placed = got["cases"][5]
    assert [e["trigger"] for e in placed["events"]] == ["register", "indicate", "refer", "place"]
    assert {r["state"] for r in placed["reminders"]} == {"pending", "cancelled"}
    assert any(r["rule"] == "dose_below_960" for r in got["cases"][6]["reminders"])
    assert got["cases"][0]["tokens"] and got["cases"][3]["locations"]


def test_a_batch_that_fails_to_write_leaves_nothing(app, runner, world, tmp_path, monkeypatch):
    """No half-written import: a batch whose INSERTs fail is rolled back whole, the batches before
    it stay."""
    from toeleiding.cases import operations
    rows = [row("referred") for _ in range(4)]
    calls = {"n": 0}
    real = operations._insert_batch

    def second_fails(written):
        calls["n"] += 1
        real(written)   # written, then refused: the rows must go again
        if calls["n"] == 2:
            raise RuntimeError("disk full")
    monkeypatch.setattr(operations, "_insert_batch", second_fails)
    before = counts(app)
    result = run(runner, world, write_csv(tmp_path / "export.csv", rows), "--apply", "--batch", "2")
    assert result.exit_code != 0
    after = counts(app)
    assert after["cases"] == before["cases"] + 2
    assert after["case_events"] == before["case_events"] + 2 * 3
    with app.app_context():
        logged = set(db.session.scalars(select(AccessLogEntry.case_id).where(AccessLogEntry.case_id.is_not(None))))
        assert logged == set(db.session.scalars(select(Case.id)))


def test_a_dry_run_in_bulk_checks_every_row_and_writes_nothing(app, runner, world, tmp_path):
    app.config["CLOCK_NOW"] = FROZEN
    with app.app_context():
        rows = export_rows()
    before = counts(app)
    result = run(runner, world, write_csv(tmp_path / "export.csv", rows))
    assert result.exit_code == 0, result.output
    assert "valid (would be imported): 7" in result.output and "with errors: 2" in result.output
    assert counts(app) == before
