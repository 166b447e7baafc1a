"""The workflow file's import_steps (what `flask cases import` replays) are checked at load time:
known triggers and fields, each step possible after the previous one, no column used twice."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from toeleiding.workflow import WorkflowError, load_workflow

DEFAULT = Path(__file__).resolve().parent.parent / "workflows" / "toeleiding.yaml"


def variant(tmp_path, steps) -> Path:
    data = yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))
    data["import_steps"] = steps
    path = tmp_path / "variant.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def refused(path) -> str:
    with pytest.raises(WorkflowError) as info:
        load_workflow(path)
    return str(info.value)


def test_the_default_file_imports_indication_referral_and_placement():
    steps = load_workflow(DEFAULT).import_steps
    assert [s.trigger for s in steps] == ["indicate", "refer", "place"]
    assert steps[-1].as_role == "ve" and dict(steps[1].values) == {"consent": True}


def test_an_unknown_trigger_is_refused(tmp_path):
    assert "unknown trigger 'admit'" in refused(variant(tmp_path, [{"trigger": "admit", "columns": {"a": "b"}}]))


def test_a_step_that_cannot_follow_the_previous_one_is_refused(tmp_path):
    message = refused(variant(tmp_path, [{"trigger": "place", "columns": {"start": "start_date"}}]))
    assert "import_steps[0].trigger" in message and "cannot follow 'signalled'" in message


def test_an_unknown_field_or_a_column_used_twice_is_refused(tmp_path):
    assert "'start_date' is not a field of 'indicate'" in refused(variant(tmp_path, [
        {"trigger": "indicate", "columns": {"start": "start_date"}}]))
    assert "column 'd' is used twice" in refused(variant(tmp_path, [
        {"trigger": "indicate", "columns": {"d": "indication_date", "c": "criteria"}},
        {"trigger": "refer", "columns": {"d": "referral_date"}}]))


def test_a_role_that_may_not_take_the_step_is_refused(tmp_path):
    assert "role 'cjg' may not fire 'indicate'" in refused(variant(tmp_path, [
        {"trigger": "indicate", "columns": {"d": "indication_date"}, "as_role": "cjg"}]))
