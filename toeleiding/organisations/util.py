"""Read-only look-ups of the region's configuration."""
from __future__ import annotations

from sqlalchemy import select

from ..errors import N_, ValidationError
from ..extensions import db
from ..numbers import whole_number
from .models import Location, Municipality, Organisation, organisation_municipalities


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
