"""Changing the region's configuration: regions, organisations, locations, definitions."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

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
    location.name, location.address, location.active = name.strip(), (address or "").strip(), bool(active)
    db.session.flush()
    return location
