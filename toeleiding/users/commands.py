"""``flask users create``: the password comes on standard input, never on the command line.

The operator at the command line already holds the database and the keys, so this path may set a
password directly; it prints no set-password link (there is none) and, like an administrator's
invitation, puts an account that reads children's records on record in the access log."""
import sys

import click
from flask.cli import AppGroup

from ..errors import AppError
from ..extensions import db
from ..organisations.models import Organisation
from ..workflow import current_workflow
from .operations import create_user, log_account_access

users_cli = AppGroup("users", help="Users.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", default="")
@click.option("--role", required=True, help="A role of the workflow file (jgz, ve, cjg, gemeente, admin).")
@click.option("--organisation", "organisation_id", required=True, type=int, help="Organisation id.")
def create(email, name, role, organisation_id):
    """Create a user; reads the password from stdin (first line)."""
    roles = current_workflow().roles   # the workflow file's, known once the app is loaded
    if role not in roles:
        raise click.BadParameter(f"{role!r} is not one of {', '.join(roles)}.", param_hint="'--role'")
    password = sys.stdin.readline().rstrip("\n")
    org = db.session.get(Organisation, organisation_id)
    if org is None:
        raise click.ClickException(f"organisation: no organisation with id {organisation_id}")
    try:
        user = create_user(email, name, password, role, org)
        log_account_access(None, user, "user_create")
        db.session.commit()
    except AppError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc.field}: {exc.message}")
    click.echo(f"user {user.id} {user.email} ({user.role}, {org.name})")
