"""Checking input for cases: the child's data and each transition's fields, as the workflow declares them.

Every error names its field and is in Dutch, the language of the product.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any

from flask_babel import lazy_gettext as _l

from .. import clock
from ..dates import parse_date  # noqa: F401  (re-exported: the services read dates through it)
from ..errors import N_, ErrorCollector, ValidationError

POSTCODE_RE = re.compile(r"^([1-9][0-9]{3})\s?([A-Za-z]{2})$")
HOUSE_NUMBER_RE = re.compile(r"^[1-9][0-9]{0,4}(\s?[A-Za-z0-9-]{1,6})?$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^\+?[0-9 ()-]{6,20}$")

# The longest text each field of a registration takes: checked here, and put on the page's
# inputs (``maxlength``) so that the browser stops the typing where the service would refuse.
MAX_LENGTHS = {"given_name": 100, "family_name": 100, "postcode": 7, "house_number": 12,
               "parent_name": 200, "phone": 20, "email": 254}
MAX_PARENTS = 4


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


def text_value(raw: Any, field: str, label: str, max_length: int = 100, required: bool = True) -> str | None:
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


# Invisible characters that reorder the text around them (bidi embeddings, overrides and
# isolates): in a name they make the screen show another name than the one stored and searched.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _name(raw: Any, field: str, label: str, max_length: int) -> str:
    """A person's name: text with at least one letter, without control characters or bidi controls.

    Zero-width joiners and non-joiners stay allowed (some scripts spell names with them), but a
    name made of them alone, or of punctuation and digits, is no name.
    """
    value = text_value(raw, field, label, max_length)
    if any(c in BIDI_CONTROLS or unicodedata.category(c) == "Cc" for c in value):
        raise ValidationError(N_("%(label)s bevat een onzichtbaar stuurteken; typ de naam opnieuw."), field,
                              params={"label": label})
    if not any(unicodedata.category(c).startswith("L") for c in value):
        raise ValidationError(N_("%(label)s moet ten minste één letter bevatten."), field, params={"label": label})
    return value


def validate_child(raw: Any, registering: bool = True) -> dict:
    """The child's data for registration (or, ``registering=False``, a correction), normalised.

    A correction skips the age limit: a child who turned 4 since registering keeps a record
    whose typos must still be put right."""
    if not isinstance(raw, dict):
        raise ValidationError(N_("Gegevens van het kind ontbreken."), "child")
    unknown = set(raw) - {"given_name", "family_name", "bsn", "birth_date", "postcode", "house_number"}
    if unknown:
        raise ValidationError(N_("Onbekend veld."), f"child.{sorted(unknown)[0]}")
    errors, child = ErrorCollector(), {}
    with errors.check():
        child["given_name"] = _name(raw.get("given_name"), "child.given_name", _l("Voornaam"),
                                    MAX_LENGTHS["given_name"])
    with errors.check():
        child["family_name"] = _name(raw.get("family_name"), "child.family_name", _l("Achternaam"),
                                     MAX_LENGTHS["family_name"])
    with errors.check():
        child["bsn"] = normalise_bsn(raw.get("bsn"), "child.bsn")
    with errors.check():
        if raw.get("birth_date") is None or raw.get("birth_date") == "":
            raise ValidationError(N_("%(label)s is verplicht."), "child.birth_date",
                                  params={"label": _l("Geboortedatum")})
        born = parse_date(raw.get("birth_date"), "child.birth_date")
        today = clock.today()
        if born > today:
            raise ValidationError(N_("Geboortedatum ligt in de toekomst."), "child.birth_date")
        if registering and clock.months_between(born, today) >= 48:
            raise ValidationError(N_("Het kind is 4 jaar of ouder; VE-toeleiding is voor kinderen tot 4 jaar."),
                                  "child.birth_date")
        child["birth_date"] = born
    with errors.check():
        postcode = text_value(raw.get("postcode"), "child.postcode", _l("Postcode"), MAX_LENGTHS["postcode"])
        m = POSTCODE_RE.match(postcode)
        if not m:
            raise ValidationError(N_("Ongeldige postcode; gebruik 1234 AB."), "child.postcode")
        child["postcode"] = f"{m.group(1)}{m.group(2).upper()}"
    with errors.check():
        house = raw.get("house_number")
        house = str(house) if isinstance(house, int) and not isinstance(house, bool) else house
        house = text_value(house, "child.house_number", _l("Huisnummer"), MAX_LENGTHS["house_number"])
        if not HOUSE_NUMBER_RE.match(house):
            raise ValidationError(N_("Ongeldig huisnummer."), "child.house_number")
        child["house_number"] = house
    errors.raise_if_any()
    return child


def validate_parents(raw: Any) -> list[dict]:
    """The parents, each field at fault reported at once (a ``FieldErrors``)."""
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > MAX_PARENTS:
        raise ValidationError(N_("Ouders: een lijst van hoogstens 4 personen."), "parents")
    out, errors = [], ErrorCollector()
    for i, p in enumerate(raw):
        key = f"parents[{i}]"
        if not isinstance(p, dict):
            errors.errors.append(ValidationError(N_("Ongeldige gegevens van ouder."), key))
            continue
        unknown = set(p) - {"name", "phone", "email"}
        if unknown:
            errors.errors.append(ValidationError(N_("Onbekend veld."), f"{key}.{sorted(unknown)[0]}"))
            continue
        parent: dict = {}
        with errors.check():
            parent["name"] = _name(p.get("name"), f"{key}.name", _l("Naam ouder"), MAX_LENGTHS["parent_name"])
        with errors.check():
            phone = text_value(p.get("phone"), f"{key}.phone", _l("Telefoon"), MAX_LENGTHS["phone"], required=False)
            if phone and not PHONE_RE.match(phone):
                raise ValidationError(N_("Ongeldig telefoonnummer."), f"{key}.phone")
            parent["phone"] = phone
        with errors.check():
            email = text_value(p.get("email"), f"{key}.email", _l("E-mail"), MAX_LENGTHS["email"], required=False)
            if email and not EMAIL_RE.match(email):
                raise ValidationError(N_("Ongeldig e-mailadres."), f"{key}.email")
            parent["email"] = email
        out.append(parent)
    errors.raise_if_any()
    return out
