"""Rules, settings and the scheduler's place: the loader refuses ambiguous reminder rules,
the settings are checked at start, and the scheduler runs only where it should."""
from __future__ import annotations

import click
import pytest

from toeleiding.config import PROJECT_ROOT, ConfigError, load_config
from toeleiding.reminders.scheduler import build_scheduler, should_run_in_process
from toeleiding.workflow import WorkflowError, load_workflow

MINI = """name: mini
roles: [jgz, ve, cjg]
initial: signalled
states:
  - {name: signalled, monitor: outside}
  - {name: stuck, monitor: not_reached}
  - {name: closed, final: true}
reasons: {no_contact: Geen contact, other: Anders}
transitions:
  - {trigger: stick, source: signalled, dest: stuck, roles: [jgz],
     fields: {reason: {type: choice, choices: reasons, required: true, case_attribute: not_reached_reason}}}
  - {trigger: close, source: [signalled, stuck], dest: closed, roles: [jgz]}
reminders:
"""


def _load(tmp_path, rules: str):
    path = tmp_path / "wf.yaml"
    path.write_text(MINI + rules, encoding="utf-8")
    return load_workflow(path)


def _error(tmp_path, rules: str) -> str:
    with pytest.raises(WorkflowError) as info:
        _load(tmp_path, rules)
    return str(info.value)


def test_the_default_rules_load_with_one_rule_per_state_and_reason():
    from toeleiding.reminders.util import applicable_rules
    wf = load_workflow(PROJECT_ROOT / "workflows" / "toeleiding.yaml")
    names = lambda state, reason=None: [r.name for r in applicable_rules(wf, state, reason)]   # noqa: E731
    assert names("indicated") == ["indicated_not_referred", "turning_four"]
    assert names("not_reached", "no_contact") == ["not_reached_no_contact", "turning_four"]
    assert names("not_reached", "parents_declined") == ["not_reached_declined", "turning_four"]
    assert names("not_reached", "other") == ["not_reached_other", "turning_four"]
    assert names("not_reached", "moved") == ["not_reached_any", "turning_four"]
    # A rule with a condition (the law's dose) comes on top; whether it holds is the case's.
    assert names("placed") == ["handover_prepare", "turning_four", "dose_below_960"]
    assert names("closed") == []


def test_a_specific_and_a_generic_rule_of_one_state_are_fine(tmp_path):
    wf = _load(tmp_path, "  - {name: a, state: stuck, reason: no_contact, after_days: 7, role: cjg}\n"
                         "  - {name: b, state: stuck, after_days: 21, role: cjg}\n")
    assert [r.name for r in wf.reminders] == ["a", "b"]


def test_two_generic_rules_for_one_state_are_refused(tmp_path):
    message = _error(tmp_path, "  - {name: a, state: stuck, after_days: 7, role: cjg}\n"
                               "  - {name: b, state: [signalled, stuck], after_days: 9, role: jgz}\n")
    assert "reminders[1].state: rule 'a' already covers 'stuck' with any reason" in message


def test_two_rules_for_one_reason_are_refused(tmp_path):
    message = _error(tmp_path, "  - {name: a, state: stuck, reason: other, after_days: 7, role: cjg}\n"
                               "  - {name: b, state: stuck, reason: other, after_days: 9, role: cjg}\n")
    assert "rule 'a' already covers 'stuck' with reason 'other'" in message


def test_two_rules_for_one_age_are_refused(tmp_path):
    message = _error(tmp_path, "  - {name: a, state: stuck, at_age_months: 45, role: ve}\n"
                               "  - {name: b, state: stuck, at_age_months: 45, role: jgz}\n")
    assert "rule 'a' already fires at 45 months in 'stuck'" in message


def test_again_days_must_rise_after_the_first(tmp_path):
    assert "reminders[0].again_days" in _error(tmp_path, "  - {name: a, state: stuck, after_days: 14, role: cjg, again_days: [10]}\n")
    assert "reminders[0].again_days" in _error(tmp_path, "  - {name: a, state: stuck, after_days: 1, role: cjg, again_days: [30, 20]}\n")


def test_an_escalation_without_enough_reminders_is_refused(tmp_path):
    message = _error(tmp_path, "  - {name: a, state: stuck, after_days: 10, role: ve, escalate: {after: 2, role: jgz}}\n")
    assert "reminders[0].escalate.after" in message and "add repeat_days or again_days" in message
    _load(tmp_path, "  - {name: a, state: stuck, after_days: 10, role: ve, again_days: [20], escalate: {after: 1, role: jgz}}\n")


def test_a_reason_with_an_age_milestone_is_refused(tmp_path):
    message = _error(tmp_path, "  - {name: a, state: stuck, reason: other, at_age_months: 45, role: ve}\n")
    assert "reminders[0].reason: rule 'a': a reason goes with after_days, not with at_age_months" in message


def test_a_reason_on_a_state_that_records_none_is_refused(tmp_path):
    message = _error(tmp_path, "  - {name: a, state: [stuck, signalled], reason: other, after_days: 7, role: cjg}\n")
    assert "reminders[0].reason: rule 'a': no transition into 'signalled' records a reason" in message


