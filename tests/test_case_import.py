"""`flask cases import`: existing cases from a JGZ export's CSV, dry run by default, --apply writes
each valid row as a case with its back-dated history, idempotently (duplicates by the BSN's blind
index), with a per-row error CSV that names row and column and a report without personal data."""
from __future__ import annotations

import csv
import datetime as dt

import pytest
from sqlalchemy import func, select

from toeleiding import clock
from toeleiding.audit.models import AccessLogEntry
from toeleiding.cases.models import Case, CaseEvent
from toeleiding.extensions import db
from toeleiding.reminders.models import Reminder
from toeleiding.workflow import current_workflow

from .factories import child, days_ago, make_bsn

# The documented column list (README 'Importing existing cases').
COLUMNS = ["bsn", "given_name", "family_name", "birth_date", "postcode", "house_number", "municipality_code",
           "parent_name", "parent_phone", "parent_email", "indication_date", "criteria", "referral_date",
           "location_lrk", "placement_start_date", "hours_per_week"]
LRK = "100000001"   # Duinroos Centrum, Beverwijk (tests/factories.py)


def row(stage: str = "placed", **overrides) -> dict:
    """One fictitious row of an export: registered, indicated, referred and/or placed."""
    kid = child(months=40)
    data = {**{k: kid[k] for k in ("bsn", "given_name", "family_name", "birth_date", "postcode", "house_number")},
            "municipality_code": "GM0375", "parent_name": "Ouder Fictief", "parent_phone": "0612345678"}
    if stage in ("indicated", "referred", "placed"):
        data.update(indication_date=days_ago(200), criteria="home_language;language_delay")
    if stage in ("referred", "placed"):
        data.update(referral_date=days_ago(150), location_lrk=LRK)
    if stage == "placed":
        data.update(placement_start_date=days_ago(100), hours_per_week="16")
    data.update(overrides)
    return data


def write_csv(path, rows: list[dict], delimiter: str = ",") -> str:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.DictWriter(fh, fieldnames=COLUMNS, delimiter=delimiter)
        out.writeheader()
        out.writerows(rows)
    return str(path)


def run(runner, world, path, *extra: str):
    return runner.invoke(args=["cases", "import", path, "--organisation", str(world.ids["jgz"]), *extra])


def counts(app) -> dict:
    with app.app_context():
        return {m.__tablename__: db.session.scalar(select(func.count()).select_from(m))
                for m in (Case, CaseEvent, Reminder, AccessLogEntry)}


def test_dry_run_reports_the_valid_rows_and_writes_nothing(app, runner, world, tmp_path):
    path = write_csv(tmp_path / "export.csv", [row(), row("referred"), row("indicated"), row("signalled")])
    before = counts(app)
    result = run(runner, world, path)
    assert result.exit_code == 0, result.output
    assert "Dry run (nothing written): 4 rows" in result.output
    assert "valid (would be imported): 4" in result.output
    assert counts(app) == before
    assert not (tmp_path / "export.errors.csv").exists()


def test_apply_writes_each_row_as_a_case_with_its_back_dated_history(app, runner, world, tmp_path):
    placed, referred = row(), row("referred", location_lrk="100000003")
    path = write_csv(tmp_path / "export.csv", [placed, referred, row("signalled")], delimiter=";")
    result = run(runner, world, path, "--apply")
    assert result.exit_code == 0, result.output
    assert "Imported: 3 rows" in result.output
    with app.app_context():
        wf = current_workflow()
        steps = [s.trigger for s in wf.import_steps]
        cases = {c.bsn: c for c in db.session.scalars(select(Case))}
        assert len(cases) == 3
        case = cases[placed["bsn"]]
        events = list(db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)))
        assert [e.trigger for e in events][1:] == steps
        assert [e.effective_date.isoformat() for e in events][1:] == [
            placed["indication_date"], placed["referral_date"], placed["placement_start_date"]]
        assert case.state == wf.transitions[steps[-1]].dest
        assert case.state_since.isoformat() == placed["placement_start_date"]
        assert events[1].data["criteria"] == ["home_language", "language_delay"]
        assert events[-1].data["hours_per_week"] == 16
        # The placement is the provider's step (as_role), entered by the importing JGZ user.
        assert events[-1].organisation_id == world.ids["ve"] and events[-1].role == wf.import_steps[-1].as_role
        assert len({e.user_id for e in events}) == 1
        assert case.given_name == placed["given_name"] and case.parents[0]["name"] == "Ouder Fictief"
        other = cases[referred["bsn"]]
        assert other.state == wf.transitions[steps[1]].dest and other.location.lrk_number == "100000003"
        # The reminders of the state the case is in now, from its back-dated start (the same hook).
        assert db.session.scalar(select(func.count()).select_from(Reminder).where(Reminder.case_id == other.id)) >= 1


