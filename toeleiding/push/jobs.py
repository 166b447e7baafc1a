"""The scheduler's push job: queue what publications are owed, then try each due delivery."""
from __future__ import annotations

import datetime as dt
import logging
from typing import Callable

from flask import Flask
from sqlalchemy import select

from .. import clock
from ..extensions import db
from .models import PushDelivery
from .operations import PushResult, attempt, due_deliveries, queue_owed

log = logging.getLogger(__name__)


def push_due(now: dt.datetime | None = None, progress: Callable[[int], None] | None = None) -> PushResult:
    """Queue what is owed, then try each due delivery, committing each on its own: one slow or
    broken receiver never undoes what another one already got. The caller's session is used."""
    now = now or clock.now()
    queue_owed(now)
    db.session.commit()
    result = PushResult()
    for delivery_id in due_deliveries(now):
        # Lock the row for the try: a second scheduler started by mistake skips it.
        q = select(PushDelivery).where(PushDelivery.id == delivery_id, PushDelivery.state == "pending")
        if db.engine.dialect.name == "postgresql":
            q = q.with_for_update(skip_locked=True)
        delivery = db.session.scalar(q)
        if delivery is None:
            db.session.rollback()
            continue
        try:
            ok = attempt(delivery, now)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        if ok:
            result.sent += 1
        elif delivery.state == "failed":
            result.failed += 1
        else:
            result.retrying += 1
        if progress:
            progress(1)
    return result


def run_push_job(app: Flask) -> None:
    """The scheduled job; errors are logged (by type: a message could carry a URL), not raised."""
    with app.app_context():
        try:
            push_due()
        except Exception as exc:
            log.error("push job failed: %s", type(exc).__name__)
        finally:
            db.session.remove()
