"""Read-only look-ups of the region's configuration."""
from __future__ import annotations

from sqlalchemy import select

from ..errors import N_, ValidationError
from ..extensions import db
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
    q = select(Organisation).where(Organisation.kind == "school").order_by(Organisation.name)
    if municipality is not None:
        q = q.join(organisation_municipalities).where(organisation_municipalities.c.municipality_id == municipality.id)
    if region_id is not None:
        q = q.where(Organisation.region_id == region_id)
    return list(db.session.scalars(q))


def list_organisations(region_id: int) -> list[Organisation]:
    """The region's organisations, by kind then name."""
    return list(db.session.scalars(select(Organisation).where(Organisation.region_id == region_id)
                                   .order_by(Organisation.kind, Organisation.name)))