def test_a_second_run_of_the_same_file_adds_nothing(app, runner, world, tmp_path):
    path = write_csv(tmp_path / "export.csv", [row(), row("indicated")])
    assert run(runner, world, path, "--apply").exit_code == 0
    after_first = counts(app)
    again = run(runner, world, path, "--apply")
    assert again.exit_code == 0, again.output
    assert "duplicates (BSN already known): 2 - rows 2-3" in again.output
    assert "valid: 0" in again.output
    after = counts(app)
    assert {k: after[k] for k in ("cases", "case_events", "reminders")} == \
        {k: after_first[k] for k in ("cases", "case_events", "reminders")}


def test_duplicates_are_found_by_the_bsn_in_the_file_and_in_the_database(app, runner, world, tmp_path, api):
    known = api("jgz").register()
    with app.app_context():
        known_bsn = db.session.get(Case, __import__("uuid").UUID(known["id"])).bsn
    twice = make_bsn()
    # The same BSN written with dots, as some systems export it, is the same child.
    dotted = f"{twice[:4]}.{twice[4:6]}.{twice[6:]}"
    path = write_csv(tmp_path / "export.csv", [row(bsn=known_bsn), row(bsn=twice), row(bsn=dotted), row()])
    result = run(runner, world, path, "--apply")
    assert result.exit_code == 0, result.output
    assert "duplicates (BSN already known): 2 - rows 2, 4" in result.output
    assert "valid: 2" in result.output
    assert counts(app)["cases"] == 3


def test_rows_with_errors_go_to_the_error_csv_by_row_and_column_and_are_not_written(app, runner, world, tmp_path):
    bad_bsn = row(bsn="123456789", given_name="Zichtbaarnaam")
    too_young = row(birth_date=(clock.today() - dt.timedelta(days=400)).isoformat())   # placed under 30 months
    unknown = row("referred", criteria="no_such_code")
    no_location = row("referred", location_lrk="999999999")
    gap = row(indication_date="", criteria="")   # referred and placed without an indication
    path = write_csv(tmp_path / "export.csv", [row(), bad_bsn, too_young, unknown, gap, no_location])
    before = counts(app)
    result = run(runner, world, path, "--apply", "--errors", str(tmp_path / "fouten.csv"))
    assert result.exit_code == 0, result.output
    assert "with errors: 5" in result.output
    assert "row 3: bsn" in result.output and "row 5: criteria" in result.output
    assert "row 6: indication_date" in result.output and "row 7: location_lrk" in result.output
    # The printed report names rows and columns only, never the row's personal data.
    for value in (bad_bsn["given_name"], bad_bsn["bsn"], too_young["bsn"], too_young["family_name"]):
        assert value not in result.output
    with open(tmp_path / "fouten.csv", encoding="utf-8") as fh:
        errors = list(csv.DictReader(fh))
    assert {(e["row"], e["column"]) for e in errors} == {
        ("3", "bsn"), ("4", "placement_start_date"), ("5", "criteria"), ("6", "indication_date"), ("7", "location_lrk")}
    assert all(e["message"] for e in errors)
    # Only the good row was written: a row failing at its last step left no case, event or reminder.
    after = counts(app)
    assert after["cases"] == before["cases"] + 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CaseEvent)) == 1 + len(current_workflow().import_steps)


