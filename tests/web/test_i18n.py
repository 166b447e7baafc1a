"""The English catalogue is complete for every page string, and the committed .mo matches the .po."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "toeleiding" / "translations" / "en" / "LC_MESSAGES"


def _page_strings() -> set:
    method_map = [("toeleiding/web/**.py", "python"), ("toeleiding/cases/views.py", "python"),
                  ("toeleiding/cases/forms.py", "python"), ("toeleiding/admin/**.py", "python"),
                  ("templates/base.html", "jinja2"), ("templates/_macros.html", "jinja2"),
                  ("templates/web/**.html", "jinja2"), ("templates/cases/**.html", "jinja2"),
                  ("templates/admin/**.html", "jinja2"),
                  ("toeleiding/reminders/**.py", "python"), ("toeleiding/monitor/**.py", "python"),
                  ("toeleiding/privacy/**.py", "python"), ("templates/reminders/**.html", "jinja2"),
                  ("templates/monitor/**.html", "jinja2"), ("templates/privacy/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    found = set()
    for _, _, message, *_ in extract_from_dir(str(ROOT), method_map, keywords=keywords):
        found.add(message)
    return found


def test_every_page_string_has_an_english_translation():
    with open(CATALOG / "messages.po", "rb") as fh:
        po = {m.id: m.string for m in read_po(fh) if m.id}
    missing = [m for m in _page_strings() if not po.get(m)]
    assert not missing, "pybabel extract, then translate in messages.po and compile: " + repr(missing[:5])


def _t(value):
    return tuple(value) if isinstance(value, (list, tuple)) else value


def test_compiled_catalogue_matches_the_source():
    with open(CATALOG / "messages.po", "rb") as fh:
        po = {_t(m.id): _t(m.string) for m in read_po(fh) if m.id and m.string}
    with open(CATALOG / "messages.mo", "rb") as fh:
        mo = {_t(m.id): _t(m.string) for m in read_mo(fh) if m.id}
    assert po == mo, "run: pybabel compile -d toeleiding/translations"


def test_reminder_rule_labels_are_marked_for_extraction():
    """The pages translate a rule's Dutch label from reminders.util by its text; the views mark the
    same texts so extraction keeps them in the catalogue (outside a request str() gives the msgid)."""
    from toeleiding.reminders.util import RULE_LABELS
    from toeleiding.reminders.views import RULE_LABEL_MSGIDS
    assert {str(m) for m in RULE_LABEL_MSGIDS} == set(RULE_LABELS.values())
