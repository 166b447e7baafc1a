"""Read-only look-ups of the region's configuration."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from typing import Callable

from sqlalchemy import and_, or_, select

from ..errors import N_, ValidationError
from ..extensions import db
from ..numbers import whole_number
from .models import Location, Municipality, Organisation, RegionMembership, RegionTarget, organisation_municipalities


def get_municipality(code: str | None, field: str = "municipality") -> Municipality:
    """A municipality by CBS code, or a validation error naming ``field``."""
    if not isinstance(code, str) or not code:
        raise ValidationError(N_("Gemeente is verplicht (CBS-code, bijv. GM0375)."), field)
    m = db.session.scalar(select(Municipality).where(Municipality.code == code.upper()))
    if m is None:
        raise ValidationError(N_("Onbekende gemeente %(code)r."), field, params={"code": code[:10]})
    return m


def list_municipalities(region_id: int | None = None) -> list[Municipality]:
    q = select(Municipality).order_by(Municipality.name)
    if region_id is not None:
        q = q.where(Municipality.region_id == region_id)
    return list(db.session.scalars(q))


def list_locations(municipality: Municipality | None = None, region_id: int | None = None) -> list[Location]:
    q = select(Location).where(Location.active.is_(True)).order_by(Location.name)
    if municipality is not None:
        q = q.where(Location.municipality_id == municipality.id)
    if region_id is not None:
        q = q.join(Municipality, Location.municipality_id == Municipality.id).where(Municipality.region_id == region_id)
    return list(db.session.scalars(q))


def list_schools(municipality: Municipality | None = None, region_id: int | None = None) -> list[Organisation]:
    q = select(Organisation).where(Organisation.kind == "school", Organisation.active.is_(True)).order_by(Organisation.name)
    if municipality is not None:
        q = q.join(organisation_municipalities).where(organisation_municipalities.c.municipality_id == municipality.id)
    if region_id is not None:
        q = q.where(Organisation.region_id == region_id)
    return list(db.session.scalars(q))


def list_organisations(region_id: int) -> list[Organisation]:
    """The region's organisations, by kind then name."""
    return list(db.session.scalars(select(Organisation).where(Organisation.region_id == region_id)
                                   .order_by(Organisation.kind, Organisation.name)))


def municipality_in_region(region_id: int, raw_id, field: str = "municipality") -> Municipality:
    """The municipality with this id (as a form sends it) if it is in the region; an administrator
    configures only their own region."""
    m = next((m for m in list_municipalities(region_id) if str(m.id) == str(raw_id or "")), None)
    if m is None:
        raise ValidationError(N_("Kies een gemeente van uw regio."), field)
    return m


def organisation_in_region(region_id: int, raw_id, field: str = "organisation") -> Organisation:
    """The organisation with this id if it is in the region and in use (for new users and locations)."""
    ident = whole_number(raw_id)
    org = db.session.get(Organisation, ident) if ident is not None else None
    if org is None or org.region_id != region_id or not org.active:
        raise ValidationError(N_("Kies een organisatie van uw regio."), field)
    return org


def municipalities_on(region_id: int, day: dt.date) -> list[Municipality]:
    """The region's municipalities on ``day``, by name: the memberships in force that day; a
    municipality without any membership row belongs to its ``region_id`` since ever."""
    dated = select(RegionMembership.municipality_id)
    member = select(RegionMembership.municipality_id).where(
        RegionMembership.region_id == region_id, RegionMembership.valid_from <= day,
        or_(RegionMembership.valid_until.is_(None), RegionMembership.valid_until >= day))
    return list(db.session.scalars(select(Municipality).where(or_(
        Municipality.id.in_(member), and_(Municipality.region_id == region_id, Municipality.id.not_in(dated))))
        .order_by(Municipality.name)))


def targets_on(region_id: int, day: dt.date) -> dict[str, Decimal]:
    """The region's targets in force on ``day``: kind -> percentage."""
    rows = db.session.scalars(select(RegionTarget).where(
        RegionTarget.region_id == region_id, RegionTarget.valid_from <= day,
        or_(RegionTarget.valid_until.is_(None), RegionTarget.valid_until >= day)))
    return {t.kind: t.pct for t in rows}


def ever_in_region(municipality: Municipality, region_id: int) -> bool:
    """Whether ``municipality`` belongs, belonged or will belong to the region (an administrator
    keeps the figures of every municipality the region's monitors show)."""
    if municipality.region_id == region_id:
        return True
    return db.session.scalar(select(RegionMembership.id).where(RegionMembership.municipality_id == municipality.id,
                                                               RegionMembership.region_id == region_id)) is not None


def region_municipality(region_id: int, code, field: str = "municipality") -> Municipality:
    """The municipality with CBS ``code`` if it is (or was, or will be) the region's; else NotFound
    (out of scope looks like unknown)."""
    from ..errors import NotFound
    m = db.session.scalar(select(Municipality).where(Municipality.code == str(code or "").upper()[:10]))
    if m is None or not ever_in_region(m, region_id):
        raise NotFound(N_("Onbekende gemeente %(code)r."), params={"code": str(code)[:10]})
    return m


def region_municipalities(region_id: int) -> list[Municipality]:
    """Every municipality that is, was or will be the region's, by name."""
    members = select(RegionMembership.municipality_id).where(RegionMembership.region_id == region_id)
    return list(db.session.scalars(select(Municipality).where(or_(Municipality.region_id == region_id,
                                                                  Municipality.id.in_(members)))
                                   .order_by(Municipality.name)))


# --- Capacity per location (issue 12.4) ---------------------------------------------------------

# Children placed today per location id, for "free/full" on the public page. The cases sit above
# organisations, so the monitor registers the count (monitor/__init__.py), as with the checks in
# operations.DEFINITION_END_CHECKS.
PLACED_AT: dict[str, Callable[[list[int]], dict[int, int]]] = {}


def availability(locations: list[Location], threshold: int) -> dict[int, str | None]:
    """Per location id: ``free`` (places minus children placed today > 0), ``full``, or None
    (places not entered, or fewer than ``threshold``). A tiny location shows nothing: its "full"
    would say that a few named-by-place children go there (see the README, Capacity)."""
    counts: dict[int, int] = {}
    for count in PLACED_AT.values():
        for loc_id, n in count([loc.id for loc in locations]).items():
            counts[loc_id] = counts.get(loc_id, 0) + n
    out: dict[int, str | None] = {}
    for loc in locations:
        if loc.ve_places is None or loc.ve_places < threshold:
            out[loc.id] = None
        else:
            out[loc.id] = "free" if loc.ve_places - counts.get(loc.id, 0) > 0 else "full"
    return out


def provider_locations(organisation_id: int) -> list[Location]:
    """A provider's locations, active first, by name."""
    return list(db.session.scalars(select(Location).where(Location.provider_id == organisation_id)
                                   .order_by(Location.active.desc(), Location.name)))
