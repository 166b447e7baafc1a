"""Reading the access log: the chain check and the privacy officer's questions."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Callable, Iterator

from sqlalchemy import Select, select

from ..extensions import db
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


def entries(case_id: uuid.UUID | None = None, user_id: int | None = None) -> Select:
    """Who looked at this child, or what this user looked at; newest first."""
    q = select(AccessLogEntry).order_by(AccessLogEntry.id.desc())
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


__all__ = ["ChainReport", "GENESIS", "verify_chain", "entries", "entry_json", "iter_csv"]
