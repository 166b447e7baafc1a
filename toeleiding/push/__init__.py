"""Data out on a schedule: the published monitor pushed to a directory or an HTTPS endpoint.

A region configures push targets; after each publication the one scheduler delivers the frozen,
suppressed monitor to each (CSV, XLSX or JSON), signing the body with the target's HMAC key, and
retries with backoff. Only aggregate cells ever leave: the body is built from the publication.
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The push job on the one scheduler (every minute, like the reminders sweep)."""
    from ..reminders.scheduler import add_job
    from .jobs import run_push_job
    add_job(app, "monitor_push", run_push_job, "interval",
            seconds=app.config.get("PUSH_INTERVAL_SECONDS", 60))
