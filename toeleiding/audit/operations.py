"""Writing the access log. Entries are queued on the session and written when it commits.

Writing at commit time means a refused or failed step leaves no "allowed" row behind, and the
chain lock (a transaction-scoped advisory lock on PostgreSQL, a process lock on SQLite) is held
only for the last moment of the transaction, after every other row lock was taken.
"""
from __future__ import annotations

import threading
from typing import Iterable

from flask import g, has_app_context, has_request_context, request
from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from .. import clock
from ..extensions import db
from .models import GENESIS, AccessLogEntry, chain_hash

_PENDING = "toeleiding.audit.pending"
_SQLITE_LOCK = threading.Lock()
_LOCK_HELD = "toeleiding.audit.lock_held"
# The PostgreSQL advisory lock key (7513) lives in the access_log_chain() trigger, in the migrations.


def log_access(user, action: str, case_ids: Iterable = (None,), result: str = "allowed",
               emergency: bool = False, on_behalf_of: str | None = None) -> None:
    """Queue one access-log row per case for the current transaction."""
    client, ip = _client()
    now = clock.now()
    pending = db.session.info.setdefault(_PENDING, [])
    for cid in case_ids:
        flagged, behalf = emergency, on_behalf_of
        if getattr(user, "role", None) == "admin" and cid is not None and not emergency:
            # An admin only ever sees a child's record under break-the-glass: mark it so.
            from ..privacy.operations import active_grant
            grant = active_grant(user, cid)
            if grant is not None:
                flagged, behalf = True, f"break_glass:{grant.id}"
        pending.append({"at": now, "user_id": getattr(user, "id", None), "role": getattr(user, "role", None),
                        "organisation_id": getattr(user, "organisation_id", None), "on_behalf_of": behalf,
                        "emergency": flagged, "case_id": cid, "action": action, "result": result,
                        "client": client, "ip": ip})


def log_denied(user, action: str, case_id) -> None:
    """A refused attempt, logged in a transaction of its own after the caller rolled back."""
    db.session.rollback()
    log_access(user, action, [case_id], result="denied")
    db.session.commit()


def _client() -> tuple[str, str | None]:
    if has_request_context():
        return g.get("client", "web"), request.remote_addr
    return (g.get("client", "cli") if has_app_context() else "cli"), None


def _write_pending(session: Session) -> None:
    rows = session.info.pop(_PENDING, None)
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        # SQLite links the chain here; on PostgreSQL a trigger does it under an advisory lock
        # (migration f1_chain_in_database), so appending is this one INSERT.
        _SQLITE_LOCK.acquire()
        session.info[_LOCK_HELD] = True
        prev = session.scalar(select(AccessLogEntry.hash).order_by(AccessLogEntry.id.desc()).limit(1)) or GENESIS
        for row in rows:
            row["prev_hash"] = prev
            row["hash"] = prev = chain_hash(prev, row)
    session.execute(insert(AccessLogEntry.__table__), rows)   # Core: no ORM bulk machinery per commit


def _release(session: Session) -> None:
    if session.info.pop(_LOCK_HELD, False):
        _SQLITE_LOCK.release()


def _discard(session: Session) -> None:
    session.info.pop(_PENDING, None)
    _release(session)


event.listen(Session, "before_commit", _write_pending)
event.listen(Session, "after_commit", _release)
event.listen(Session, "after_rollback", _discard)
