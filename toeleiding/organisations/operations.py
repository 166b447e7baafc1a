"""Changing the region's configuration: regions, organisations, locations, definitions."""
from __future__ import annotations

import datetime as dt
import re
from typing import Callable

from sqlalchemy import func, select

from ..errors import N_, ValidationError
from ..extensions import db
from .models import (ORGANISATION_KINDS, Location, Municipality, Organisation, Region, TargetGroupDefinition)

LRK_RE = re.compile(r"^[0-9]{9,12}$")


def get_region(slug: str) -> Region:
    region = db.session.scalar(select(Region).where(Region.slug == slug))
    if region is None:
        raise ValidationError(N_("Onbekende regio %(slug)r."), "region", params={"slug": slug})
    return region


def create_organisation(name: str, kind: str, region: Region, municipalities: list[Municipality] = ()) -> Organisation:
    if not name or not name.strip():
        raise ValidationError(N_("Naam is verplicht."), "name")
    if kind not in ORGANISATION_KINDS:
        raise ValidationError(N_("Onbekende soort; kies uit %(choices)s."), "kind",
                              params={"choices": ", ".join(ORGANISATION_KINDS)})
    for m in municipalities:
        if m.region_id != region.id:
            raise ValidationError(N_("%(municipality)s hoort niet bij regio %(region)s."), "municipality",
                                  params={"municipality": m.name, "region": region.name})
    org = Organisation(name=name.strip(), kind=kind, region=region, municipalities=list(municipalities))
    db.session.add(org)
    db.session.flush()
    return org


def create_location(provider: Organisation, municipality: Municipality, name: str, lrk_number: str,
                    address: str = "") -> Location:
    if provider.kind != "ve_provider":
        raise ValidationError(N_("Alleen een VE-aanbieder heeft VE-locaties."), "provider")
    if not name or not name.strip():
        raise ValidationError(N_("Naam is verplicht."), "name")
    if not LRK_RE.match(lrk_number or ""):
        raise ValidationError(N_("LRK-nummer: 9 tot 12 cijfers."), "lrk_number")
    if db.session.scalar(select(Location.id).where(Location.lrk_number == lrk_number)):
        raise ValidationError(N_("Dit LRK-nummer is al geregistreerd."), "lrk_number")
    loc = Location(provider=provider, municipality=municipality, name=name, lrk_number=lrk_number, address=address)
    db.session.add(loc)
    db.session.flush()
    return loc


def add_definition(municipality: Municipality, name: str, valid_from: dt.date, valid_until: dt.date | None,
                   min_age_months: int, criteria: list[dict]) -> TargetGroupDefinition:
    """A new policy period's definition; periods of one municipality may not overlap."""
    if not name or not name.strip():
        raise ValidationError(N_("Naam is verplicht."), "name")
    if min_age_months not in (24, 30):
        raise ValidationError(N_("Minimumleeftijd is 24 of 30 maanden."), "min_age_months")
    if valid_until is not None and valid_until < valid_from:
        raise ValidationError(N_("Einddatum ligt vóór de begindatum."), "valid_until")
    if not criteria or any(not c.get("code") or not c.get("label") for c in criteria):
        raise ValidationError(N_("Ten minste één criterium met code en omschrijving."), "criteria")
    for d in municipality.definitions:
        if (d.valid_until is None or d.valid_until >= valid_from) and (valid_until is None or valid_until >= d.valid_from):
            raise ValidationError(N_("Overlapt met de definitie %(name)s (%(date)s…)."), "valid_from",
                                  params={"name": d.name, "date": d.valid_from})
    d = TargetGroupDefinition(municipality=municipality, name=name, valid_from=valid_from, valid_until=valid_until,
                              min_age_months=min_age_months, criteria=criteria)
    db.session.add(d)
    db.session.flush()
    return d


def update_location(location: Location, name: str, address: str, active: bool) -> Location:
    """Rename, move or (de)activate a VE location; cases keep pointing at it."""
    if not name or not name.strip():
        raise ValidationError(N_("Naam is verplicht."), "name")
    if len(name) > 200 or len(address or "") > 200:
        raise ValidationError(N_("Hoogstens 200 tekens."), "name" if len(name) > 200 else "address")
    if active and not location.active and not db.session.get(Organisation, location.provider_id).active:
        raise ValidationError(N_("De aanbieder van deze locatie is gedeactiveerd; activeer die eerst."), "active")
    location.name, location.address, location.active = name.strip(), (address or "").strip(), bool(active)
    db.session.flush()
    return location


