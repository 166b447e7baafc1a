"""Page forms for cases, generated from the workflow: what to show, and how form strings become data.

Rules are not checked here: the services validate and name the field at fault. Each field's
type (cases/fieldtypes.py) turns its HTML form strings into the JSON-like types the services take
and describes it for the templates.
"""
from __future__ import annotations

import re

from flask_babel import gettext as _, lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from ..numbers import whole_number
from ..users.models import User
from ..workflow import current_workflow
from ..workflow.definition import Transition
from ..workflow.labels import field_label
from .fieldtypes import MISSING, TYPES, FormField, Shown
from .models import Case


def transition_fields(t: Transition, case: Case, user: User) -> list[FormField]:
    """The fields of one transition's form, with choices for this case and user."""
    wf = current_workflow()
    out = []
    for f in t.fields.values():
        ff = FormField(name=f.name, type=f.type, label=field_label(f.name),
                       required=f.required, max_length=f.max_length, min=f.min, max=f.max)
        TYPES[f.type].offer(wf, f, ff, case, user)
        if f.name == t.effective_date and case.version > 1:
            ff.min_date = case.state_since.isoformat()   # the service refuses a step dated before the last
        if f.required_when:
            other, value = f.required_when[0], str(f.required_when[1])
            if not f.always_shown:   # else offered with every choice, optional but for this one
                ff.show_when = (other, value)
            # "Required when you choose <that choice's label>."
            shown = TYPES[t.fields[other].type].show(t.fields[other], value, Shown(case))["value"]
            required = _("Verplicht als u '%(choice)s' kiest.", choice=shown)
            ff.hint = f"{required} {ff.hint}" if ff.hint else required
        out.append(ff)
    return out


def typed_values(t: Transition, case: Case, user: User, form: MultiDict) -> list[dict]:
    """What was typed in ``t``'s form, readable: label and value (a date apart, for the reader's
    format), choices by their label. Shown read-only after a conflict that took the action away;
    a value not among the choices is shown as typed, never looked up outside the choices."""
    out = []
    for ff in transition_fields(t, case, user):
        typed = TYPES[ff.type].typed(ff, form)
        if typed is not None:
            out.append({"label": ff.label, **typed})
    return out


def transition_data(t: Transition | None, form: MultiDict) -> dict:
    """Form strings to the service's data: only the transition's own fields, empty ones left out."""
    if t is None:
        return {}
    data: dict = {}
    for f in t.fields.values():
        value = TYPES[f.type].from_form(f, form)
        if value is not MISSING:
            data[f.name] = value
    return data


def version_arg(form: MultiDict):
    raw = (form.get("version") or "").strip()
    number = whole_number(raw, minimum=0)
    return raw if number is None else number   # the service names the field if it is no version


# --- Registering a child --------------------------------------------------------------------

CHILD_FIELDS = ("given_name", "family_name", "bsn", "birth_date", "postcode", "house_number")
PARENT_ROWS = 2
REGISTER_LABELS = {
    "municipality": _l("Woongemeente"), "given_name": _l("Voornaam"), "family_name": _l("Achternaam"),
    "bsn": _l("BSN"), "birth_date": _l("Geboortedatum"), "postcode": _l("Postcode"),
    "house_number": _l("Huisnummer"), "name": _l("Naam"), "phone": _l("Telefoon"), "email": _l("E-mail"),
}


def register_field_labels() -> dict:
    """Each registration form field's label, for the error summary (a parent's with its row)."""
    out = {k: REGISTER_LABELS[k] for k in ("municipality",) + CHILD_FIELDS}
    for i in range(PARENT_ROWS):
        for k in ("name", "phone", "email"):
            out[f"parent{i}_{k}"] = _("%(label)s (ouder of verzorger %(n)s)", label=REGISTER_LABELS[k], n=i + 1)
    return out


def register_data(form: MultiDict) -> tuple[str, dict, list, list[int]]:
    """(municipality code, child, parents, form row of each parent); empty parent rows are left out."""
    child = {k: (form.get(k) or "").strip()[:300] for k in CHILD_FIELDS}
    parents, rows = [], []
    for i in range(PARENT_ROWS):
        row = {k: (form.get(f"parent{i}_{k}") or "").strip()[:300] for k in ("name", "phone", "email")}
        if any(row.values()):
            parents.append({"name": row["name"], "phone": row["phone"] or None, "email": row["email"] or None})
            rows.append(i)
    return (form.get("municipality") or "").strip()[:10], child, parents, rows


