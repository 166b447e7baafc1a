"""The workflow file is the one place that names workflow things: the Python code names no state,
trigger, reason, outcome or reminder rule of it, so a region can change them as data."""
from __future__ import annotations

import ast
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "toeleiding"

# (file, literal): where a literal that equals a workflow name is not about the workflow.
ALLOWED = {
    # The monitor's own cell names, part of its public contract (CSV columns, API keys); they
    # happen to equal state names of the default file but mean the monitor's statuses.
    ("monitor/util.py", "placed"), ("monitor/util.py", "waitlisted"), ("monitor/util.py", "not_reached"),
    ("monitor/util.py", "closed"), ("monitor/exports.py", "placed"), ("monitor/views.py", "placed"),
    ("monitor/presentation.py", "placed"), ("monitor/presentation.py", "waitlisted"),
    ("monitor/presentation.py", "not_reached"),
    ("monitor/views.py", "waitlisted"), ("monitor/views.py", "not_reached"), ("monitor/trend.py", "placed"),
    # The work list's own heading "all" and field names (public API) that equal a name.
}
# The demo tells its stories in the default file's terms (it is sample data for that file).
ALLOWED_FILES = {"demo/commands.py"}


def workflow_names() -> set[str]:
    data = yaml.safe_load((ROOT / "workflows" / "toeleiding.yaml").read_text(encoding="utf-8"))
    names = {s["name"] for s in data["states"]}
    names |= set(data.get("reasons") or {}) | set(data.get("outcomes") or {})
    names |= {t["trigger"] for t in data["transitions"]}
    names |= {r["name"] for r in data.get("reminders") or ()}
    names |= {data["agreed_action"]["name"]} if data.get("agreed_action") else set()   # the meetings' reminder kind
    return names


def literals(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def test_python_code_names_no_workflow_name():
    names = workflow_names()
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith("workflow/") or rel in ALLOWED_FILES:
            continue
        for line, value in literals(path):
            if value in names and (rel, value) not in ALLOWED:
                found.append(f"toeleiding/{rel}:{line}: {value!r}")
    assert not found, "workflow names belong in workflows/toeleiding.yaml:\n" + "\n".join(found)


def test_the_check_finds_a_literal(tmp_path):
    # The scan itself works: a state name written in code is found.
    sample = tmp_path / "sample.py"
    sample.write_text('if case.state == "placed":\n    pass\n')
    assert (1, "placed") in set(literals(sample))
    assert "placed" in workflow_names()


def test_every_field_type_the_loader_accepts_has_one_class():
    from toeleiding.cases.fieldtypes import TYPES
    from toeleiding.workflow.definition import FIELD_TYPES
    assert set(TYPES) == set(FIELD_TYPES)
    assert all(t.name == name for name, t in TYPES.items())
