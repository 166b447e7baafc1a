"""``flask audit verify``: recompute the access log's hash chain."""
import re

import click
import sqlalchemy as sa
from flask.cli import AppGroup
from sqlalchemy import func, select

from ..extensions import db
from .models import AccessLogEntry
from .util import verify_chain

audit_cli = AppGroup("audit", help="The access log.")


@audit_cli.command("verify")
@click.option("--anchor", default=None, metavar="ID:HASH",
              help="A head printed by an earlier run, kept outside the database: that row must "
                   "still exist with that hash (catches removal of the newest rows).")
@click.option("--start", default=None, metavar="ID:HASH",
              help="The start printed by an earlier run (or after the last purge), kept outside the "
                   "database: the log must still start there (catches removal of the oldest rows).")
def verify(anchor, start):
    """Check every row's hash; exit 1 naming the first broken row. Prints the start and the head to keep."""
    pinned, kept_start = _row_ref(anchor, "--anchor"), _row_ref(start, "--start")
    total = db.session.scalar(select(func.count()).select_from(AccessLogEntry)) or 0
    with click.progressbar(length=total, label="access log") as bar:
        report = verify_chain(progress=bar.update, anchor=pinned, start=kept_start)
    if not report.ok:
        raise click.ClickException(f"access log broken at row {report.broken_id}: {report.problem} "
                                   f"({report.rows} rows before it are intact)")
    click.echo(f"ok: {report.rows} rows, chain intact" + (f", anchor {pinned[0]} present" if pinned else "")
               + (f", starts at {kept_start[0]} as kept" if kept_start else ""))
    if report.unused:
        # Not a removal (the chain runs through): numbers of rolled-back transactions.
        shown = ", ".join(f"{a}" if a == b else f"{a}–{b}" for a, b in report.unused[:5])
        click.echo(f"note: ids without a row, the chain intact across them (rolled-back transactions): "
                   f"{shown}" + (f" and {len(report.unused) - 5} more ranges" if len(report.unused) > 5 else ""))
    if report.cut_start and not kept_start:
        click.echo(f"note: the log starts at row {report.start[0]}, after rows no longer in it: a purge of rows "
                   f"older than five years, or not; pass the start you kept as --start to tell")
    if report.head:
        # Kept outside the database (a ticket, an operator's log), they are the next run's
        # --start and --anchor.
        click.echo(f"start: {report.start[0]}:{report.start[1]}")
        click.echo(f"head: {report.head[0]}:{report.head[1]}")


def _row_ref(raw: str | None, option: str) -> tuple[int, str] | None:
    """ID:HASH as printed by `flask audit verify`."""
    if not raw:
        return None
    if not re.fullmatch(r"[1-9][0-9]{0,9}:[0-9a-f]{64}", raw) or int(raw.partition(":")[0]) > 2**31 - 1:
        raise click.BadParameter("expected ID:HASH as printed by `flask audit verify`", param_hint=option)
    raw_id, _, raw_hash = raw.partition(":")
    return int(raw_id), raw_hash


@audit_cli.command("grant-app-role")
@click.argument("role")
def grant_app_role(role):
    """PostgreSQL: let ROLE (a login role that owns no table) run the application.

    It may read and write every table but only append to the access log: UPDATE, DELETE and
    TRUNCATE on it are not granted, and only the tables' owner could switch the triggers off.
    Run it as the owner after every `flask db upgrade` (new tables get no grants by themselves).
    """
    if db.engine.dialect.name != "postgresql":
        raise click.ClickException("grant-app-role is for PostgreSQL")
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise click.BadParameter("a lower-case PostgreSQL role name", param_hint="ROLE")
    owner = db.session.scalar(sa.text("SELECT tableowner FROM pg_tables WHERE tablename = 'access_log' "
                                      "AND schemaname = current_schema()"))
    if owner == role:
        raise click.ClickException(f"{role} owns access_log: the application must run as a role that does not")
    if not db.session.scalar(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}):
        raise click.ClickException(f"no role {role}: CREATE ROLE {role} LOGIN PASSWORD '…' first")
    for statement in (
            "GRANT USAGE ON SCHEMA {schema} TO {role}",
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
            "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
            "REVOKE UPDATE, DELETE, TRUNCATE ON access_log FROM {role}",
            "REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {role}"):
        # Identifiers cannot be bind parameters; the role name was checked above.
        db.session.execute(sa.text(statement.format(schema=_schema(), role=role)))
    db.session.commit()
    click.echo(f"{role}: all tables read/write, access_log append-only (no UPDATE, DELETE, TRUNCATE)")


def _schema() -> str:
    name = db.session.scalar(sa.text("SELECT current_schema()"))
    return '"' + name.replace('"', '""') + '"'
