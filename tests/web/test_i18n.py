"""The English catalogue is complete for every page string, and the committed .mo matches the .po."""
from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "toeleiding" / "translations" / "en" / "LC_MESSAGES"


def _page_strings() -> set:
    # Every module and template: a service's error message (N_) reaches the pages and the API
    # too, so a marked string anywhere must be translated.
    method_map = [("toeleiding/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "N_": None}
    found = set()
    for _, _, message, *_ in extract_from_dir(str(ROOT), method_map, keywords=keywords):
        found.add(message)
    return found


def test_every_page_string_has_an_english_translation():
    with open(CATALOG / "messages.po", "rb") as fh:
        po = {m.id: m.string for m in read_po(fh) if m.id}
    missing = [m for m in _page_strings() if not po.get(m)]
    assert not missing, "pybabel extract, then translate in messages.po and compile: " + repr(missing[:5])


def test_translations_keep_the_named_parameters():
    """An English text that drops or renames a %(name)s would fail only when the error is raised."""
    with open(CATALOG / "messages.po", "rb") as fh:
        po = [m for m in read_po(fh) if m.id and m.string and isinstance(m.id, str)]
    names = re.compile(r"%\((\w+)\)[sdr]")
    wrong = [m.id for m in po if sorted(names.findall(m.id)) != sorted(names.findall(m.string))]
    assert not wrong, wrong[:5]


def test_service_errors_are_raised_with_a_marked_message():
    """A plain, f-string, %- or .format()-built message, or one translated where it is raised (_()),
    cannot be translated when read: it would stay Dutch on an English page, or in the raiser's
    language. N_("…") with named parameters, or a variable holding one, is what passes."""
    import ast

    from toeleiding import errors
    names = {n for n, v in vars(errors).items() if isinstance(v, type) and issubclass(v, errors.AppError)}
    unmarked = []
    for path in (ROOT / "toeleiding").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) in names and node.args):
                continue
            message = node.args[0]
            built = isinstance(message, (ast.Constant, ast.JoinedStr, ast.BinOp))
            called = isinstance(message, ast.Call) and getattr(message.func, "id", None) != "N_"
            if built or called:
                unmarked.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not unmarked, "wrap the message in N_() with %(name)s parameters: " + ", ".join(unmarked)


def _t(value):
    return tuple(value) if isinstance(value, (list, tuple)) else value


def test_compiled_catalogue_matches_the_source():
    with open(CATALOG / "messages.po", "rb") as fh:
        po = {_t(m.id): _t(m.string) for m in read_po(fh) if m.id and m.string}
    with open(CATALOG / "messages.mo", "rb") as fh:
        mo = {_t(m.id): _t(m.string) for m in read_mo(fh) if m.id}
    assert po == mo, "run: pybabel compile -d toeleiding/translations"


def test_every_label_of_the_workflow_file_has_english():
    """Labels of workflow names are the file's, in Dutch and English (workflow/labels.py): a state,
    trigger, reason, outcome, reminder rule, work list, field or role without English would show
    Dutch on an English page."""
    from toeleiding.workflow import load_workflow
    wf = load_workflow(ROOT / "workflows" / "toeleiding.yaml")
    names = ([("state", s) for s in wf.states] + [("trigger", t) for t in wf.transitions]
             + [("reason", r) for r in wf.reasons] + [("outcome", o) for o in wf.outcomes]
             + [("reminder", r.name) for r in wf.reminders] + [("role", r) for r in wf.roles]
             + [("work_list", d.key) for lists in wf.work_lists.values() for d in lists]
             + [("field", f) for t in wf.transitions.values() for f in t.fields])
    missing = [(kind, name) for kind, name in names if "en" not in wf.labels.get((kind, name), {})]
    assert not missing, missing
    assert wf.label("trigger", "place", "en") == "Place" and wf.label("trigger", "place", "nl") == "Plaatsen"
