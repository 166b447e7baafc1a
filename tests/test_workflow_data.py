"""Stored data against the workflow file (issue #10 point 3).

Cases are made under workflows/toeleiding.yaml; the app is then started on a copy with one
state, reason or outcome renamed. Start-up and every command but the workflow group's refuse
with one line naming the name and its number of cases; ``flask workflow check-data`` says the
same; ``flask workflow rename-state|rename-reason|rename-outcome OLD NEW`` moves the stored names
in one transaction, with a history row per case, and leaves the monitor as it was.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import uuid

import pytest
from sqlalchemy import func, select

from toeleiding import create_app
from toeleiding.config import PROJECT_ROOT, ConfigError
from toeleiding.extensions import db
from toeleiding.models import AccessLogEntry
from toeleiding.workflow import WorkflowError, load_workflow

from .factories import ApiClient, days_ago

DEFAULT = PROJECT_ROOT / "workflows" / "toeleiding.yaml"
# (kind, old, new, cases using old): the initial state (every case passed through it), a
# reason (one reported, one 'other' recoded into it) and an outcome.
RENAMES = [("state", "signalled", "gesignaleerd", 5), ("reason", "no_contact", "geen_contact", 2),
           ("outcome", "consent_withdrawn", "toestemming_ingetrokken", 1)]


def _renamed(tmp_path, old: str, new: str):
    """A copy of the default workflow with ``old`` renamed to ``new`` everywhere it is a whole name."""
    path = tmp_path / "renamed.yaml"
    text, n = re.subn(rf"(?<![\w]){old}(?![\w])", new, DEFAULT.read_text(encoding="utf-8"))
    assert n, old
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def cases(app, api, world):
    """Five children of IJmond, each leaving a different name behind; returns their ids."""
    jgz = api("jgz")
    indicate = {"criteria": ["home_language"], "indication_date": days_ago(20)}
    waiting = jgz.register()
    rejected = jgz.fire(jgz.register(), "reject")
    no_contact = jgz.fire(jgz.fire(jgz.register(), "indicate", **indicate), "report_not_reached",
                          reason="no_contact", date=days_ago(10))
    other = jgz.fire(jgz.fire(jgz.register(), "indicate", **indicate), "report_not_reached",
                     reason="other", reason_text="Zie overleg (testtekst).", date=days_ago(10))
    withdrawn = jgz.fire(jgz.fire(jgz.register(), "indicate", **indicate), "close",
                         outcome="consent_withdrawn", date=days_ago(10))
    with app.app_context():
        from toeleiding.monitor.operations import recode_other
        from toeleiding.models import CaseEvent
        from toeleiding.users.models import User
        admin = db.session.scalar(select(User).where(User.email == world.emails["admin"]))
        event = db.session.scalar(select(CaseEvent.id).where(CaseEvent.case_id == uuid.UUID(other["id"]),
                                                               CaseEvent.trigger == "report_not_reached"))
        recode_other(admin, event, reason="no_contact")
        db.session.commit()
    return [c["id"] for c in (waiting, rejected, no_contact, other, withdrawn)]


@pytest.fixture
def app_on(base_config):
    """``app_on(path)``: the app with another workflow file, on the same database (closed after the test)."""
    made = []

    def make(path, **config):
        made.append(create_app({**base_config, "WORKFLOW_FILE": str(path), **config}))
        return made[-1]
    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _monitor(app, day: str) -> dict:
    with app.app_context():
        from toeleiding.monitor.util import compute_monitor
        from toeleiding.organisations.models import Region
        region = db.session.scalar(select(Region).where(Region.slug == "ijmond"))
        return compute_monitor(region, dt.date.fromisoformat(day)).counts


def _cases(app, email: str, ids: list[str]) -> list[dict]:
    api = ApiClient.sign_in(app.test_client(), email)
    return [api.get(f"/cases/{i}").json for i in ids]


def _cli_env(database_url, test_keys, workflow, tmp_path) -> dict:
    return {**os.environ, "DATABASE_URL": database_url, "TOELEIDING_WORKFLOW": str(workflow),
            "TOELEIDING_ENCRYPTION_KEYS": test_keys["ENCRYPTION_KEYS"],
            "TOELEIDING_BLIND_INDEX_KEY": test_keys["BLIND_INDEX_KEY"],
            "TOELEIDING_INSTANCE_PATH": str(tmp_path / "instance"), "TOELEIDING_ENV": "development",
            "PYTHONPATH": str(PROJECT_ROOT)}


@pytest.mark.parametrize("kind, old, new, count", RENAMES)
def test_a_name_gone_from_the_file_stops_start_up_until_renamed(app, world, cases, app_on, tmp_path,
                                                               kind, old, new, count):
    path = _renamed(tmp_path, old, new)
    before = {day: _monitor(app, day) for day in (days_ago(15), days_ago(5), days_ago(0))}
    # The monitor sees what the rename must keep: the reason and the closing are counted.
    assert before[days_ago(5)]["total"]["not_reached_no_contact"] == 2
    assert before[days_ago(5)]["total"]["not_reached_closed"] == 1
    versions = {c["id"]: c["version"] for c in _cases(app, world.emails["jgz"], cases)}

    # Start-up refuses, in one line naming what and how many.
    with pytest.raises(ConfigError) as info:
        app_on(path, CHECK_STORED_DATA=True)
    message = info.value.message
    assert "\n" not in message and f"{kind} '{old}' ({count} case" in message and "rename-" in message, message

    renamed = app_on(path)
    runner = renamed.test_cli_runner()
    check = runner.invoke(args=["workflow", "check-data"])
    assert check.exit_code == 1 and f"{kind} '{old}' ({count} case" in check.output, check.output

    # Refused: a new name the file lacks, an old name the file still has; nothing changes.
    admin = ["--by", world.emails["admin"]]
    refused = runner.invoke(args=["workflow", f"rename-{kind}", old, "nowhere", *admin])
    assert refused.exit_code == 1 and "new: 'nowhere'" in refused.output, refused.output
    still = {"state": "indicated", "reason": "moved", "outcome": "other"}[kind]
    refused = runner.invoke(args=["workflow", f"rename-{kind}", still, new, *admin])
    assert refused.exit_code == 1 and f"old: '{still}'" in refused.output, refused.output
    refused = runner.invoke(args=["workflow", f"rename-{kind}", old, new, "--by", world.emails["jgz"]])
    assert refused.exit_code == 1 and "not an active admin" in refused.output

    done = runner.invoke(args=["workflow", f"rename-{kind}", old, new, *admin])
    assert done.exit_code == 0 and f"in {count} case" in done.output, done.output
    assert runner.invoke(args=["workflow", "check-data"]).exit_code == 0
    app_on(path, CHECK_STORED_DATA=True)   # starts now

    after = _cases(renamed, world.emails["jgz"], cases)
    changed = [c for c in after if c["version"] != versions[c["id"]]]
    assert len(changed) == count
    for c in changed:
        # One history row per case: the rename, in the state the case was in, the version one up.
        assert c["version"] == versions[c["id"]] + 1 and [h["seq"] for h in c["history"]] == list(range(1, c["version"] + 1))
        last = c["history"][-1]
        assert last["trigger"] == "rename" and last["from"] == last["to"] == c["state"]
        assert last["data"] == {"kind": kind, "from": old, "to": new}
    stored = repr([(c["state"], c["not_reached_reason"], c["outcome"], [(h["from"], h["to"], h["data"]) for h in c["history"][:-1]])
                   for c in after])
    assert f"'{old}'" not in stored and f"'{new}'" in stored
    with renamed.app_context():
        logged = db.session.scalar(select(func.count()).select_from(AccessLogEntry)
                                   .where(AccessLogEntry.action == "workflow_rename"))
    assert logged == count

    # The monitor counts as before at every reference date, today's (the rename's) included.
    for day, counts in before.items():
        expected = {row: {cell.replace(old, new): n for cell, n in cells.items()} for row, cells in counts.items()}
        assert _monitor(renamed, day) == expected, day

    # Run again: nothing left to move, nothing changes.
    again = runner.invoke(args=["workflow", f"rename-{kind}", old, new, *admin])
    assert again.exit_code == 0 and "in 0 cases" in again.output
    assert [c["version"] for c in _cases(renamed, world.emails["jgz"], cases)] == [c["version"] for c in after]


def test_commands_but_the_workflow_group_refuse_on_unknown_names(app, cases, database_url, test_keys, tmp_path):
    path = _renamed(tmp_path, "no_contact", "geen_contact")
    env = _cli_env(database_url, test_keys, path, tmp_path)

    def flask(*args):
        return subprocess.run([sys.executable, "-m", "flask", "--app", "toeleiding", *args], env=env,
                              capture_output=True, text=True, cwd=PROJECT_ROOT)
    # A sync would cancel the reminders of a case in a state the file no longer has.
    sync = flask("reminders", "sync")
    assert sync.returncode == 1 and "reason 'no_contact' (2 cases)" in sync.stderr, sync.stderr
    assert len([line for line in sync.stderr.splitlines() if line.strip()]) == 1, sync.stderr
    check = flask("workflow", "check-data")
    assert check.returncode == 1 and "reason 'no_contact' (2 cases)" in check.stderr, check.stderr
    assert flask("reminders", "--help").returncode == 0


def test_a_rename_does_not_restart_the_reminders_of_a_case(app, world, api, app_on, tmp_path):
    # The reminders' stay in a state starts at the step that entered it, not at a rename.
    jgz = api("jgz")
    case = jgz.fire(jgz.register(), "indicate", criteria=["home_language"], indication_date=days_ago(20))
    case = jgz.fire(case, "report_not_reached", reason="no_contact", date=days_ago(10))
    path = _renamed(tmp_path, "no_contact", "geen_contact")
    renamed = app_on(path)
    runner = renamed.test_cli_runner()
    from toeleiding.reminders.models import Reminder

    def reminders(app):
        with app.app_context():
            return sorted(db.session.execute(select(Reminder.rule, Reminder.stay, Reminder.state)).all())
    first = reminders(app)
    assert ("not_reached_no_contact", case["version"], "pending") in first
    assert runner.invoke(args=["workflow", "rename-reason", "no_contact", "geen_contact",
                               "--by", world.emails["admin"]]).exit_code == 0
    assert runner.invoke(args=["reminders", "sync"]).exit_code == 0
    assert reminders(renamed) == first


@pytest.mark.parametrize("trigger", ["register", "move", "rename"])
def test_a_workflow_may_not_name_a_transition_like_a_history_entry_of_the_app(tmp_path, trigger):
    path = _renamed(tmp_path, "re_refer", trigger)
    with pytest.raises(WorkflowError) as info:
        load_workflow(path)
    assert "trigger" in info.value.key and trigger in info.value.problem


def test_a_case_whose_personal_data_was_erased_is_renamed_too(app, world, api, runner, app_on, tmp_path):
    # Retention leaves the anonymous history, names included; with no day of birth left, the
    # rename's row carries no age.
    jgz = api("jgz")
    old = jgz.fire(jgz.register(), "close", outcome="consent_withdrawn", date=days_ago(800))
    assert "of 1 closed cases" in runner.invoke(args=["retention", "run"]).output
    renamed = app_on(_renamed(tmp_path, "consent_withdrawn", "ingetrokken"))
    done = renamed.test_cli_runner().invoke(args=["workflow", "rename-outcome", "consent_withdrawn", "ingetrokken",
                                                  "--by", world.emails["admin"]])
    assert done.exit_code == 0 and "in 1 case" in done.output, done.output
    case = jgz.get(f"/cases/{old['id']}").json
    assert case["outcome"] == "ingetrokken" and case["history"][-1]["trigger"] == "rename"
    with renamed.app_context():
        from toeleiding.models import CaseEvent
        assert db.session.scalar(select(CaseEvent.age_months).where(
            CaseEvent.case_id == uuid.UUID(old["id"]), CaseEvent.trigger == "rename")) is None
