"""The types of a workflow field, one class each: how a value is parsed and checked, read from a
page's form, offered in that form, described in the OpenAPI document and in ``GET /workflow``,
and shown in a case's timeline. Adding a type is one class here plus its name in
``workflow.definition.FIELD_TYPES`` (the loader's list; a test keeps the two equal).
"""
from __future__ import annotations

import datetime as dt
import re
from contextlib import contextmanager
from dataclasses import dataclass, field as dc_field
from typing import Any

from flask_babel import LazyString, gettext as _, lazy_gettext as _l
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from .. import clock
from ..errors import N_, ErrorCollector, ValidationError
from ..extensions import db
from ..numbers import whole_number
from ..organisations.models import Location, Municipality, Organisation
from ..workflow.definition import Field, Transition, Workflow
from ..workflow import current_workflow
from ..workflow.labels import field_label, label, outcome_label, reason_label
from .validation import parse_date, text_value

MISSING = object()   # a form left the field empty


@dataclass
class FormField:
    """One field as the template renders it."""
    name: str
    type: str                 # a FIELD_TYPES name
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
    min_date: str | None = None   # ISO dates for the input's min and max: the limits the service checks
    max_date: str | None = None


@dataclass
class Shown:
    """Lookups for showing many history values at once (one query per kind, not per value)."""
    case: Any
    locations: dict = dc_field(default_factory=dict)   # id -> Location
    schools: dict = dc_field(default_factory=dict)     # id -> name
    on: dt.date | None = None                          # the effective date of the event shown


class FieldType:
    name = ""
    parse_first = False   # parsed before the others (a date another field is checked on)

    def parse(self, wf: Workflow, f: Field, case, raw: Any, values: dict) -> Any:
        raise NotImplementedError

    def schema(self, wf: Workflow, f: Field) -> dict:
        return {"type": "string"}

    def describe(self, wf: Workflow, f: Field) -> dict:
        """What ``GET /workflow`` says of the field beyond type and required."""
        return {}

    def from_form(self, f: Field, form: MultiDict) -> Any:
        raw = (form.get(f.name) or "").strip()
        return raw if raw else MISSING   # the service parses, and names the field if it cannot

    def offer(self, wf: Workflow, f: Field, ff: FormField, case, user) -> None:
        """Choices, hint and default of the field on a case's form."""

    def show(self, f: Field, value: Any, shown: Shown) -> dict:
        """A stored value, readable: ``{"value": text}`` or ``{"date": iso}`` (the template formats it)."""
        return {"value": str(value)}

    def typed(self, ff: FormField, form: MultiDict) -> dict | None:
        """What was typed, readable, for the conflict notice."""
        raw = (form.get(ff.name) or "").strip()[:2000]
        return {"value": raw} if raw else None


class DateType(FieldType):
    name, parse_first = "date", True

    def parse(self, wf, f, case, raw, values):
        day = parse_date(raw, f.name)
        today = clock.today()
        if f.not_future and day > today:
            raise ValidationError(N_("Deze datum mag niet in de toekomst liggen."), f.name)
        if f.max_days_ahead is not None and day > today + dt.timedelta(days=f.max_days_ahead):
            raise ValidationError(N_("Deze datum ligt te ver vooruit (hoogstens %(days)s dagen)."), f.name,
                                  params={"days": f.max_days_ahead})
        return day

    def schema(self, wf, f):
        return {"type": "string", "format": "date"}

    def offer(self, wf, f, ff, case, user):
        # The limits the service checks (parse above), on the input and in words.
        today = clock.today()
        if f.not_future:
            ff.max_date = today.isoformat()
            ff.hint = _("Dag-maand-jaar; uiterlijk vandaag.")
        elif f.max_days_ahead is not None:
            ff.max_date = (today + dt.timedelta(days=f.max_days_ahead)).isoformat()
            ff.hint = _("Dag-maand-jaar; uiterlijk binnen %(days)s dagen.", days=f.max_days_ahead)
        else:
            ff.hint = _("Dag-maand-jaar; uw browser toont een kalender.")
        if f.default == "today" or (f.not_future and f.required):
            ff.default = clock.today().isoformat()

    def show(self, f, value, shown):
        return {"date": value}   # formatted in the template, in the reader's language

    def typed(self, ff, form):
        raw = (form.get(ff.name) or "").strip()[:2000]
        if not raw:
            return None
        try:
            return {"date": dt.date.fromisoformat(raw)}
        except ValueError:
            return {"value": raw}


