"""Writing the access log. Entries are queued on the session and written when it commits.

Writing at commit time means a refused or failed step leaves no "allowed" row behind, and the
chain lock (a transaction-scoped advisory lock on PostgreSQL, a process lock on SQLite) is held
only for the last moment of the transaction, after every other row lock was taken.
"""
from __future__ import annotations

import functools
import inspect
import logging
import threading
import uuid
from typing import Any, Callable, Iterable

import click
from flask import g, has_app_context, has_request_context, request
from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from .. import clock
from ..extensions import db
from ..errors import AppError
from .models import GENESIS, AccessLogEntry, BreakGlassGrant, chain_hash

log = logging.getLogger(__name__)

_PENDING = "toeleiding.audit.pending"
_SQLITE_LOCK = threading.Lock()
_LOCK_HELD = "toeleiding.audit.lock_held"
_REFUSALS = "toeleiding_audit_refusals"   # on flask.g: refused attempts of this request
# The PostgreSQL advisory lock key (7513) lives in the access_log_chain() trigger, in the migrations.


def log_access(user, action: str, case_ids: Iterable = (None,), result: str = "allowed",
               emergency: bool = False, on_behalf_of: str | None = None) -> None:
    """Queue one access-log row per case for the current transaction."""
    client, ip = _client()
    now = clock.now()
    pending = db.session.info.setdefault(_PENDING, [])
    for cid in case_ids:
        flagged, behalf = emergency, on_behalf_of
        if getattr(user, "role", None) == "admin" and cid is not None and not emergency and behalf is None:
            # An admin only ever sees a child's record under break-the-glass: mark it so.
            grant = active_grant(user, cid)
            if grant is not None:
                flagged, behalf = True, f"break_glass:{grant.id}"
        pending.append({"at": now, "user_id": getattr(user, "id", None), "role": getattr(user, "role", None),
                        "organisation_id": getattr(user, "organisation_id", None), "on_behalf_of": behalf,
                        "emergency": flagged, "case_id": cid, "action": action, "result": result,
                        "client": client, "ip": ip})


def log_log_read(officer, action: str, case_ids: Iterable, user_id: int | None) -> None:
    """A look into the log (or at its break-the-glass reasons) is itself an access to the child
    it is about; which user was looked up is on record too (an id, no personal data)."""
    log_access(officer, action, case_ids, on_behalf_of=f"subject_user:{user_id}" if user_id is not None else None)


def note_refusal(user, action: str, case_id: Any = None, exc: BaseException | None = None) -> None:
    """Remember a refused attempt at ``action`` (on ``case_id`` when known) for a denied row.

    The row is written when the request ends (``write_refusals``), in a transaction of its own
    after whatever the refused request did was rolled back, so it is logged whether an error
    handler or the view itself answers the refusal. The first note of an exception wins: the
    service that refused knows the event better than the handler that maps it to HTTP.
    """
    if exc is not None:
        if getattr(exc, "_audit_noted", False):
            return
        exc._audit_noted = True   # type: ignore[attr-defined]
    if not has_request_context() or user is None:
        return
    # Whether the user is signed in is asked in write_refusals, after the rollback: after a
    # failed flush (a stale version) reading an expired attribute here would raise and turn
    # the 409 into a 500.
    cid = case_id if isinstance(case_id, uuid.UUID) or case_id is None else _parse_uuid(case_id)
    g.setdefault(_REFUSALS, []).append((user, action, cid))


def request_action() -> str:
    """The event of the current request when no service named it: a look, or the endpoint."""
    return "read" if request.method in ("GET", "HEAD") else (request.endpoint or request.method.lower())


def audited(action: str | Callable[[dict], str], case_arg: str | None = "case_id"):
    """Decorate a service so that its refusals are logged as denied attempts at ``action``.

    ``action`` is the event's name, or a function of the service's bound arguments (e.g. the
    trigger of a transition); the case id is the ``case_arg`` argument.
    """
    def decorate(fn):
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except (AppError, StaleDataError) as exc:
                bound = signature.bind_partial(*args, **kwargs).arguments
                name = action(bound) if callable(action) else action
                note_refusal(bound.get("user"), name, bound.get(case_arg) if case_arg else None, exc)
                raise
        return wrapper
    return decorate


def write_refusals(response):
    """after_request: one denied row per refused attempt of this request (see note_refusal)."""
    refusals = g.pop(_REFUSALS, None)
    if not refusals:
        return response
    try:
        db.session.rollback()   # nothing of the refused request is stored, only its denial
        for user, action, cid in refusals:
            if getattr(user, "is_authenticated", False):   # anonymous callers get a 401 first
                log_access(user, action, [cid], result="denied")
        db.session.commit()
    except Exception as exc:   # the answer stands; the type only, as in the error handlers
        db.session.rollback()
        log.error("could not log a refused attempt: %s", type(exc).__name__)
    return response


def _parse_uuid(raw: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        return None


def _client() -> tuple[str, str | None]:
    if has_request_context():
        return g.get("client", "web"), request.remote_addr
    if has_app_context() and "client" in g:
        return g.client, None
    # Outside a request: a command runs inside click's context; the scheduler's jobs run in
    # threads of their own, without one.
    return ("cli" if click.get_current_context(silent=True) is not None else "job"), None


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


def active_grant(user, case_id) -> BreakGlassGrant | None:
    """The admin's break-the-glass grant on this case, while it lasts."""
    if user.role != "admin" or case_id is None:
        return None
    return db.session.scalar(select(BreakGlassGrant).where(
        BreakGlassGrant.user_id == user.id, BreakGlassGrant.case_id == case_id,
        BreakGlassGrant.expires_at > clock.now()).limit(1))


# Bulk import (cases import): a row that fails is rolled back to its savepoint; the access-log rows
# it queued must go with it, or the log would record a child that was never written.
def pending_count() -> int:
    """How many access-log rows this transaction has queued so far."""
    return len(db.session.info.get(_PENDING, ()))


def drop_pending_after(count: int) -> None:
    """Forget the access-log rows queued after the first ``count`` (a savepoint was rolled back)."""
    pending = db.session.info.get(_PENDING)
    if pending is not None:
        del pending[count:]
