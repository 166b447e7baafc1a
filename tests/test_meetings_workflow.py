"""The bereik-overleg's agreed-action reminder kind is data in the workflow file, checked on load."""
from __future__ import annotations

from pathlib import Path

import pytest

from toeleiding.workflow.definition import WorkflowError, load_workflow

FILES = Path(__file__).parent / "workflows"
ROOT = Path(__file__).resolve().parent.parent


def _error(name: str) -> str:
    with pytest.raises(WorkflowError) as info:
        load_workflow(FILES / f"{name}.yaml")
    return str(info.value)


def test_agreed_action_with_unknown_role_is_refused():
    assert "agreed_action.roles[1]: unknown role 'postman'" in _error("agreed_action_unknown_role")


def test_agreed_action_may_not_take_a_reminder_rule_name():
    assert "agreed_action.name: 'stuck' is already a reminder rule's name" in _error("agreed_action_name_taken")


def test_shipped_workflow_declares_the_agreed_action_with_both_labels():
    wf = load_workflow(ROOT / "workflows" / "toeleiding.yaml")
    assert wf.agreed_action is not None
    assert wf.label("reminder", wf.agreed_action.name, "en") != wf.label("reminder", wf.agreed_action.name, "nl")


def test_a_file_without_agreed_action_has_none():
    assert load_workflow(FILES / "valid_minimal.yaml").agreed_action is None