def test_errors_csv_defaults_to_next_to_the_input(app, runner, world, tmp_path):
    path = write_csv(tmp_path / "export.csv", [row(postcode="nope")])
    result = run(runner, world, path)
    assert result.exit_code == 0, result.output
    with open(tmp_path / "export.errors.csv", encoding="utf-8") as fh:
        assert [(e["row"], e["column"]) for e in csv.DictReader(fh)] == [("2", "postcode")]


def test_the_access_log_records_the_import_and_each_case(app, runner, world, tmp_path):
    path = write_csv(tmp_path / "export.csv", [row(), row("signalled")])
    assert run(runner, world, path, "--apply").exit_code == 0
    with app.app_context():
        rows = list(db.session.scalars(select(AccessLogEntry).order_by(AccessLogEntry.id)))
        assert {r.client for r in rows} == {"import"}
        assert [r.case_id for r in rows if r.action == "import"] == [None]
        case_ids = set(db.session.scalars(select(Case.id)))
        assert {r.case_id for r in rows if r.action == "create"} == case_ids
        # One row per step: the placed child's registration and its steps, the other's registration.
        assert len(rows) == 1 + 2 + len(current_workflow().import_steps)


def test_a_dry_run_leaves_no_trace_in_the_access_log(app, runner, world, tmp_path):
    path = write_csv(tmp_path / "export.csv", [row()])
    assert run(runner, world, path).exit_code == 0
    assert counts(app)["access_log"] == 0


def test_the_organisation_must_be_a_jgz_organisation(app, runner, world, tmp_path):
    path = write_csv(tmp_path / "export.csv", [row()])
    result = runner.invoke(args=["cases", "import", path, "--organisation", str(world.ids["ve"]), "--apply"])
    assert result.exit_code != 0 and "not a JGZ organisation" in result.output
    assert counts(app)["cases"] == 0


def test_an_unknown_column_stops_the_import_before_any_row(app, runner, world, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("bsn,voornaam\n999999990,Test\n", encoding="utf-8")
    result = run(runner, world, str(path), "--apply")
    assert result.exit_code != 0 and "unknown columns: voornaam" in result.output


def test_a_user_of_another_organisation_cannot_import_for_it(app, runner, world, tmp_path):
    path = write_csv(tmp_path / "export.csv", [row()])
    result = run(runner, world, path, "--user", world.emails["jgz_bev"])
    assert result.exit_code != 0 and "no active JGZ user" in result.output


def test_batches_commit_separately_and_a_bad_row_does_not_stop_its_batch(app, runner, world, tmp_path):
    rows = [row("indicated") for _ in range(5)]
    rows[2]["hours_per_week"] = "x"   # no placement columns otherwise: a step's column without its step
    rows[2]["placement_start_date"] = ""
    path = write_csv(tmp_path / "export.csv", rows)
    result = run(runner, world, path, "--apply", "--batch", "2")
    assert result.exit_code == 0, result.output
    assert counts(app)["cases"] == 4
    assert "row 4:" in result.output


def test_the_demo_leaves_an_example_export_that_imports_cleanly(app, runner):
    loaded = runner.invoke(args=["demo", "--no-cases"])
    assert loaded.exit_code == 0, loaded.output
    command = loaded.output.split("flask cases import ", 1)[1].split(" [--apply]")[0].split()
    dry = runner.invoke(args=["cases", "import", *command])
    assert dry.exit_code == 0, dry.output
    assert "valid (would be imported): 4" in dry.output and "with errors: 0" in dry.output
    applied = runner.invoke(args=["cases", "import", *command, "--apply"])
    assert "valid: 4" in applied.output
