"""``flask workflow validate FILE | check-data | rename-state|rename-reason|rename-outcome OLD NEW``."""
import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..errors import AppError
from ..extensions import db
from .__main__ import validate
from .data import describe, rename, unknown_names
from .definition import current_workflow

workflow_cli = AppGroup("workflow", help="Workflow definitions.")
workflow_cli.add_command(validate)


@workflow_cli.command("check-data")
def check_data():
    """Exit 1 naming every state, reason or outcome the database uses and the workflow file lacks."""
    unknown = unknown_names()
    if unknown:
        raise click.ClickException(describe(unknown, current_workflow()))
    click.echo(f"ok: every state, reason and outcome in the database is in {current_workflow().path}")


def _rename_command(kind: str):
    @click.argument("old")
    @click.argument("new")
    @click.option("--by", "email", required=True, help="E-mail of the admin renaming (recorded in each case's history).")
    def command(old, new, email):
        from ..users.models import User
        user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None or user.role != "admin" or not user.active:
            raise click.ClickException(f"--by: {email!r} is not an active admin")
        try:
            changed = rename(user, kind, old, new)
            db.session.commit()   # every case or none
        except AppError as exc:
            db.session.rollback()
            raise click.ClickException(f"{exc.field}: {exc.message}")
        click.echo(f"renamed {kind} {old!r} to {new!r} in {changed} case{'' if changed == 1 else 's'}")
    command.__doc__ = (f"Move every case's {kind} OLD (gone from the workflow file) to NEW (in it), "
                       "with a history row per case, in one transaction.")
    return workflow_cli.command(f"rename-{kind}")(command)


for _kind in ("state", "reason", "outcome"):
    _rename_command(_kind)
