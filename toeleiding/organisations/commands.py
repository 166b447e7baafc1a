"""``flask regions create`` and ``flask organisations create``, for scripted set-up."""
import click
from flask.cli import AppGroup

from ..errors import AppError
from ..extensions import db
from ..organisations.util import get_municipality
from .models import ORGANISATION_KINDS, Region
from .operations import create_organisation, get_region

regions_cli = AppGroup("regions", help="Regions.")
organisations_cli = AppGroup("organisations", help="Organisations.")


@regions_cli.command("create")
@click.option("--slug", required=True)
@click.option("--name", required=True)
def create_region(slug, name):
    """Create a region (municipalities come with `flask demo --no-cases` or a migration of their own)."""
    region = Region(slug=slug, name=name)
    db.session.add(region)
    db.session.commit()
    click.echo(f"region {region.id} {slug}")


@organisations_cli.command("create")
@click.option("--name", required=True)
@click.option("--kind", required=True, type=click.Choice(ORGANISATION_KINDS))
@click.option("--region", "region_slug", required=True, help="Region slug, e.g. ijmond.")
@click.option("--municipality", "codes", multiple=True, help="CBS code of a municipality served (repeatable).")
def create(name, kind, region_slug, codes):
    """Create an organisation; prints its id."""
    try:
        org = create_organisation(name, kind, get_region(region_slug), [get_municipality(c) for c in codes])
        db.session.commit()
    except AppError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc.field}: {exc.message}")
    click.echo(f"organisation {org.id} {org.kind} {org.name}")
