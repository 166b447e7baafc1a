"""Checking input for cases: the child's data and each transition's fields, as the workflow declares them.

Every error names its field and is in Dutch, the language of the product.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import select

from .. import clock
from ..errors import ValidationError
from ..extensions import db
from ..organisations.models import Location, Municipality, Organisation
from ..workflow.definition import Field, Transition, Workflow

POSTCODE_RE = re.compile(r"^([1-9][0-9]{3})\s?([A-Za-z]{2})$")
HOUSE_NUMBER_RE = re.compile(r"^[1-9][0-9]{0,4}(\s?[A-Za-z0-9-]{1,6})?$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^\+?[0-9 ()-]{6,20}$")


def elfproef(bsn: str) -> bool:
    """The BSN check: weights 9..2 and -1 over nine digits, sum divisible by 11 (and not 0)."""
    if not (isinstance(bsn, str) and len(bsn) == 9 and bsn.isdigit()):
        return False
    total = sum(int(d) * w for d, w in zip(bsn, (9, 8, 7, 6, 5, 4, 3, 2, -1)))
    return total % 11 == 0 and total != 0


def normalise_bsn(raw: Any, field: str = "bsn") -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationError("BSN is verplicht.", field)
    bsn = re.sub(r"[\s.]", "", raw)
    if bsn.isdigit() and len(bsn) == 8:   # older BSNs are written without the leading zero
        bsn = "0" + bsn
    if not elfproef(bsn):
        raise ValidationError("BSN is ongeldig (voldoet niet aan de elfproef).", field)
    return bsn


def parse_date(raw: Any, field: str) -> dt.date:
    if isinstance(raw, dt.date):
        return raw
    if not isinstance(raw, str):
        raise ValidationError("Datum ontbreekt of is geen datum (JJJJ-MM-DD).", field)
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationError("Ongeldige datum; gebruik JJJJ-MM-DD.", field) from None


def _text(raw: Any, field: str, label: str, max_length: int = 100, required: bool = True) -> str | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise ValidationError(f"{label} is verplicht.", field)
        return None
    if not isinstance(raw, str):
        raise ValidationError(f"{label} moet tekst zijn.", field)
    value = raw.strip()
    if len(value) > max_length:
        raise ValidationError(f"{label} is te lang (maximaal {max_length} tekens).", field)
    return value


def validate_child(raw: Any) -> dict:
    """The child's data for registration, normalised."""
    if not isinstance(raw, dict):
        raise ValidationError("Gegevens van het kind ontbreken.", "child")
    unknown = set(raw) - {"given_name", "family_name", "bsn", "birth_date", "postcode", "house_number"}
    if unknown:
        raise ValidationError("Onbekend veld.", f"child.{sorted(unknown)[0]}")
    child = {
        "given_name": _text(raw.get("given_name"), "child.given_name", "Voornaam"),
        "family_name": _text(raw.get("family_name"), "child.family_name", "Achternaam"),
        "bsn": normalise_bsn(raw.get("bsn"), "child.bsn"),
        "birth_date": parse_date(raw.get("birth_date"), "child.birth_date"),
    }
    today = clock.today()
    if child["birth_date"] > today:
        raise ValidationError("Geboortedatum ligt in de toekomst.", "child.birth_date")
    if clock.months_between(child["birth_date"], today) >= 48:
        raise ValidationError("Het kind is 4 jaar of ouder; VE-toeleiding is voor kinderen tot 4 jaar.",
                              "child.birth_date")
    postcode = _text(raw.get("postcode"), "child.postcode", "Postcode", 7)
    m = POSTCODE_RE.match(postcode)
    if not m:
        raise ValidationError("Ongeldige postcode; gebruik 1234 AB.", "child.postcode")
    child["postcode"] = f"{m.group(1)}{m.group(2).upper()}"
    house = raw.get("house_number")
    house = str(house) if isinstance(house, int) and not isinstance(house, bool) else house
    house = _text(house, "child.house_number", "Huisnummer", 12)
    if not HOUSE_NUMBER_RE.match(house):
        raise ValidationError("Ongeldig huisnummer.", "child.house_number")
    child["house_number"] = house
    return child


