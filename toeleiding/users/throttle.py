"""Throttling failed sign-ins per account and per address, in the database (shared by all workers).

Every attempt is written, as a failure, and committed *before* it is counted and before the
password is checked; a successful sign-in then marks its own row as a success. Two consequences:

* concurrent attempts are counted: the n-th attempt to commit its row sees at least n rows, so
  with a limit of 6 the 7th (and later) of any number of simultaneous guesses is refused;
* the failure survives the request's rollback without a second connection: the row goes
  through the request's own session, which holds at most one pooled connection at a time
  (a second connection per request ran the pool dry under parallel guessing: 500s).
"""
from __future__ import annotations

import datetime as dt

from flask import current_app, g, has_request_context, request
from sqlalchemy import delete, func, select

from .. import clock
from ..crypto import current_keyring
from ..errors import N_, TooManyAttempts
from ..extensions import db
from .models import LoginAttempt

# The longest window any limit counts over; rows older than this count for nothing (see purge).
WINDOW = dt.timedelta(minutes=1)


def account_key(email: str) -> str:
    return current_keyring().blind_index("login:" + (email or "").strip().lower())


def _ip() -> str | None:
    # Behind TOELEIDING_TRUSTED_PROXIES, ProxyFix has already put the forwarded client here.
    return request.remote_addr if has_request_context() else None


def _commit_attempt(row: LoginAttempt) -> int:
    """Commit ``row`` at once: it must count for concurrent attempts and outlive a rollback.

    The one place a service commits: at sign-in nothing else is pending in the session, and a
    second transaction of our own would need a second pooled connection (see the module doc).
    """
    if db.session.new or db.session.dirty or db.session.deleted:
        raise RuntimeError("a sign-in attempt is recorded before anything else is changed")
    db.session.add(row)
    db.session.flush()
    attempt_id = row.id   # read before the commit expires the row
    db.session.commit()
    return attempt_id


def check(email: str) -> None:
    """Record this attempt (as failed, until the password proves otherwise), then refuse it when
    the account or the address is over its limit. Call before checking the password."""
    ip = _ip()
    account = account_key(email)
    attempt_id = _commit_attempt(LoginAttempt(at=clock.now(), account=account, ip=ip, success=False))
    if has_request_context():
        g.login_attempt_id = attempt_id
    since = clock.now() - WINDOW
    failed = select(func.count()).select_from(LoginAttempt).where(LoginAttempt.success.is_(False),
                                                                 LoginAttempt.at > since)
    cfg = current_app.config
    # This attempt's own row is among those counted, hence "more than" the limit.
    too_many = db.session.scalar(failed.where(LoginAttempt.account == account)) > cfg["LOGIN_FAILURES_PER_ACCOUNT"]
    if not too_many and ip:
        too_many = db.session.scalar(failed.where(LoginAttempt.ip == ip)) > cfg["LOGIN_FAILURES_PER_ADDRESS"]
    if too_many:
        raise TooManyAttempts(N_("Te veel mislukte pogingen om aan te melden; probeer het over een minuut opnieuw."))


def succeeded() -> None:
    """The password was right: this request's attempt no longer counts as a failure.

    Part of the caller's transaction, so a sign-in that fails later on (a wrong second-factor
    code, and the rollback that follows) leaves the committed failure in place."""
    attempt_id = g.get("login_attempt_id") if has_request_context() else None
    if attempt_id is not None:
        db.session.get(LoginAttempt, attempt_id).success = True


def purge(now: dt.datetime | None = None) -> int:
    """Delete attempts older than the throttle's window: they count for nothing and hold client
    addresses. Returns how many went; the caller commits (the nightly job)."""
    cutoff = (now or clock.now()) - WINDOW
    return db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < cutoff)).rowcount or 0
