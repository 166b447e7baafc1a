"""``flask push add|list|deliveries|rotate-secret|remove|run``: the region's push of its published monitor."""
from __future__ import annotations

import datetime as dt
import sys

import click
from flask.cli import AppGroup

from .. import clock
from ..extensions import db
from ..unit_of_work import command_unit_of_work
from . import operations as ops, util
from .jobs import push_due
from .models import FORMATS, KINDS
from .send import SIGNATURE_HEADER

push_cli = AppGroup("push", help="Push the published monitor to a directory or an HTTPS endpoint.")


@push_cli.command("add")
@click.option("--region", "region_slug", required=True, help="Region slug, e.g. ijmond.")
@click.option("--kind", type=click.Choice(KINDS), required=True)
@click.option("--to", "destination", required=True, help="An existing directory (absolute path) or an https:// URL.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Also push the publications made since this day (default: only new ones).")
def add(region_slug, kind, destination, fmt, since):
    """Add a push target; prints its HMAC key once (give it to the receiver)."""
    start = None if since is None else dt.datetime.combine(since.date(), dt.time(), clock.LOCAL_TZ)
    with command_unit_of_work():
        target, key = ops.add_target(region_slug, kind, destination, fmt, start)
    click.echo(f"push target {target.id}: {target.region.slug} -> {target.kind} {target.destination} ({target.format})")
    click.echo(f"HMAC key (shown once; the receiver checks {SIGNATURE_HEADER} with it): {key}")


@push_cli.command("list")
def list_targets():
    """The push targets, with how many deliveries are pending, sent and failed."""
    counts = util.delivery_counts()
    for t in util.list_targets():
        c = counts.get(t.id, {"pending": 0, "sent": 0, "failed": 0})
        click.echo(f"{t.id}\t{t.region.slug}\t{'active' if t.active else 'inactive'}\t{t.kind}\t{t.format}\t"
                   f"{t.destination}\tpending {c['pending']}, sent {c['sent']}, failed {c['failed']}")


@push_cli.command("deliveries")
@click.argument("target_id", type=int)
def deliveries(target_id):
    """The last deliveries of a target: publication, state, tries, last error."""
    with command_unit_of_work():
        ops.get_target(target_id)
    for d in util.deliveries_of(target_id):
        when = d.sent_at or d.next_attempt_at
        click.echo(f"{d.publication.peildatum.isoformat()}\t{d.state}\t{d.attempts} tries\t"
                   f"{when.isoformat(timespec='seconds') if when else '-'}\t{d.last_error or ''}")


@push_cli.command("rotate-secret")
@click.argument("target_id", type=int)
def rotate_secret(target_id):
    """A new HMAC key for the target (printed once; the old one stops working)."""
    with command_unit_of_work():
        key = ops.rotate_secret(target_id)
    click.echo(f"new HMAC key for push target {target_id}: {key}")


@push_cli.command("remove")
@click.argument("target_id", type=int)
def remove(target_id):
    """Stop pushing to a target (its deliveries stay listed)."""
    with command_unit_of_work():
        ops.deactivate_target(target_id)
    click.echo(f"push target {target_id} deactivated")


@push_cli.command("run")
def run():
    """Push what is due now (what the scheduler does every minute)."""
    due = len(ops.due_deliveries(clock.now())) + ops.queue_owed(clock.now())
    db.session.rollback()   # only counted: push_due queues them itself
    with click.progressbar(length=due, label="pushing", file=sys.stderr) as bar:
        result = push_due(progress=bar.update)
    click.echo(f"sent {result.sent}, to retry {result.retrying}, failed {result.failed}")