PUBLIC_TEXT_FIELDS = ("public_intro", "public_apply", "public_contact")
PUBLIC_TEXT_MAX = 2000
# Bidi embeddings, overrides and isolates reorder the text shown around them (as in cases.validation).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def update_public_text(municipality: Municipality, texts: dict) -> Municipality:
    """The words parents read on the municipality's public page; each optional, plain text (line
    breaks kept, no markup: the page escapes it), at most PUBLIC_TEXT_MAX characters."""
    clean = {}
    for name in PUBLIC_TEXT_FIELDS:
        raw = texts.get(name) or ""
        if not isinstance(raw, str):
            raise ValidationError(N_("Vul tekst in."), name)
        value = raw.replace("\r\n", "\n").strip()
        if len(value) > PUBLIC_TEXT_MAX:
            raise ValidationError(N_("Hoogstens %(max)s tekens."), name, params={"max": PUBLIC_TEXT_MAX})
        if any((ord(c) < 32 and c not in "\n\t") or c in _BIDI_CONTROLS for c in value):
            raise ValidationError(N_("De tekst bevat onzichtbare stuurtekens."), name)
        clean[name] = value
    for name, value in clean.items():
        setattr(municipality, name, value)
    db.session.flush()
    return municipality


# What features above organisations keep in use, registered at start-up so organisations imports
# none of them: fn(organisation) -> its active users (users); fn(definition, until) raises when
# ending the definition on ``until`` would change something frozen (monitor: a publication).
ACTIVE_USERS: dict[str, Callable[[Organisation], int]] = {}
DEFINITION_END_CHECKS: dict[str, Callable[[TargetGroupDefinition, dt.date], None]] = {}


def end_definition(definition: TargetGroupDefinition, until: dt.date) -> TargetGroupDefinition:
    """End a policy period on ``until`` (inclusive), so that the next period can be added after it.

    The monitor computes a municipality's target group from the definition in force on the
    reference date; a publication froze those figures. Ending a period before a published
    reference date it covered would make the live monitor for that date disagree with what was
    published, so that is refused (the monitor's check, DEFINITION_END_CHECKS).
    """
    if until < definition.valid_from:
        raise ValidationError(N_("De einddatum ligt vóór de begindatum (%(date)s)."), "valid_until",
                              params={"date": definition.valid_from})
    if definition.valid_until is not None and until > definition.valid_until:
        raise ValidationError(N_("Deze periode eindigt al op %(date)s; een periode verlengen kan niet."),
                              "valid_until", params={"date": definition.valid_until})
    for check in DEFINITION_END_CHECKS.values():
        check(definition, until)
    definition.valid_until = until
    db.session.flush()
    return definition


def update_organisation(organisation: Organisation, name: str) -> Organisation:
    """Rename an organisation; its users, locations and cases keep pointing at it."""
    if not name or not name.strip():
        raise ValidationError(N_("Naam is verplicht."), "name")
    if len(name.strip()) > 200:
        raise ValidationError(N_("Hoogstens 200 tekens."), "name")
    organisation.name = name.strip()
    db.session.flush()
    return organisation


def deactivate_organisation(organisation: Organisation) -> Organisation:
    """Take an organisation out of use. Its active users and locations must go first: deactivating
    them here silently would lock people out or hide a location from referrals without anyone
    deciding so."""
    users = sum(count(organisation) for count in ACTIVE_USERS.values())
    locations = db.session.scalar(select(func.count()).select_from(Location).where(
        Location.provider_id == organisation.id, Location.active.is_(True))) or 0
    if users or locations:
        raise ValidationError(N_("%(name)s heeft nog %(users)s actieve gebruiker(s) en %(locations)s actieve "
                                 "locatie(s); deactiveer die eerst."), "organisation",
                              params={"name": organisation.name, "users": users, "locations": locations})
    organisation.active = False
    db.session.flush()
    return organisation


def reactivate_organisation(organisation: Organisation) -> Organisation:
    organisation.active = True
    db.session.flush()
    return organisation
