"""Checking input for cases: the child's data and each transition's fields, as the workflow declares them.

Every error names its field and is in Dutch, the language of the product.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import clock
from ..errors import N_, ValidationError
from ..extensions import db
from ..numbers import whole_number
from ..organisations.models import Location, Municipality, Organisation
from ..workflow.definition import Field, Transition, Workflow

POSTCODE_RE = re.compile(r"^([1-9][0-9]{3})\s?([A-Za-z]{2})$")
HOUSE_NUMBER_RE = re.compile(r"^[1-9][0-9]{0,4}(\s?[A-Za-z0-9-]{1,6})?$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^\+?[0-9 ()-]{6,20}$")


def elfproef(bsn: str) -> bool:
    """The BSN check: weights 9..2 and -1 over nine digits, sum divisible by 11 (and not 0)."""
    if not (isinstance(bsn, str) and len(bsn) == 9 and bsn.isascii() and bsn.isdigit()):
        return False
    total = sum(int(d) * w for d, w in zip(bsn, (9, 8, 7, 6, 5, 4, 3, 2, -1)))
    return total % 11 == 0 and total != 0


def normalise_bsn(raw: Any, field: str = "bsn") -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationError(N_("BSN is verplicht."), field)
    bsn = re.sub(r"[\s.]", "", raw)
    if bsn.isdigit() and len(bsn) == 8:   # older BSNs are written without the leading zero
        bsn = "0" + bsn
    if not elfproef(bsn):
        raise ValidationError(N_("BSN is ongeldig (voldoet niet aan de elfproef)."), field)
    return bsn


def parse_date(raw: Any, field: str) -> dt.date:
    if isinstance(raw, dt.date):
        return raw
    if not isinstance(raw, str):
        raise ValidationError(N_("Datum ontbreekt of is geen datum (JJJJ-MM-DD)."), field)
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationError(N_("Ongeldige datum; gebruik JJJJ-MM-DD."), field) from None


def _text(raw: Any, field: str, label: str, max_length: int = 100, required: bool = True) -> str | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise ValidationError(N_("%(label)s is verplicht."), field, params={"label": label})
        return None
    if not isinstance(raw, str):
        raise ValidationError(N_("%(label)s moet tekst zijn."), field, params={"label": label})
    value = raw.strip()
    if len(value) > max_length:
        raise ValidationError(N_("%(label)s is te lang (maximaal %(max)s tekens)."), field,
                              params={"label": label, "max": max_length})
    return value


def validate_child(raw: Any) -> dict:
    """The child's data for registration, normalised."""
    if not isinstance(raw, dict):
        raise ValidationError(N_("Gegevens van het kind ontbreken."), "child")
    unknown = set(raw) - {"given_name", "family_name", "bsn", "birth_date", "postcode", "house_number"}
    if unknown:
        raise ValidationError(N_("Onbekend veld."), f"child.{sorted(unknown)[0]}")
    child = {
        "given_name": _text(raw.get("given_name"), "child.given_name", _l("Voornaam")),
        "family_name": _text(raw.get("family_name"), "child.family_name", _l("Achternaam")),
        "bsn": normalise_bsn(raw.get("bsn"), "child.bsn"),
        "birth_date": parse_date(raw.get("birth_date"), "child.birth_date"),
    }
    today = clock.today()
    if child["birth_date"] > today:
        raise ValidationError(N_("Geboortedatum ligt in de toekomst."), "child.birth_date")
    if clock.months_between(child["birth_date"], today) >= 48:
        raise ValidationError(N_("Het kind is 4 jaar of ouder; VE-toeleiding is voor kinderen tot 4 jaar."),
                              "child.birth_date")
    postcode = _text(raw.get("postcode"), "child.postcode", _l("Postcode"), 7)
    m = POSTCODE_RE.match(postcode)
    if not m:
        raise ValidationError(N_("Ongeldige postcode; gebruik 1234 AB."), "child.postcode")
    child["postcode"] = f"{m.group(1)}{m.group(2).upper()}"
    house = raw.get("house_number")
    house = str(house) if isinstance(house, int) and not isinstance(house, bool) else house
    house = _text(house, "child.house_number", _l("Huisnummer"), 12)
    if not HOUSE_NUMBER_RE.match(house):
        raise ValidationError(N_("Ongeldig huisnummer."), "child.house_number")
    child["house_number"] = house
    return child


