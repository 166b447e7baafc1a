"""The workflow file: the default loads; every kind of mistake stops it with file, key and problem.

Each invalid file in tests/workflows/ is valid_minimal.yaml with one mistake, so a failure can
only come from that mistake.
"""
from __future__ import annotations

import re
import os
import subprocess
import sys
from pathlib import Path

import pytest

from toeleiding import create_app
from toeleiding.config import PROJECT_ROOT, ConfigError
from toeleiding.workflow import WorkflowError, load_workflow

FILES = Path(__file__).parent / "workflows"
DEFAULT = PROJECT_ROOT / "workflows" / "toeleiding.yaml"


def _error(name: str) -> str:
    """The message of loading tests/workflows/<name>.yaml, which must fail."""
    path = FILES / f"{name}.yaml"
    with pytest.raises(WorkflowError) as info:
        load_workflow(path)
    message = str(info.value)
    assert message.startswith(f"{path}: "), message   # every message names the file first
    return message


def test_default_workflow_loads_with_the_states_and_triggers_of_the_issue():
    wf = load_workflow(DEFAULT)
    assert wf.initial == "signalled"
    assert wf.states == ("signalled", "indicated", "referred", "waitlisted", "placed", "not_reached",
                         "school_handover", "handover_received", "closed")
    # (later issues add steps and reasons: tests/test_referral_steps.py)
    assert set(wf.transitions) >= {"indicate", "reject", "refer", "waitlist", "place", "report_not_reached",
                                   "re_refer", "hand_over_to_school", "close"}
    assert set(wf.reasons) >= {"parents_declined", "no_contact", "moved", "regular_childcare", "medical",
                               "waiting_list", "other"}
    assert wf.transitions["place"].sources == ("referred", "waitlisted")
    assert wf.transitions["close"].roles_for("school_handover") == ("jgz", "cjg", "ve")
    assert wf.transitions["close"].roles_for("placed") == ("jgz", "cjg")


def test_minimal_fixture_is_valid():
    assert load_workflow(FILES / "valid_minimal.yaml").states == ("signalled", "closed")


def test_unknown_destination():
    assert "transitions[1].dest: unknown destination state 'archived'" in _error("unknown_destination")


def test_unreachable_state():
    assert "states[2]: state 'forgotten' is unreachable from 'signalled'" in _error("unreachable_state")


def test_unknown_role():
    assert "transitions[0].roles: unknown role 'teacher'" in _error("unknown_role")


def test_duplicate_trigger():
    assert "transitions[1].trigger: duplicate trigger 'close'" in _error("duplicate_trigger")


def test_duplicate_yaml_key_is_not_silently_overwritten():
    assert "roles: duplicate key (line 12)" in _error("duplicate_key")


def test_unknown_field_type():
    assert "transitions[0].fields.colour.type: unknown field type 'rainbow'" in _error("unknown_field_type")


def test_unknown_source_state():
    assert "transitions[0].source: unknown state 'limbo'" in _error("unknown_source")


def test_unknown_check():
    assert "transitions[0].checks: unknown check 'horoscope'" in _error("unknown_check")


def test_required_when_naming_an_unknown_field():
    message = _error("required_when_unknown_field")
    assert "transitions[0].fields.reason_text.required_when: unknown field 'mood'" in message


def test_reminder_with_unknown_state():
    assert "reminders[0].state: unknown state 'dormant'" in _error("reminder_unknown_state")


def test_reminder_with_unknown_reason():
    assert "reminders[0].reason: unknown reason 'bad_weather'" in _error("reminder_unknown_reason")


def test_reminder_with_unknown_role():
    assert "reminders[0].role: unknown role 'postman'" in _error("reminder_unknown_role")


def test_invalid_yaml_syntax_names_the_line():
    message = _error("invalid_yaml")
    assert "not valid YAML" in message and "line 2" in message


def test_schema_violation_missing_states():
    assert "(top level): 'states' is a required property" in _error("missing_states")


def test_removing_place_from_the_default_leaves_placed_unreachable(tmp_path):
    # The default with one transition deleted: the graph check catches what the schema cannot.
    text = DEFAULT.read_text(encoding="utf-8")
    start = text.index("  - trigger: place\n")
    end = text.index("  - trigger: report_not_reached\n")
    broken = tmp_path / "no_place.yaml"
    broken.write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(WorkflowError) as info:
        load_workflow(broken)
    assert str(info.value) == f"{broken}: states[4]: state 'placed' is unreachable from 'signalled'"


def _run(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True)


def test_validate_module_command(tmp_path):
    bad = _run("-m", "toeleiding.workflow", "validate", str(FILES / "unknown_role.yaml"), cwd=PROJECT_ROOT)
    assert bad.returncode != 0
    assert f"{FILES / 'unknown_role.yaml'}: transitions[0].roles: unknown role 'teacher'" in bad.stderr
    good = _run("-m", "toeleiding.workflow", "validate", str(DEFAULT), cwd=PROJECT_ROOT)
    assert good.returncode == 0, good.stderr
    assert re.search(r"\d+ transitions", good.stdout)


def test_validate_flask_command(tmp_path):
    # A throw-away instance folder: the CLI starts the app, which makes its development keys there.
    env = {**os.environ, "TOELEIDING_INSTANCE_PATH": str(tmp_path), "TOELEIDING_ENV": "development"}
    env.pop("DATABASE_URL", None)
    flask = ("-m", "flask", "--app", "toeleiding", "workflow", "validate")
    bad = _run(*flask, str(FILES / "unknown_destination.yaml"), cwd=tmp_path, env=env)
    assert bad.returncode != 0
    assert "transitions[1].dest: unknown destination state 'archived'" in bad.stderr
    assert "Traceback" not in bad.stderr
    good = _run(*flask, str(DEFAULT), cwd=tmp_path, env=env)
    assert good.returncode == 0, good.stderr
    assert good.stdout.startswith(f"ok: {DEFAULT}")


def test_app_refuses_to_start_with_an_invalid_workflow(monkeypatch, base_config):
    bad = FILES / "duplicate_trigger.yaml"
    monkeypatch.setenv("TOELEIDING_WORKFLOW", str(bad))
    with pytest.raises(ConfigError) as info:
        create_app(dict(base_config))
    assert f"{bad}: transitions[1].trigger: duplicate trigger 'close'" in info.value.message


def test_app_refuses_a_workflow_path_that_is_not_a_file(monkeypatch, base_config, tmp_path):
    monkeypatch.setenv("TOELEIDING_WORKFLOW", str(tmp_path / "missing.yaml"))
    with pytest.raises(ConfigError) as info:
        create_app(dict(base_config))
    assert "TOELEIDING_WORKFLOW" in info.value.message and "missing.yaml" in info.value.message


# --- The law's dose (issue 11): reminder conditions and the hours field ---------------------------

def test_reminder_condition_on_a_state_not_counted_as_placed():
    assert ("reminders[0].condition: rule 'short': projected hours are those of placed children; "
            "'signalled' is not counted as placed") in _error("reminder_condition_not_placed")


def test_hours_per_week_must_be_an_integer():
    assert "transitions[0].fields.hours_per_week: 'hours_per_week' holds hours a week: type integer" in \
        _error("hours_not_integer")
