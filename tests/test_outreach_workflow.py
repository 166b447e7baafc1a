"""The outreach log's settings in the workflow file (contact_attempts): the default file's, and each
kind of mistake stopping the file with its key (tests/workflows/contact_attempts_*.yaml)."""
from __future__ import annotations

from pathlib import Path

import pytest

from toeleiding.config import PROJECT_ROOT
from toeleiding.workflow import WorkflowError, load_workflow

FILES = Path(__file__).parent / "workflows"


def _error(name: str) -> str:
    path = FILES / f"{name}.yaml"
    with pytest.raises(WorkflowError) as info:
        load_workflow(path)
    return str(info.value)


def test_the_default_file_asks_two_attempts_before_no_contact():
    wf = load_workflow(PROJECT_ROOT / "workflows" / "toeleiding.yaml")
    rules = wf.contact_attempts
    assert (rules.minimum, rules.when_field, rules.when_codes) == (2, "reason", ("no_contact",))
    assert list(wf.choice_lists[rules.methods]) == ["phone", "letter", "home_visit", "partner", "other"]
    assert wf.label(f"choice:{rules.methods}", "home_visit", "en") == "Home visit"
    assert "minimum_contact_attempts" in wf.transitions["report_not_reached"].checks


def test_a_valid_file_sets_its_own_minimum_and_the_default_is_two():
    assert load_workflow(FILES / "contact_attempts_valid.yaml").contact_attempts.minimum == 3
    assert load_workflow(FILES / "contact_attempts_default_minimum.yaml").contact_attempts.minimum == 2


@pytest.mark.parametrize(("name", "expected"), [
    ("contact_attempts_missing", "transitions.close.checks: minimum_contact_attempts needs the top-level contact_attempts"),
    ("contact_attempts_unknown_methods", "contact_attempts.methods: unknown choice list 'ways'"),
    ("contact_attempts_when_not_a_choice", "contact_attempts.when.date: not a choice field of transition 'close'"),
    ("contact_attempts_unknown_code", "contact_attempts.when.reason: unknown code 'lost' of list 'reasons'"),
    ("contact_attempts_negative_minimum", "contact_attempts.minimum: -1 is less than the minimum of 0"),
    ("contact_attempts_no_when", "contact_attempts.when: say which field's codes need the attempts"),
])
def test_a_wrong_setting_is_refused_at_its_key(name, expected):
    assert expected in _error(name)
