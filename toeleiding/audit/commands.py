"""``flask audit verify``: recompute the access log's hash chain."""
import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from ..extensions import db
from .models import AccessLogEntry
from .util import verify_chain

audit_cli = AppGroup("audit", help="The access log.")


@audit_cli.command("verify")
def verify():
    """Check every row's hash; exit 1 naming the first broken row."""
    total = db.session.scalar(select(func.count()).select_from(AccessLogEntry)) or 0
    with click.progressbar(length=total, label="access log") as bar:
        report = verify_chain(progress=bar.update)
    if not report.ok:
        raise click.ClickException(f"access log broken at row {report.broken_id}: {report.problem} "
                                   f"({report.rows} rows before it are intact)")
    click.echo(f"ok: {report.rows} rows, chain intact")