def test_a_rule_on_a_final_state_is_refused(tmp_path):
    message = _error(tmp_path, "  - {name: a, state: [stuck, closed], after_days: 7, role: jgz}\n")
    assert "reminders[0].state: rule 'a': 'closed' is a final state" in message
    message = _error(tmp_path, "  - {name: a, state: closed, at_age_months: 48, role: jgz}\n")
    assert "reminders[0].state: rule 'a': 'closed' is a final state" in message


def test_an_escalation_to_the_same_role_is_refused(tmp_path):
    message = _error(tmp_path, "  - {name: a, state: stuck, after_days: 10, role: ve, repeat_days: 10, "
                               "escalate: {after: 2, role: ve}}\n")
    assert "reminders[0].escalate.role: rule 'a': escalates to 've', the role it already reminds" in message


def test_rule_without_a_start_is_refused(tmp_path):
    assert "reminders[0]" in _error(tmp_path, "  - {name: a, state: stuck, role: cjg}\n")


# --- settings --------------------------------------------------------------------------

def test_reminder_settings_defaults(tmp_path):
    cfg = load_config(str(tmp_path), {"TOELEIDING_ENV": "development"})
    assert cfg["RUN_SCHEDULER"] is True and cfg["REMINDER_INTERVAL_SECONDS"] == 60
    assert cfg["SMTP_HOST"] is None and cfg["DIGEST_HOUR"] == 7
    assert load_config(str(tmp_path), {"TOELEIDING_ENV": "testing"})["RUN_SCHEDULER"] is False
    assert load_config(str(tmp_path), {"TOELEIDING_RUN_SCHEDULER": "0"})["RUN_SCHEDULER"] is False


@pytest.mark.parametrize("env,name", [
    ({"TOELEIDING_RUN_SCHEDULER": "perhaps"}, "TOELEIDING_RUN_SCHEDULER"),
    ({"TOELEIDING_SMTP_HOST": "mail.example"}, "TOELEIDING_SMTP_FROM"),
    ({"TOELEIDING_DIGEST_HOUR": "24"}, "TOELEIDING_DIGEST_HOUR"),
    ({"TOELEIDING_SMTP_PORT": "x"}, "TOELEIDING_SMTP_PORT"),
    ({"TOELEIDING_REMINDER_INTERVAL_SECONDS": "0"}, "TOELEIDING_REMINDER_INTERVAL_SECONDS"),
])
def test_bad_reminder_settings_stop_the_start(tmp_path, env, name):
    with pytest.raises(ConfigError) as info:
        load_config(str(tmp_path), env)
    assert name in str(info.value)


# --- where the scheduler runs ---------------------------------------------------------------

@pytest.mark.parametrize("command,params,reloader_child,debug,expected", [
    ("run", {"reload": None}, False, False, True),     # flask run, no reloader: the one process
    ("run", {"reload": True}, False, False, False),    # the reloader's watcher: not here
    ("run", {"reload": True}, True, False, True),      # the reloader's child: here, once
    ("run", {"reload": None}, False, True, False),     # --debug reloads by default: the watcher
    ("run", {"reload": None}, True, True, True),
    ("shell", {}, False, False, False),                # any other command: never
    ("routes", {}, True, False, False),
])
def test_the_development_server_runs_the_scheduler_exactly_once(app, monkeypatch, command, params,
                                                                reloader_child, debug, expected):
    app.config.update(RUN_SCHEDULER=True, TESTING=False)
    monkeypatch.setenv("FLASK_DEBUG", "1" if debug else "0")
    if reloader_child:
        monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    else:
        monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    ctx = click.Context(click.Command(command), info_name=command)
    ctx.params.update(params)
    with ctx:
        assert should_run_in_process(app) is expected


def test_never_in_a_test_app_or_when_switched_off(app, monkeypatch):
    monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    ctx = click.Context(click.Command("run"), info_name="run")
    with ctx:
        app.config.update(RUN_SCHEDULER=True, TESTING=True)
        assert should_run_in_process(app) is False
        app.config.update(RUN_SCHEDULER=False, TESTING=False)
        assert should_run_in_process(app) is False
    assert "toeleiding.scheduler" not in app.extensions


def test_the_scheduler_has_one_sweep_job_and_holds_no_reminder(app):
    app.config["REMINDER_INTERVAL_SECONDS"] = 60
    scheduler = build_scheduler(app, background=True)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    # One interval job sweeps every reminder (none is a job of its own); retention runs nightly,
    # and so does the sync of each municipality's current region (issue 12); the push of published
    # monitors runs every minute.
    assert set(jobs) == {"reminders.sweep", "retention", "region_sync", "monitor_push"}
    assert jobs["reminders.sweep"].trigger.interval.total_seconds() == 60
    assert str(jobs["retention"].trigger).startswith("cron[")


def test_the_scheduler_command_is_registered(runner):
    result = runner.invoke(args=["scheduler", "--help"])
    assert result.exit_code == 0 and "scheduler" in result.output
    result = runner.invoke(args=["reminders", "run", "--now", "yesterday"])
    assert result.exit_code != 0 and "--now" in result.output