class TextType(FieldType):
    name = "text"   # free text about a family: always encrypted at rest (Field.encrypted)

    def parse(self, wf, f, case, raw, values):
        return text_value(raw, f.name, _l("Toelichting"), f.max_length or 2000)

    def offer(self, wf, f, ff, case, user):
        ff.max_length = f.max_length or 2000
        ff.hint = _("Hoogstens %(max)s tekens.", max=ff.max_length)

    def schema(self, wf, f):
        return {"type": "string", "maxLength": f.max_length or 2000}


class BooleanType(FieldType):
    name = "boolean"

    def parse(self, wf, f, case, raw, values):
        if not isinstance(raw, bool):
            raise ValidationError(N_("Kies ja of nee."), f.name)
        if f.must_be is not None and raw is not f.must_be:
            message = CONSENT_MESSAGES.get(f.name, N_("Deze waarde is niet toegestaan."))
            raise ValidationError(message, f.name)
        return raw

    def schema(self, wf, f):
        return {"type": "boolean"}

    def from_form(self, f, form):
        return form.get(f.name) in ("ja", "on", "true", "1")

    def show(self, f, value, shown):
        return {"value": _("ja") if value else _("nee")}

    def typed(self, ff, form):
        return {"value": str(_l("ja"))} if form.get(ff.name) else None


class IntegerType(FieldType):
    name = "integer"

    def parse(self, wf, f, case, raw, values):
        if isinstance(raw, bool) or not isinstance(raw, int):
            raw = whole_number(raw, minimum=0)   # a form sends text
            if raw is None:
                raise ValidationError(N_("Vul een heel getal in."), f.name)
        if (f.min is not None and raw < f.min) or (f.max is not None and raw > f.max):
            raise ValidationError(N_("Vul een getal van %(min)s tot en met %(max)s in."), f.name,
                                  params={"min": f.min, "max": f.max})
        return raw

    def schema(self, wf, f):
        return {"type": "integer", **{k: v for k, v in (("minimum", f.min), ("maximum", f.max)) if v is not None}}

    def describe(self, wf, f):
        return {"min": f.min, "max": f.max}

    def from_form(self, f, form):
        raw = (form.get(f.name) or "").strip()
        if not raw:
            return MISSING
        return int(raw) if re.fullmatch(r"-?[0-9]{1,9}", raw) else raw

    def offer(self, wf, f, ff, case, user):
        if f.min is not None and f.max is not None:
            ff.hint = _("Een heel getal van %(min)s tot en met %(max)s.", min=f.min, max=f.max)


class ChoiceType(FieldType):
    name = "choice"   # a code of one of the file's lists: reasons or outcomes

    @staticmethod
    def _label(f: Field):
        kind = current_workflow().choice_kind(f)
        return lambda code: label(kind, code)

    def parse(self, wf, f, case, raw, values):
        if raw not in wf.choices_for(f):
            raise ValidationError(N_("Kies een van: %(choices)s."), f.name,
                                  params={"choices": ", ".join(wf.choices_for(f))})
        return raw

    def schema(self, wf, f):
        return {"type": "string", "enum": list(wf.choices_for(f))}

    def describe(self, wf, f):
        return {"choices": dict(wf.choices_for(f))}

    def offer(self, wf, f, ff, case, user):
        label = self._label(f)
        ff.choices = [(code, label(code)) for code in wf.choices_for(f)]

    def show(self, f, value, shown):
        return {"value": self._label(f)(value)}

    def typed(self, ff, form):
        raw = (form.get(ff.name) or "").strip()[:2000]
        return {"value": dict(ff.choices).get(raw, raw)} if raw else None


