"""Reading the access log: the chain check, and a row as JSON or CSV (the privacy officer's
questions, limited to their region, are privacy/util.py)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

from sqlalchemy import select

from ..extensions import db
from .models import FIELDS, GENESIS, AccessLogEntry, chain_hash


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


__all__ = ["ChainReport", "GENESIS", "verify_chain", "entry_json", "iter_csv"]
