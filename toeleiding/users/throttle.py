"""Throttling failed sign-ins per account and per address, in the database (shared by all workers).

Attempts are written on a connection of their own: the sign-in request fails and rolls back,
but the failure must still count.
"""
from __future__ import annotations

import datetime as dt

from flask import current_app, has_request_context, request
from sqlalchemy import func, insert, select

from .. import clock
from ..crypto import current_keyring
from ..errors import N_, TooManyAttempts
from ..extensions import db
from .models import LoginAttempt

WINDOW = dt.timedelta(minutes=1)


def account_key(email: str) -> str:
    return current_keyring().blind_index("login:" + (email or "").strip().lower())


def _ip() -> str | None:
    return request.remote_addr if has_request_context() else None


def check(email: str) -> None:
    """Refuse before checking the password when too many recent attempts failed."""
    since = clock.now() - WINDOW
    failed = select(func.count()).select_from(LoginAttempt).where(LoginAttempt.success.is_(False),
                                                                 LoginAttempt.at > since)
    cfg = current_app.config
    too_many = db.session.scalar(failed.where(LoginAttempt.account == account_key(email))) >= cfg["LOGIN_FAILURES_PER_ACCOUNT"]
    ip = _ip()
    if not too_many and ip:
        too_many = db.session.scalar(failed.where(LoginAttempt.ip == ip)) >= cfg["LOGIN_FAILURES_PER_ADDRESS"]
    if too_many:
        record(email, success=False)
        raise TooManyAttempts(N_("Te veel mislukte pogingen om aan te melden; probeer het over een minuut opnieuw."))


def record(email: str, success: bool) -> None:
    with db.engine.begin() as conn:
        conn.execute(insert(LoginAttempt).values(at=clock.now(), account=account_key(email), ip=_ip(),
                                                 success=success))
