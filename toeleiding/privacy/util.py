"""The privacy officer's questions, each limited to the officer's own region (read-only)."""
from __future__ import annotations

import uuid

from sqlalchemy import Select, exists, select

from ..audit.models import AccessLogEntry, BreakGlassGrant
from ..cases.models import Case
from ..cases.util import in_region
from ..errors import N_, NotFound
from ..extensions import db
from ..organisations.models import Organisation
from ..users.models import User


# --- The privacy officer's reach ----------------------------------------------------------
# An admin is the privacy officer of their own organisation's region, and of no other. These
# are the one region filter of every officer's tool: log rows, break-the-glass grants, users.
# The rule: a row about a child belongs to the region the child lives in now (whoever looked:
# also another region's user refused at its door), a row about no child to the region of the
# organisation it was written for; a user to the region of their organisation. Another region's
# child or user is NotFound, as absent ones are, so a probe confirms no id.

def officer_region(officer) -> int:
    return officer.organisation.region_id


def _case_in_region(case_id_column, region: int):
    return exists(select(Case.id).where(Case.id == case_id_column, in_region(region)))


def _organisations(region: int) -> Select:
    return select(Organisation.id).where(Organisation.region_id == region)


def log_in_region(region: int):
    """Access-log rows of ``region`` as a WHERE criterion (the rule above)."""
    return (_case_in_region(AccessLogEntry.case_id, region)
            | (AccessLogEntry.case_id.is_(None) & AccessLogEntry.organisation_id.in_(_organisations(region))))


def grants_in_region(region: int):
    """Break-the-glass grants on the children of ``region``, whoever holds them."""
    return _case_in_region(BreakGlassGrant.case_id, region)


def _user_in_region(region: int):
    return User.organisation_id.in_(_organisations(region))


def users_in_region(region: int) -> list[User]:
    """The users of the region's organisations, by name: the officer's list to pick from."""
    return list(db.session.scalars(select(User).where(_user_in_region(region)).order_by(User.name, User.id)))


def find_subject(officer, case_id: uuid.UUID | None, user_id: int | None) -> int:
    """The officer's region, if the child and the user asked about are of it; NotFound (naming
    the field) otherwise, whether they exist or not."""
    region = officer_region(officer)
    if case_id is not None and db.session.scalar(
            select(Case.id).where(Case.id == case_id, in_region(region))) is None:
        raise NotFound(N_("Dossier niet gevonden."), "case_id")
    if user_id is not None and db.session.scalar(
            select(User.id).where(User.id == user_id, _user_in_region(region))) is None:
        raise NotFound(N_("Gebruiker niet gevonden."), "user_id")
    return region


def entries(region: int, case_id: uuid.UUID | None = None, user_id: int | None = None) -> Select:
    """Who looked at this child, or what this user looked at, within ``region``; newest first."""
    q = select(AccessLogEntry).where(log_in_region(region)).order_by(AccessLogEntry.id.desc())
    if case_id is not None:
        q = q.where(AccessLogEntry.case_id == case_id)
    if user_id is not None:
        q = q.where(AccessLogEntry.user_id == user_id)
    return q
