"""The one clock: an APScheduler interval job that sweeps due reminders and sends the digest.

The job holds no state; everything it owes is in the reminders table. It runs in its own
process in production (``flask --app toeleiding scheduler``) and inside the development
server exactly once: in the reloader's child (or the only process when not reloading),
never in the reloader's watcher, never in a test app.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
from typing import Callable

import click
from flask import Flask, current_app
from flask.cli import get_debug_flag
from werkzeug.serving import is_running_from_reloader

from .. import clock
from ..extensions import db
from ..mail import SmtpUnavailable, send_messages
from .operations import SweepResult, deliver_due, queue_digest, unclaim_digest

log = logging.getLogger(__name__)
JOB_ID = "reminders.sweep"


def sweep(now: dt.datetime | None = None, batch_size: int | None = None,
          after_claim: Callable[[int], None] | None = None) -> SweepResult:
    """Deliver everything due, one committed batch at a time, until a batch comes back short."""
    size = batch_size or current_app.config.get("REMINDER_BATCH_SIZE", 500)
    total = SweepResult()
    while True:
        try:
            result = deliver_due(now or clock.now(), size, after_claim)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        total.add(result)
        if result.claimed < size:
            return total


def send_digest(now: dt.datetime | None = None) -> int:
    """Queue today's digest (if due and not sent by another process), commit, then send.

    The day is claimed before sending, so two processes never both send it. When the SMTP
    server cannot be reached and nothing went out, the claim is given back, so the next sweep
    (a minute later) tries again instead of skipping the day. A server lost half-way keeps the
    claim: those who got theirs get no second one.
    """
    now = now or clock.now()
    try:
        messages = queue_digest(now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    try:
        return send_messages(messages)
    except SmtpUnavailable:
        try:
            unclaim_digest(now)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        return 0


def run_job(app: Flask) -> None:
    """The scheduled job: one sweep and, once a day, the digest. Errors are logged, not raised,
    so the next run tries again."""
    with app.app_context():
        try:
            result = sweep()
            if result.delivered:
                log.info("reminders: %d delivered, %d cancelled", result.delivered, result.cancelled)
            send_digest()
        except Exception as exc:   # the message could carry data; the type and the next run suffice
            log.error("reminders job failed: %s", type(exc).__name__)
        finally:
            db.session.remove()


def build_scheduler(app: Flask, background: bool):
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    cls = BackgroundScheduler if background else BlockingScheduler
    logging.getLogger("apscheduler").setLevel(logging.WARNING)   # not a line per minute; failures still show
    # coalesce + one instance: a job that overran or a suspended laptop gives one run, not a queue.
    scheduler = cls(timezone=clock.LOCAL_TZ, job_defaults={"coalesce": True, "max_instances": 1,
                                                           "misfire_grace_time": None})
    scheduler.add_job(run_job, "interval", args=[app], id=JOB_ID,
                      seconds=app.config.get("REMINDER_INTERVAL_SECONDS", 60),
                      next_run_time=dt.datetime.now(clock.LOCAL_TZ))
    # Other features' periodic duties (privacy: retention every night), on the same clock.
    for job_id, (func, trigger, kwargs) in app.extensions.get(JOBS, {}).items():
        scheduler.add_job(func, trigger, args=[app], id=job_id, **kwargs)
    return scheduler


JOBS = "toeleiding.jobs"


def add_job(app: Flask, job_id: str, func, trigger: str, **kwargs) -> None:
    """Another feature's periodic job for the one scheduler: ``func(app)`` on an APScheduler trigger."""
    app.extensions.setdefault(JOBS, {})[job_id] = (func, trigger, kwargs)


def should_run_in_process(app: Flask) -> bool:
    """True only in the process of ``flask run`` that serves requests."""
    if not app.config.get("RUN_SCHEDULER") or app.testing:
        return False
    ctx = click.get_current_context(silent=True)
    if ctx is None or ctx.info_name != "run":
        return False
    if is_running_from_reloader():
        return True   # the reloader's child: the one that serves
    reload = ctx.params.get("reload")
    return not (get_debug_flag() if reload is None else reload)


def start_in_dev_server(app: Flask) -> bool:
    if not should_run_in_process(app) or "toeleiding.scheduler" in app.extensions:
        return False
    scheduler = build_scheduler(app, background=True)
    scheduler.start()
    app.extensions["toeleiding.scheduler"] = scheduler
    # Said on the console, so a developer sees it start once (and in which process).
    click.echo(f" * Reminders scheduler running in this process (pid {os.getpid()}), "
               f"every {app.config.get('REMINDER_INTERVAL_SECONDS', 60)} s", err=True)
    return True
