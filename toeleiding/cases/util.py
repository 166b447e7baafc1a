"""Read-only queries of cases. ``scoped_cases`` is the one place that decides who sees which case."""
from __future__ import annotations

import uuid

from sqlalchemy import Select, exists, false, select

from ..errors import NotFound
from ..extensions import db
from ..organisations.models import Location, Municipality, organisation_municipalities
from ..users.models import User
from .models import Case, CaseLocation


def scoped_cases(user: User) -> Select:
    """``select(Case)`` limited to what ``user`` may see; every case query starts here.

    JGZ: every case in its organisation's region. VE: cases ever referred to one of its own
    locations. CJG: cases in its municipalities that are or have been not reached.
    Municipal users and admins: none (they see aggregates and configuration).
    """
    q = select(Case)
    if user.role == "jgz":
        region_municipalities = select(Municipality.id).where(Municipality.region_id == user.organisation.region_id)
        return q.where(Case.municipality_id.in_(region_municipalities))
    if user.role == "ve":
        own = (select(CaseLocation.case_id).join(Location, CaseLocation.location_id == Location.id)
               .where(CaseLocation.case_id == Case.id, Location.provider_id == user.organisation_id))
        return q.where(exists(own))
    if user.role == "cjg":
        served = select(organisation_municipalities.c.municipality_id).where(
            organisation_municipalities.c.organisation_id == user.organisation_id)
        return q.where(Case.ever_not_reached.is_(True), Case.municipality_id.in_(served))
    return q.where(false())


def parse_case_id(raw) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        return None


def find_case(user: User, case_id, for_update: bool = False) -> Case:
    """The case if ``user`` may see it; NotFound otherwise, whether it exists or not."""
    cid = parse_case_id(case_id)
    case = None
    if cid is not None:
        q = scoped_cases(user).where(Case.id == cid)
        if for_update:
            q = q.with_for_update()
        case = db.session.scalar(q)
    if case is None:
        raise NotFound("Dossier niet gevonden.", case_id=str(cid) if cid else None)
    return case


def may_see_bsn(user: User) -> bool:
    """Only JGZ ever sees a BSN; everyone else gets responses without it."""
    return user.role == "jgz"
