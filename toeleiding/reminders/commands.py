"""``flask reminders run|digest|sync`` and ``flask scheduler``."""
from __future__ import annotations

import datetime as dt
import os
import time

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from .. import clock
from ..extensions import db

reminders_cli = AppGroup("reminders", help="Reminders: sweep, digest, re-derive.")


def _parse_now(raw: str | None) -> dt.datetime | None:
    if raw is None:
        return None
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise click.BadParameter("use an ISO time, e.g. 2026-12-01T08:00:00+01:00", param_hint="--now") from None
    if value.tzinfo is None:   # a time without offset is Dutch local time, as users read it
        value = value.replace(tzinfo=clock.LOCAL_TZ)
    return value.astimezone(dt.timezone.utc)


class _Clock:
    """Sets the app's clock for the command, so everything it calls agrees on the time."""

    def __init__(self, now: dt.datetime | None):
        self.now = now

    def __enter__(self):
        self.saved = current_app.config.get("CLOCK_NOW")
        if self.now is not None:
            current_app.config["CLOCK_NOW"] = self.now

    def __exit__(self, *exc):
        current_app.config["CLOCK_NOW"] = self.saved


def _test_pause():
    # Test-only hook (never in production): sleep after a batch is claimed and marked, before its
    # commit, so a test can kill the sweep mid-batch or run two sweeps side by side. With
    # TOELEIDING_TEST_SWEEP_RELEASE (a file path) the pause ends as soon as that file exists, so
    # a test can hold a batch exactly until something else has raced it.
    seconds = float(os.environ.get("TOELEIDING_TEST_SWEEP_PAUSE") or 0)
    if not seconds or current_app.config.get("ENV_NAME") == "production":
        return None
    release = os.environ.get("TOELEIDING_TEST_SWEEP_RELEASE")

    def pause(claimed: int) -> None:
        click.echo(f"claimed {claimed}", err=True)
        end = time.monotonic() + seconds
        while time.monotonic() < end and not (release and os.path.exists(release)):
            time.sleep(0.05)
    return pause


@reminders_cli.command("run")
@click.option("--now", "now_raw", metavar="ISO-TIME", help="Sweep as of this time (default: now).")
@click.option("--batch-size", type=click.IntRange(1, 100_000), help="Reminders per transaction.")
def run_command(now_raw, batch_size):
    """Deliver every reminder due at --now, in batches; prints the counts."""
    from .scheduler import send_digest, sweep

    now = _parse_now(now_raw)
    with _Clock(now):
        result = sweep(clock.now(), batch_size, _test_pause())
        sent = send_digest(clock.now())
    click.echo(f"delivered {result.delivered}, cancelled {result.cancelled}, deferred {result.deferred}, "
               f"next {result.created}, digest e-mails {sent}")


@reminders_cli.command("digest")
@click.option("--now", "now_raw", metavar="ISO-TIME")
def digest_command(now_raw):
    """Send today's digest now if it has not gone out (needs TOELEIDING_SMTP_HOST)."""
    from .scheduler import send_digest

    if not current_app.config.get("SMTP_HOST"):
        raise click.ClickException("no SMTP server: set TOELEIDING_SMTP_HOST and TOELEIDING_SMTP_FROM")
    with _Clock(_parse_now(now_raw)):
        click.echo(f"digest e-mails {send_digest(clock.now())}")


@reminders_cli.command("sync")
def sync_command():
    """Re-derive the reminders of every open case (after the rules in the workflow file changed)."""
    from ..cases.models import Case
    from .operations import sync_reminders

    final = list(current_app.extensions["toeleiding.workflow"].final_states)
    ids = list(db.session.scalars(select(Case.id).where(Case.state.not_in(final)).order_by(Case.id)))
    for start in range(0, len(ids), 200):
        for case in db.session.scalars(select(Case).where(Case.id.in_(ids[start:start + 200]))):
            sync_reminders(case)
        db.session.commit()
        db.session.expunge_all()
    click.echo(f"synced {len(ids)} cases")


@click.command("scheduler")
@with_appcontext
def scheduler_command():
    """Run the reminders scheduler in this process until stopped (production: one or more of these)."""
    from .scheduler import build_scheduler

    app = current_app._get_current_object()
    click.echo(f"scheduler: sweeping every {app.config.get('REMINDER_INTERVAL_SECONDS', 60)} s; Ctrl-C stops")
    try:
        build_scheduler(app, background=False).start()
    except (KeyboardInterrupt, SystemExit):
        pass
