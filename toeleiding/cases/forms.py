"""Page forms for cases, generated from the workflow: what to show, and how form strings become data.

Rules are not checked here: the services validate and name the field at fault. These helpers
only turn HTML form strings into the JSON-like types the services take (booleans, integers,
lists of criteria codes) and describe each field for the templates.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field as dc_field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from .. import clock
from ..extensions import db
from ..numbers import whole_number
from ..organisations.models import Location, Municipality, Organisation
from ..users.models import User
from ..workflow import current_workflow
from ..workflow.definition import Transition
from .models import Case

FIELD_LABELS = {
    "criteria": _l("Criteria van de doelgroepdefinitie"),
    "indication_date": _l("Datum indicatie"),
    "reason_text": _l("Toelichting"),
    "location_id": _l("VE-locatie"),
    "consent": _l("De ouders geven toestemming voor toeleiding"),
    "referral_date": _l("Datum toeleiding"),
    "expected_start_date": _l("Verwachte startdatum"),
    "start_date": _l("Startdatum"),
    "hours_per_week": _l("Uren per week"),
    "reason": _l("Reden"),
    "date": _l("Datum"),
    "school_id": _l("School"),
    "handover_date": _l("Datum overdracht"),
    "outcome": _l("Uitkomst"),
}
HINTS = {
    "date": _l("Dag-maand-jaar; uw browser toont een kalender."),
    "text_other": _l("Verplicht als u 'Anders' kiest."),
    "hours_per_week": _l("Een heel getal van 1 tot en met 40."),
}


@dataclass
class FormField:
    """One field as the template renders it."""
    name: str
    type: str                 # date, text, boolean, integer, choice, criteria, location, school
    label: str
    required: bool = False
    choices: list = dc_field(default_factory=list)   # [(value, label)] or [(group, [(value, label)])]
    hint: str | None = None
    show_when: tuple[str, str] | None = None           # (other field, value): JS hides it otherwise
    default: object = None
    min: int | None = None
    max: int | None = None
    max_length: int | None = None
    grouped: bool = False


def _location_label(loc: Location) -> str:
    return f"{loc.name} – {loc.provider.name}"


def location_choices(case: Case, user: User) -> list:
    """Active locations of the case's region, grouped by municipality; a provider only its own."""
    q = (select(Location).join(Municipality, Location.municipality_id == Municipality.id)
         .where(Location.active.is_(True), Municipality.region_id == case.municipality.region_id)
         .order_by(Municipality.name, Location.name))
    if user.role == "ve":
        q = q.where(Location.provider_id == user.organisation_id)
    groups: dict[str, list] = {}
    for loc in db.session.scalars(q):
        groups.setdefault(loc.municipality.name, []).append((str(loc.id), _location_label(loc)))
    # The child's own municipality first: most families choose a place close to home.
    ordered = sorted(groups.items(), key=lambda kv: (kv[0] != case.municipality.name, kv[0]))
    return ordered


def school_choices(case: Case) -> list:
    q = (select(Organisation).where(Organisation.kind == "school", Organisation.active.is_(True),
                                    Organisation.region_id == case.municipality.region_id)
         .order_by(Organisation.name))
    return [(str(o.id), o.name) for o in db.session.scalars(q)]


def transition_fields(t: Transition, case: Case, user: User) -> list[FormField]:
    """The fields of one transition's form, with choices for this case and user."""
    from ..web.i18n import outcome_label, reason_label
    wf = current_workflow()
    out = []
    for f in t.fields.values():
        ff = FormField(name=f.name, type=f.type, label=str(FIELD_LABELS.get(f.name, f.name.replace("_", " "))),
                       required=f.required, max_length=f.max_length, min=f.min, max=f.max)
        if f.type == "date":
            ff.hint = str(HINTS["date"])
            if f.not_future and f.required:
                ff.default = clock.today().isoformat()
        elif f.type == "integer" and f.name in HINTS:
            ff.hint = str(HINTS[f.name])
        elif f.type == "choice":
            label = reason_label if f.choices_list == "reasons" else outcome_label
            ff.choices = [(code, label(code)) for code in wf.choices_for(f)]
        elif f.type == "criteria":
            definition = case.municipality.definition_on(clock.today())
            ff.choices = [(c["code"], c["label"]) for c in (definition.criteria if definition else [])]
            if definition:
                ff.hint = f"{case.municipality.name}: {definition.name}"
        elif f.type == "location":
            ff.choices, ff.grouped = location_choices(case, user), True
            if f.default_from_case:
                ff.default = str(getattr(case, f.default_from_case) or "")
        elif f.type == "school":
            ff.choices = school_choices(case)
        if f.required_when:
            ff.show_when = (f.required_when[0], str(f.required_when[1]))
            ff.hint = str(HINTS["text_other"])
        out.append(ff)
    return out


def typed_values(t: Transition, case: Case, user: User, form: MultiDict) -> list[dict]:
    """What was typed in ``t``'s form, readable: label and value (a date apart, for the reader's
    format), choices by their label. Shown read-only after a conflict that took the action away;
    a value not among the choices is shown as typed, never looked up outside the choices."""
    out = []
    for ff in transition_fields(t, case, user):
        if ff.type == "criteria":
            labels = dict(ff.choices)
            raw = [labels.get(v, v) for v in form.getlist(ff.name) if v]
            if raw:
                out.append({"label": ff.label, "value": ", ".join(raw)})
            continue
        if ff.type == "boolean":
            if form.get(ff.name):
                out.append({"label": ff.label, "value": str(_l("ja"))})
            continue
        raw = (form.get(ff.name) or "").strip()[:2000]
        if not raw:
            continue
        if ff.type == "date":
            try:
                out.append({"label": ff.label, "date": dt.date.fromisoformat(raw)})
                continue
            except ValueError:
                pass
        if ff.type == "location":
            labels = {v: label for _group, options in ff.choices for v, label in options}
        else:
            labels = dict(ff.choices) if ff.type in ("choice", "school") else {}
        out.append({"label": ff.label, "value": labels.get(raw, raw)})
    return out


def transition_data(t: Transition | None, form: MultiDict) -> dict:
    """Form strings to the service's data: only the transition's own fields, empty ones left out."""
    if t is None:
        return {}
    data: dict = {}
    for f in t.fields.values():
        if f.type == "criteria":
            values = [v for v in form.getlist(f.name) if v]
            if values:
                data[f.name] = values
            continue
        if f.type == "boolean":
            data[f.name] = form.get(f.name) in ("ja", "on", "true", "1")
            continue
        raw = (form.get(f.name) or "").strip()
        if not raw:
            continue
        if f.type == "integer" and re.fullmatch(r"-?[0-9]{1,9}", raw):
            data[f.name] = int(raw)
        else:
            data[f.name] = raw   # the service parses dates and ids, and names the field if it cannot
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