class CriteriaType(FieldType):
    name = "criteria"   # codes of the municipality's target-group definition in force

    def parse(self, wf, f, case, raw, values):
        if not isinstance(raw, list) or not all(isinstance(c, str) for c in raw):
            raise ValidationError(N_("Kies ten minste één criterium."), f.name)
        on = values.get(f.on_date) if f.on_date else clock.today()
        definition = case.municipality.definition_on(on)
        if definition is None:
            raise ValidationError(N_("%(municipality)s heeft op %(date)s geen doelgroepdefinitie."), f.name,
                                  params={"municipality": case.municipality.name, "date": on})
        unknown = [c for c in raw if c not in definition.criteria_codes]
        if unknown:
            raise ValidationError(N_("Onbekend criterium %(code)r voor %(municipality)s."), f.name,
                                  params={"code": unknown[0][:40], "municipality": case.municipality.name})
        if not raw:
            raise ValidationError(N_("Kies ten minste één criterium."), f.name)
        return sorted(set(raw))

    def schema(self, wf, f):
        return {"type": "array", "items": {"type": "string"}, "minItems": 1}

    def from_form(self, f, form):
        values = [v for v in form.getlist(f.name) if v]
        return values if values else MISSING

    def offer(self, wf, f, ff, case, user):
        definition = case.municipality.definition_on(clock.today())
        ff.choices = [(c["code"], c["label"]) for c in (definition.criteria if definition else [])]
        if definition:
            ff.hint = f"{case.municipality.name}: {definition.name}"

    def show(self, f, value, shown):
        definition = shown.case.municipality.definition_on(shown.on) if shown.on else None
        labels = {c["code"]: c["label"] for c in (definition.criteria if definition else [])}
        return {"value": ", ".join(labels.get(c, c) for c in value)}

    def typed(self, ff, form):
        labels = dict(ff.choices)
        raw = [labels.get(v, v) for v in form.getlist(ff.name) if v]
        return {"value": ", ".join(raw)} if raw else None


# session.info key: while set (cached_references), a reference field reads its type's rows of a
# region once, in one query, instead of one query per value.
REFERENCE_CACHE = "toeleiding.reference_cache"


@contextmanager
def cached_references():
    """Within it, the reference fields (locations, schools) of the region's cases are looked up
    in one query per type and region: for the bulk import, which checks thousands of steps in one
    transaction (a location closed meanwhile by someone else is not seen until the block ends)."""
    db.session.info[REFERENCE_CACHE] = {}
    try:
        yield
    finally:
        db.session.info.pop(REFERENCE_CACHE, None)


class _ReferenceType(FieldType):
    """An id of a row of the case's region (a VE location, a school)."""
    invalid = N_("Ongeldige keuze.")

    def parse(self, wf, f, case, raw, values):
        ident = whole_number(raw)   # ASCII digits, within an INTEGER column
        if ident is None:
            raise ValidationError(self.invalid, f.name)
        cache = db.session.info.get(REFERENCE_CACHE)
        if cache is None:
            obj = db.session.scalar(self.query(case, ident))
        else:
            key = (self.name, case.municipality.region_id)
            if key not in cache:
                cache[key] = {o.id: o for o in db.session.scalars(self.of_region(case))}
            obj = cache[key].get(ident)
        if obj is None:
            raise ValidationError(self.unknown, f.name)
        return obj

    def schema(self, wf, f):
        return {"type": "integer"}

    def typed(self, ff, form):
        raw = (form.get(ff.name) or "").strip()[:2000]
        return {"value": dict(self.flat(ff.choices)).get(raw, raw)} if raw else None

    @staticmethod
    def flat(choices):
        return choices


class LocationType(_ReferenceType):
    name = "location"
    unknown = N_("Onbekende VE-locatie in deze regio.")

    @staticmethod
    def of_region(case):
        return (select(Location).join(Municipality, Location.municipality_id == Municipality.id)
                .where(Location.active.is_(True), Municipality.region_id == case.municipality.region_id))

    @classmethod
    def query(cls, case, ident):
        return cls.of_region(case).where(Location.id == ident)

    def offer(self, wf, f, ff, case, user):
        ff.choices, ff.grouped = location_choices(case, user), True
        if f.default_from_case:
            ff.default = str(getattr(case, f.default_from_case) or "")

    def show(self, f, value, shown):
        loc = shown.locations.get(value)
        return {"value": location_label(loc) if loc else str(value)}

    @staticmethod
    def flat(choices):
        return [(v, label) for _group, options in choices for v, label in options]


