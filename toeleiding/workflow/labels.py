"""Labels of the workflow's names in the reader's language, read from the workflow file.

Kept here, below every feature, so services, pages, the API and e-mails all label states,
triggers, reasons, outcomes, reminder rules, work lists, fields and roles the same way, and a
label the file changes needs no code or catalogue change.
"""
from __future__ import annotations

from flask import has_request_context
from flask_babel import get_locale, lazy_gettext as _l

from .definition import CORRECT_EVENT, MOVE_EVENT, REGISTER_EVENT, current_workflow


def language() -> str:
    """The language of the current request (as the pages and API chose it); Dutch outside one."""
    if not has_request_context():
        return "nl"
    locale = get_locale()
    return locale.language if locale else "nl"


def label(kind: str, name: str | None) -> str:
    if name is None:
        return ""
    return current_workflow().label(kind, name, language())


def state_label(state: str | None) -> str:
    return label("state", state)


# Two names that are the code's, not the file's: the registration event every history starts
# with, and every role's list of all its open cases.
ALL_LIST = "all"
_REGISTERED = _l("Geregistreerd")
_CORRECTED = _l("Gegevens gecorrigeerd")
_MOVED = _l("Verhuizing")
_ALL_CASES = _l("Alle dossiers")


def trigger_label(trigger: str | None) -> str:
    if trigger == REGISTER_EVENT:
        return str(_REGISTERED)
    if trigger == CORRECT_EVENT:
        return str(_CORRECTED)
    if trigger == MOVE_EVENT:
        return str(_MOVED)
    return label("trigger", trigger)


def reason_label(code: str | None) -> str:
    return label("reason", code)


def outcome_label(code: str | None) -> str:
    return label("outcome", code)


def role_label(role: str | None) -> str:
    return label("role", role)


def rule_label(name: str | None) -> str:
    return label("reminder", name)


def list_label(key: str | None) -> str:
    return str(_ALL_CASES) if key == ALL_LIST else label("work_list", key)


def field_label(name: str) -> str:
    return label("field", name)

