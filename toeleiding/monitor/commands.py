"""``flask monitor show|publish``: the monitor from the command line, e.g. for a scheduled publication."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..errors import AppError
from ..extensions import db
from ..users.models import User
from . import access, exports, operations as ops, presentation, util

monitor_cli = AppGroup("monitor", help="The regional monitor.")


def _admin(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or user.role != "admin" or not user.active:
        raise click.ClickException(f"--by: {email!r} is not an active admin")
    return user


@monitor_cli.command("publish")
@click.option("--region", "region_slug", required=True, help="Region slug, e.g. ijmond.")
@click.option("--peildatum", required=True, help="Reference date, YYYY-MM-DD.")
@click.option("--by", "email", required=True, help="E-mail of the admin publishing (recorded on the publication).")
def publish(region_slug, peildatum, email):
    """Freeze the region's monitor at a reference date."""
    try:
        pub = ops.publish_monitor(_admin(email), region_slug, peildatum)
        db.session.commit()
    except AppError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc.field}: {exc.message}" if exc.field else exc.message)
    click.echo(f"published {pub.region.slug} {pub.peildatum.isoformat()} (threshold {pub.threshold})")


@monitor_cli.command("show")
@click.option("--region", "region_slug", required=True)
@click.option("--peildatum", required=True)
@click.option("--by", "email", required=True, help="E-mail of the admin or gemeente user reading it.")
def show(region_slug, peildatum, email):
    """Print the monitor as CSV (suppressed unless the user is an admin)."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"--by: no user {email!r}")
    try:
        region = access.region_for(user, region_slug)
        data = util.compute_monitor(region, access.readable_peildatum(user, region, peildatum))
    except AppError as exc:
        raise click.ClickException(f"{exc.field}: {exc.message}" if exc.field else exc.message)
    click.echo(exports.to_csv(data, presentation.present(data, access.threshold_for(user))), nl=False)