def register_field_for(service_field: str | None, parent_rows: list[int]) -> str:
    """The form field a service error names: ``child.bsn`` -> ``bsn``, ``parents[0].phone`` -> ``parent0_phone``."""
    if not service_field:
        return "_form"
    if service_field.startswith("child."):
        return service_field[len("child."):]
    m = re.fullmatch(r"parents\[(\d+)\]\.(\w+)", service_field)
    if m and int(m.group(1)) < len(parent_rows):
        return f"parent{parent_rows[int(m.group(1))]}_{m.group(2)}"
    if service_field in ("municipality",):
        return service_field
    return "_form"


def register_refusal(exc, parent_rows: list[int], own_fields: tuple[str, ...] = ()) -> tuple[int, dict | None, dict]:
    """The registration form's answer to a refused registration (JGZ's, or a partner's signal):
    (status, notice, {form field: message}). A duplicate: 409, with a link to the case when the
    service named it (only within the caller's scope); else 422, every field at fault at its
    field. ``own_fields``: the caller's extra fields, named by the service as they are on the form."""
    from flask import url_for

    from ..errors import DuplicateCase
    from ..web.errors import refused
    refused(exc)
    errors: dict[str, str] = {}
    if isinstance(exc, DuplicateCase):
        notice = {"message": exc.message}
        if exc.extra.get("case_id"):
            notice["link"] = url_for("cases.show", case_id=exc.extra["case_id"])
        errors["bsn"] = exc.message
        return 409, notice, errors
    for e in exc.each():
        field = e.field if e.field in own_fields else register_field_for(e.field, parent_rows)
        errors.setdefault(field, e.message)
    return 422, None, errors


# --- Correcting a record --------------------------------------------------------------------

MAX_PARENTS = 4
# The child's fields the correction form offers (the date of birth cannot be corrected).
CORRECTABLE = ("given_name", "family_name", "bsn", "postcode", "house_number")


def edit_parent_rows(case: Case) -> int:
    """The recorded parents and one empty row to add one, at least two rows, at most four."""
    return min(MAX_PARENTS, max(PARENT_ROWS, len(case.parents or []) + 1))


def edit_values(case: Case) -> dict:
    """The correction form filled with the case as it is."""
    values = {k: getattr(case, k) or "" for k in CORRECTABLE}
    for i, p in enumerate(case.parents or []):
        for k in ("name", "phone", "email"):
            values[f"parent{i}_{k}"] = p.get(k) or ""
    return values


def correction_data(form: MultiDict, case: Case, child_too: bool) -> tuple[dict | None, list, list[int]]:
    """(child, parents, form row of each parent) for correct_case.

    The child's fields only for JGZ. A recorded parent's name comes from the form only for JGZ:
    the CJG's form shows it read-only, so it is taken from the case (the service checks it too).
    A row left empty drops that parent (JGZ) or adds none.
    """
    child = {k: (form.get(k) or "").strip()[:300] for k in CORRECTABLE} if child_too else None
    old = case.parents or []
    parents, rows = [], []
    for i in range(edit_parent_rows(case)):
        row = {k: (form.get(f"parent{i}_{k}") or "").strip()[:300] for k in ("name", "phone", "email")}
        if not child_too and i < len(old):
            row["name"] = old[i]["name"]
        if any(row.values()):
            parents.append({"name": row["name"], "phone": row["phone"] or None, "email": row["email"] or None})
            rows.append(i)
    return child, parents, rows


def correction_label(field: str) -> str:
    """A history row's changed field, readable: ``child.bsn`` -> BSN, ``parents[0].phone`` -> Telefoon (ouder 1)."""
    if field.startswith("child."):
        key = field[len("child."):]
        return str(REGISTER_LABELS.get(key, key))
    m = re.fullmatch(r"parents\[(\d+)\]\.(\w+)", field)
    if m:
        return _("%(field)s (ouder %(n)s)", field=REGISTER_LABELS.get(m.group(2), m.group(2)), n=int(m.group(1)) + 1)
    return field
