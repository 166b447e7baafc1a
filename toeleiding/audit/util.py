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
from ..users.models import User
from .models import FIELDS, GENESIS, AccessLogEntry, BreakGlassGrant, chain_hash


@dataclass(frozen=True)
class ChainReport:
    rows: int
    broken_id: int | None = None
    problem: str | None = None
    head: tuple[int, str] | None = None    # the last row checked: (id, hash), for anchoring
    start: tuple[int, str] | None = None   # the first row: (id, hash), for anchoring the start
    cut_start: bool = False                # the first row follows rows no longer in the log
    unused: tuple[tuple[int, int], ...] = ()   # id ranges without a row, the chain running through

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def _ids(first: int, last: int) -> str:
    return f"row {first}" if first == last else f"rows {first}–{last}"


def verify_chain(batch: int = 5000, progress: Callable[[int], None] | None = None,
                 anchor: tuple[int, str] | None = None, start: tuple[int, str] | None = None) -> ChainReport:
    """Recompute every hash in id order; report the first row that does not fit.

    Each row must carry its predecessor's hash; where it does not and ids are skipped, the
    missing rows are named. The chain alone cannot notice rows cut off at either end, so
    operators keep the start and the head this reports outside the database and pass them back
    later: ``anchor`` (id, hash), a head that must still be there with that hash, the chain
    intact through it; ``start``, the first row, which must still be the first. Rows gone from
    before it are reported with the first row left, also after a legitimate purge of rows older
    than five years: the operator who purged keeps the new start from then on.

    An id skipped where the chain runs through is not a removal: on PostgreSQL a transaction
    that rolls back after its log rows were numbered (a failed flush or commit) uses up their
    ids, as sequences are not transactional. Such ranges are reported as ``unused``; a row
    removed there would have broken the chain (or, rewritten, the anchor).
    """
    problem = _anchor_problem(anchor, "anchor") if anchor is not None else None
    if problem is None and start is not None:
        problem = _start_problem(start)
    if problem is not None:
        return ChainReport(0, *problem)
    prev, count, last_id, head, first, cut, unused = None, 0, 0, None, None, False, []
    while True:
        rows = db.session.execute(select(AccessLogEntry).where(AccessLogEntry.id > last_id)
                                  .order_by(AccessLogEntry.id).limit(batch)).scalars().all()
        if not rows:
            return ChainReport(count, head=head, start=first, cut_start=cut, unused=tuple(unused))
        for row in rows:
            if prev is None:
                first, cut = (row.id, row.hash), row.prev_hash != GENESIS
            elif row.prev_hash != prev:
                why = (f"{_ids(last_id + 1, row.id - 1)} before it removed" if row.id > last_id + 1
                       else "a row was removed or inserted")
                return ChainReport(count, row.id, f"does not follow row {last_id} ({why})", start=first)
            elif row.id > last_id + 1:
                unused.append((last_id + 1, row.id - 1))
            expected = chain_hash(row.prev_hash, {f: getattr(row, f) for f in FIELDS})
            if row.hash != expected:
                return ChainReport(count, row.id, "its contents were changed after it was written", start=first)
            prev, count, last_id, head = row.hash, count + 1, row.id, (row.id, row.hash)
        if progress:
            progress(len(rows))
        db.session.expunge_all()


def _anchor_problem(anchor: tuple[int, str], name: str) -> tuple[int, str] | None:
    """(id, problem) if the anchored row is gone or changed."""
    kept = db.session.scalar(select(AccessLogEntry.hash).where(AccessLogEntry.id == anchor[0]))
    if kept is None:
        return anchor[0], f"the {name} row is missing (rows were removed from the log)"
    if kept != anchor[1]:
        return anchor[0], f"the {name} row's hash differs from the {name}'s"
    return None


def _start_problem(start: tuple[int, str]) -> tuple[int, str] | None:
    """(id, problem) if the log no longer starts at the kept start: rows cut off its beginning."""
    first = db.session.execute(select(AccessLogEntry.id, AccessLogEntry.at)
                               .order_by(AccessLogEntry.id).limit(1)).first()
    if first is None:
        return start[0], "the log is empty: every row from the start on was removed"
    if first.id > start[0]:
        return start[0], (f"{_ids(start[0], first.id - 1)} at the start of the log removed: it now starts at "
                          f"row {first.id}, written {first.at:%Y-%m-%d}. If you purged rows older than five "
                          f"years, keep the new start that `flask audit verify` prints")
    return _anchor_problem(start, "start")


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
