"""Reading the access log: the chain check and the privacy officer's questions."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Callable, Iterator

from sqlalchemy import Select, exists, select

from ..cases.models import Case
from ..cases.util import in_region
from ..errors import N_, NotFound
from ..extensions import db
from ..organisations.models import Organisation
from ..privacy.models import BreakGlassGrant
from ..users.models import User
from .models import FIELDS, GENESIS, AccessLogEntry, chain_hash


@dataclass(frozen=True)
class ChainReport:
    rows: int
    broken_id: int | None = None
    problem: str | None = None
    head: tuple[int, str] | None = None   # the last row checked: (id, hash), for anchoring

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def verify_chain(batch: int = 5000, progress: Callable[[int], None] | None = None,
                 anchor: tuple[int, str] | None = None) -> ChainReport:
    """Recompute every hash in id order; report the first row that does not fit.

    The first row may follow rows deleted after the retention period, so its ``prev_hash`` is
    taken as given; from then on each row must carry its predecessor's hash. That alone cannot
    notice the newest rows being deleted, so operators keep the head this reports outside the
    database and pass it back later as ``anchor`` (id, hash): that row must still be there, with
    that hash, and the chain through it intact.
    """
    if anchor is not None:
        anchor_hash = db.session.scalar(select(AccessLogEntry.hash).where(AccessLogEntry.id == anchor[0]))
        if anchor_hash is None:
            return ChainReport(0, anchor[0], "the anchor row is missing (rows were removed from the log)")
        if anchor_hash != anchor[1]:
            return ChainReport(0, anchor[0], "the anchor row's hash differs from the anchor's")
    prev, count, last_id, head = None, 0, 0, None
    while True:
        rows = db.session.execute(select(AccessLogEntry).where(AccessLogEntry.id > last_id)
                                  .order_by(AccessLogEntry.id).limit(batch)).scalars().all()
        if not rows:
            return ChainReport(count, head=head)
        for row in rows:
            if prev is not None and row.prev_hash != prev:
                return ChainReport(count, row.id, "does not follow the previous row (a row was removed or inserted)")
            expected = chain_hash(row.prev_hash, {f: getattr(row, f) for f in FIELDS})
            if row.hash != expected:
                return ChainReport(count, row.id, "its contents were changed after it was written")
            prev, count, last_id, head = row.hash, count + 1, row.id, (row.id, row.hash)
        if progress:
            progress(len(rows))
        db.session.expunge_all()


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


def entry_json(e: AccessLogEntry) -> dict:
    return {"id": e.id, "at": e.at.isoformat(), "user_id": e.user_id, "role": e.role,
            "organisation_id": e.organisation_id, "on_behalf_of": e.on_behalf_of, "emergency": e.emergency,
            "case_id": str(e.case_id) if e.case_id else None, "action": e.action, "result": e.result,
            "client": e.client, "ip": e.ip}


def iter_csv(rows: Iterator[AccessLogEntry]) -> Iterator[str]:
    import csv
    import io
    columns = ["id", "at", "user_id", "role", "organisation_id", "on_behalf_of", "emergency", "case_id",
               "action", "result", "client", "ip"]
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(columns)
    for e in rows:
        writer.writerow([entry_json(e)[c] for c in columns])
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()
    yield buf.getvalue()


__all__ = ["ChainReport", "GENESIS", "verify_chain", "entries", "entry_json", "iter_csv", "officer_region",
           "log_in_region", "grants_in_region", "users_in_region", "find_subject"]
