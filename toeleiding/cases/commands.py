"""``flask keys reindex``: rebuild the cases' blind indexes (it reads cases, so it lives here and
joins the ``keys`` group at start-up, toeleiding/commands.py)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from ..extensions import db
from .models import Case
from .operations import reindex_all


@click.command("reindex")
@with_appcontext
@click.option("--batch", type=click.IntRange(1, 10000), default=200, show_default=True,
              help="cases per transaction")
def reindex_command(batch):
    """Rebuild every case's blind indexes (BSN, family name and its parts for search) under the
    current blind-index key: after upgrading to the name-part search, or after changing that key.
    Safe to repeat and to run while requests are served."""
    total = db.session.scalar(select(func.count()).select_from(Case)) or 0
    with click.progressbar(length=total, label="cases") as bar:
        result = reindex_all(batch, progress=bar.update)
    click.echo(f"{result.cases} cases reindexed, {result.erased} erased (no index), "
               f"{result.unreadable} unreadable")
    if result.unreadable:
        raise click.ClickException(f"{result.unreadable} cases do not decrypt with these keys (flask keys status); "
                                   "their indexes were left as they were")
