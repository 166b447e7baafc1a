"""``flask retention run``: erase personal data past the retention period (also a scheduled job)."""
import datetime as dt

import click
from flask import current_app
from flask.cli import AppGroup

from .operations import apply_retention

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