def validate_parents(raw: Any) -> list[dict]:
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > 4:
        raise ValidationError("Ouders: een lijst van hoogstens 4 personen.", "parents")
    out = []
    for i, p in enumerate(raw):
        key = f"parents[{i}]"
        if not isinstance(p, dict):
            raise ValidationError("Ongeldige gegevens van ouder.", key)
        unknown = set(p) - {"name", "phone", "email"}
        if unknown:
            raise ValidationError("Onbekend veld.", f"{key}.{sorted(unknown)[0]}")
        parent = {"name": _text(p.get("name"), f"{key}.name", "Naam ouder", 200)}
        phone = _text(p.get("phone"), f"{key}.phone", "Telefoon", 20, required=False)
        if phone and not PHONE_RE.match(phone):
            raise ValidationError("Ongeldig telefoonnummer.", f"{key}.phone")
        email = _text(p.get("email"), f"{key}.email", "E-mail", 254, required=False)
        if email and not EMAIL_RE.match(email):
            raise ValidationError("Ongeldig e-mailadres.", f"{key}.email")
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
        raise ValidationError("'data' moet een object zijn.", "data")
    unknown = set(data) - set(t.fields)
    if unknown:
        raise ValidationError(f"Onbekend veld voor '{t.trigger}'.", sorted(unknown)[0])
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
                    raise ValidationError("Dit veld is verplicht.", f.name)
                continue
        values[f.name] = _parse_field(workflow, f, case, raw, values)
    return values


def _parse_field(workflow: Workflow, f: Field, case, raw: Any, values: dict) -> Any:
    if f.type == "date":
        day = parse_date(raw, f.name)
        today = clock.today()
        if f.not_future and day > today:
            raise ValidationError("Deze datum mag niet in de toekomst liggen.", f.name)
        if f.max_days_ahead is not None and day > today + dt.timedelta(days=f.max_days_ahead):
            raise ValidationError(f"Deze datum ligt te ver vooruit (hoogstens {f.max_days_ahead} dagen).", f.name)
        return day
    if f.type == "text":
        return _text(raw, f.name, "Toelichting", f.max_length or 2000)
    if f.type == "boolean":
        if not isinstance(raw, bool):
            raise ValidationError("Kies ja of nee.", f.name)
        if f.must_be is not None and raw is not f.must_be:
            raise ValidationError("Zonder toestemming van de ouders kan het kind niet worden toegeleid."
                                  if f.name == "consent" else "Deze waarde is niet toegestaan.", f.name)
        return raw
    if f.type == "integer":
        if isinstance(raw, bool) or not isinstance(raw, int):
            if isinstance(raw, str) and raw.strip().isdigit():
                raw = int(raw.strip())
            else:
                raise ValidationError("Vul een heel getal in.", f.name)
        if (f.min is not None and raw < f.min) or (f.max is not None and raw > f.max):
            raise ValidationError(f"Vul een getal van {f.min} tot en met {f.max} in.", f.name)
        return raw
    if f.type == "choice":
        if raw not in workflow.choices_for(f):
            raise ValidationError(f"Kies een van: {', '.join(workflow.choices_for(f))}.", f.name)
        return raw
    if f.type == "criteria":
        if not isinstance(raw, list) or not all(isinstance(c, str) for c in raw):
            raise ValidationError("Kies ten minste één criterium.", f.name)
        on = values.get(f.on_date) if f.on_date else clock.today()
        definition = case.municipality.definition_on(on)
        if definition is None:
            raise ValidationError(f"{case.municipality.name} heeft op {on:%d-%m-%Y} geen doelgroepdefinitie.", f.name)
        unknown = [c for c in raw if c not in definition.criteria_codes]
        if unknown:
            raise ValidationError(f"Onbekend criterium {unknown[0][:40]!r} voor {case.municipality.name}.", f.name)
        if not raw:
            raise ValidationError("Kies ten minste één criterium.", f.name)
        return sorted(set(raw))
    if f.type in ("location", "school"):
        try:
            ident = int(raw)
        except (TypeError, ValueError):
            raise ValidationError("Ongeldige keuze.", f.name) from None
        if not 0 < ident < 2**31:   # beyond an INTEGER column PostgreSQL would fail the query itself
            raise ValidationError("Ongeldige keuze.", f.name)
        if f.type == "location":
            obj = db.session.scalar(select(Location).join(Municipality, Location.municipality_id == Municipality.id)
                                    .where(Location.id == ident, Location.active.is_(True),
                                           Municipality.region_id == case.municipality.region_id))
            message = "Onbekende VE-locatie in deze regio."
        else:
            obj = db.session.scalar(select(Organisation).where(
                Organisation.id == ident, Organisation.kind == "school",
                Organisation.region_id == case.municipality.region_id))
            message = "Onbekende school in deze regio."
        if obj is None:
            raise ValidationError(message, f.name)
        return obj
    raise AssertionError(f"field type {f.type} passed the loader but has no parser")