class SchoolType(_ReferenceType):
    name = "school"
    unknown = N_("Onbekende school in deze regio.")

    @staticmethod
    def of_region(case):
        return select(Organisation).where(Organisation.kind == "school", Organisation.active.is_(True),
                                          Organisation.region_id == case.municipality.region_id)

    @classmethod
    def query(cls, case, ident):
        return cls.of_region(case).where(Organisation.id == ident)

    def offer(self, wf, f, ff, case, user):
        ff.choices = school_choices(case)

    def show(self, f, value, shown):
        return {"value": shown.schools.get(value, str(value))}


# What a must-be-true consent field says when unticked (field names are part of the public API).
CONSENT_MESSAGES = {
    "consent": N_("Zonder toestemming van de ouders kan het kind niet worden toegeleid."),
    "handover_consent": N_("Zonder toestemming van de ouders kan de overdracht aan school niet doorgaan."),
}


TYPES: dict[str, FieldType] = {t.name: t for t in (
    DateType(), TextType(), BooleanType(), IntegerType(), ChoiceType(), CriteriaType(), LocationType(), SchoolType())}


def location_label(loc: Location) -> str:
    return f"{loc.name} – {loc.provider.name}"


def location_choices(case, user) -> list:
    """Active locations of the case's region, grouped by municipality; a provider only its own."""
    q = (select(Location).join(Municipality, Location.municipality_id == Municipality.id)
         .where(Location.active.is_(True), Municipality.region_id == case.municipality.region_id)
         .order_by(Municipality.name, Location.name))
    if user.role == "ve":
        q = q.where(Location.provider_id == user.organisation_id)
    groups: dict[str, list] = {}
    for loc in db.session.scalars(q):
        groups.setdefault(loc.municipality.name, []).append((str(loc.id), location_label(loc)))
    # The child's own municipality first: most families choose a place close to home.
    return sorted(groups.items(), key=lambda kv: (kv[0] != case.municipality.name, kv[0]))


def school_choices(case) -> list:
    q = (select(Organisation).where(Organisation.kind == "school", Organisation.active.is_(True),
                                    Organisation.region_id == case.municipality.region_id)
         .order_by(Organisation.name))
    return [(str(o.id), o.name) for o in db.session.scalars(q)]


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def validate_transition_data(workflow: Workflow, t: Transition, case, data: Any) -> dict:
    """Parse ``data`` by the transition's field declarations; returns typed values.

    Dates become ``date``, locations ``Location``, schools ``Organisation``. Fields that are
    absent and optional are left out.
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValidationError(N_("'data' moet een object zijn."), "data")
    unknown = set(data) - set(t.fields)
    if unknown:
        raise ValidationError(N_("Onbekend veld voor '%(trigger)s'."), sorted(unknown)[0],
                              params={"trigger": t.trigger})
    values: dict[str, Any] = {}
    errors = ErrorCollector()   # every field at fault at once, not only the first
    # Dates first: criteria are checked against the definition in force on a date field.
    ordered = sorted(t.fields.values(), key=lambda f: not TYPES[f.type].parse_first)
    for f in ordered:
        raw = data.get(f.name)
        if _empty(raw):
            if f.default_from_case and getattr(case, f.default_from_case) is not None:
                raw = getattr(case, f.default_from_case)
            else:
                needed = f.required or (f.required_when is not None
                                        and data.get(f.required_when[0]) == f.required_when[1])
                if needed:
                    errors.errors.append(ValidationError(N_("%(label)s is verplicht."), f.name,
                                                         params={"label": LazyString(field_label, f.name)}))
                continue
        if f.on_date and errors.has(f.on_date):
            continue   # checked on a date that is itself at fault: its error says enough
        with errors.check():
            values[f.name] = TYPES[f.type].parse(workflow, f, case, raw, values)
    errors.raise_if_any()
    return values