def validate_parents(raw: Any) -> list[dict]:
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > 4:
        raise ValidationError(N_("Ouders: een lijst van hoogstens 4 personen."), "parents")
    out = []
    for i, p in enumerate(raw):
        key = f"parents[{i}]"
        if not isinstance(p, dict):
            raise ValidationError(N_("Ongeldige gegevens van ouder."), key)
        unknown = set(p) - {"name", "phone", "email"}
        if unknown:
            raise ValidationError(N_("Onbekend veld."), f"{key}.{sorted(unknown)[0]}")
        parent = {"name": _text(p.get("name"), f"{key}.name", _l("Naam ouder"), 200)}
        phone = _text(p.get("phone"), f"{key}.phone", _l("Telefoon"), 20, required=False)
        if phone and not PHONE_RE.match(phone):
            raise ValidationError(N_("Ongeldig telefoonnummer."), f"{key}.phone")
        email = _text(p.get("email"), f"{key}.email", _l("E-mail"), 254, required=False)
        if email and not EMAIL_RE.match(email):
            raise ValidationError(N_("Ongeldig e-mailadres."), f"{key}.email")
        parent.update(phone=phone, email=email)
        out.append(parent)
    return out


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
    # Dates first: criteria are checked against the definition in force on a date field.
    ordered = sorted(t.fields.values(), key=lambda f: f.type != "date")
    for f in ordered:
        raw = data.get(f.name)
        if _empty(raw):
            if f.default_from_case and getattr(case, f.default_from_case) is not None:
                raw = getattr(case, f.default_from_case)
            else:
                needed = f.required or (f.required_when is not None
                                        and data.get(f.required_when[0]) == f.required_when[1])
                if needed:
                    raise ValidationError(N_("Dit veld is verplicht."), f.name)
                continue
        values[f.name] = _parse_field(workflow, f, case, raw, values)
    return values


def _parse_field(workflow: Workflow, f: Field, case, raw: Any, values: dict) -> Any:
    if f.type == "date":
        day = parse_date(raw, f.name)
        today = clock.today()
        if f.not_future and day > today:
            raise ValidationError(N_("Deze datum mag niet in de toekomst liggen."), f.name)
        if f.max_days_ahead is not None and day > today + dt.timedelta(days=f.max_days_ahead):
            raise ValidationError(N_("Deze datum ligt te ver vooruit (hoogstens %(days)s dagen)."), f.name,
                                  params={"days": f.max_days_ahead})
        return day
    if f.type == "text":
        return _text(raw, f.name, _l("Toelichting"), f.max_length or 2000)
    if f.type == "boolean":
        if not isinstance(raw, bool):
            raise ValidationError(N_("Kies ja of nee."), f.name)
        if f.must_be is not None and raw is not f.must_be:
            raise ValidationError(N_("Zonder toestemming van de ouders kan het kind niet worden toegeleid.")
                                  if f.name == "consent" else N_("Deze waarde is niet toegestaan."), f.name)
        return raw
    if f.type == "integer":
        if isinstance(raw, bool) or not isinstance(raw, int):
            raw = whole_number(raw, minimum=0)   # a form sends text
            if raw is None:
                raise ValidationError(N_("Vul een heel getal in."), f.name)
        if (f.min is not None and raw < f.min) or (f.max is not None and raw > f.max):
            raise ValidationError(N_("Vul een getal van %(min)s tot en met %(max)s in."), f.name,
                                  params={"min": f.min, "max": f.max})
        return raw
    if f.type == "choice":
        if raw not in workflow.choices_for(f):
            raise ValidationError(N_("Kies een van: %(choices)s."), f.name,
                                  params={"choices": ", ".join(workflow.choices_for(f))})
        return raw
    if f.type == "criteria":
        if not isinstance(raw, list) or not all(isinstance(c, str) for c in raw):
            raise ValidationError(N_("Kies ten minste één criterium."), f.name)
        on = values.get(f.on_date) if f.on_date else clock.today()
        definition = case.municipality.definition_on(on)
        if definition is None:
            raise ValidationError(N_("%(municipality)s heeft op %(date)s geen doelgroepdefinitie."), f.name,
                                  params={"municipality": case.municipality.name, "date": f"{on:%d-%m-%Y}"})
        unknown = [c for c in raw if c not in definition.criteria_codes]
        if unknown:
            raise ValidationError(N_("Onbekend criterium %(code)r voor %(municipality)s."), f.name,
                                  params={"code": unknown[0][:40], "municipality": case.municipality.name})
        if not raw:
            raise ValidationError(N_("Kies ten minste één criterium."), f.name)
        return sorted(set(raw))
    if f.type in ("location", "school"):
        ident = whole_number(raw)
        if ident is None:
            raise ValidationError(N_("Ongeldige keuze."), f.name)
        if f.type == "location":
            obj = db.session.scalar(select(Location).join(Municipality, Location.municipality_id == Municipality.id)
                                    .where(Location.id == ident, Location.active.is_(True),
                                           Municipality.region_id == case.municipality.region_id))
            message = N_("Onbekende VE-locatie in deze regio.")
        else:
            obj = db.session.scalar(select(Organisation).where(
                Organisation.id == ident, Organisation.kind == "school", Organisation.active.is_(True),
                Organisation.region_id == case.municipality.region_id))
            message = N_("Onbekende school in deze regio.")
        if obj is None:
            raise ValidationError(message, f.name)
        return obj
    raise AssertionError(f"field type {f.type} passed the loader but has no parser")
