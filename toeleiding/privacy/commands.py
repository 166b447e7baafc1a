"""``flask retention run``: erase personal data past the retention period (also a scheduled job)."""
import datetime as dt
import logging

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from ..extensions import db
from .operations import apply_retention

log = logging.getLogger(__name__)

retention_cli = AppGroup("retention", help="Retention of personal data.")


@retention_cli.command("run")
@click.option("--now", "now", default=None, help="Run as of this ISO time (operators, tests).")
def run(now):
    """Erase the personal data of cases closed longer than TOELEIDING_RETENTION_DAYS (and old
    sign-in attempts), as the nightly job does."""
    if now:
        try:
            current_app.config["CLOCK_NOW"] = dt.datetime.fromisoformat(now).astimezone(dt.timezone.utc)
        except ValueError:
            raise click.ClickException(f"--now: {now!r} is not an ISO date-time") from None
    with click.progressbar(length=0, label="erasing", show_pos=True) as bar:
        count, purged = apply_retention(progress=bar.update)
    click.echo(f"erased the personal data of {count} closed cases; deleted {purged} old sign-in attempts")


def run_retention(app: Flask) -> None:
    """The nightly job: what ``flask retention run`` does, logged by count and never by content."""
    with app.app_context():
        try:
            count, _ = apply_retention()
            if count:
                log.info("retention: personal data of %d closed cases erased", count)
        except Exception as exc:   # the message could carry data: the type only; tomorrow tries again
            log.error("retention job failed: %s", type(exc).__name__)
        finally:
            db.session.remove()
