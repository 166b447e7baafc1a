"""``flask regions create`` and ``flask organisations create``, for scripted set-up."""
import csv
import io
import logging

import click
from flask.cli import AppGroup

from ..errors import N_, AppError, ValidationError
from ..extensions import db
from ..unit_of_work import command_unit_of_work
from ..organisations.util import get_municipality, list_municipalities
from .models import ORGANISATION_KINDS, TARGET_KINDS, Region
from .operations import (FIGURE_FIELDS, SINCE_EVER, check_figures, create_municipality, create_organisation,
                         figures_dict, figures_of, get_region, join_region, leave_region, list_targets,
                         memberships_of, parse_year, set_figures, set_target, sync_current_regions)

log = logging.getLogger(__name__)

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
    with command_unit_of_work():
        org = create_organisation(name, kind, get_region(region_slug), [get_municipality(c) for c in codes])
    click.echo(f"organisation {org.id} {org.kind} {org.name}")


figures_cli = AppGroup("figures", help="Yearly figures per municipality (CBS, JGZ, GOAB, toddlers, VE places).")
municipalities_cli = AppGroup("municipalities", help="Municipalities and their (dated) region memberships.")
targets_cli = AppGroup("targets", help="A region's targets (reach of the target group, of all toddlers).")

# The import's columns (README: "Jaarcijfers"): municipality and year identify the row, the
# others are the figures; an empty cell is "not entered".
IMPORT_COLUMNS = ("municipality", "year", *FIGURE_FIELDS)


@figures_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--apply", "apply_", is_flag=True, help="Write the figures; without it nothing is stored (dry run).")
def figures_import(path, apply_):
    """Import yearly figures from a CSV file (comma or semicolon separated, UTF-8, header row).

    Prints one line per row: new, changed, unchanged, or the error and its column. With --apply
    and no errors, every row is written in one transaction; one bad row writes nothing."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        text = fh.read()
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else ",", delimiters=",;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in ("municipality", "year") if c not in header]
    unknown = [c for c in header if c not in IMPORT_COLUMNS]
    if missing or unknown:
        raise click.ClickException(f"columns: missing {', '.join(missing) or '-'}, unknown {', '.join(unknown) or '-'}"
                                   f"; expected {', '.join(IMPORT_COLUMNS)}")
    errors, counts, seen = 0, {"new": 0, "changed": 0, "unchanged": 0}, set()
    for n, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k}
        try:
            municipality = get_municipality(row.get("municipality"))
            year = parse_year(row.get("year"))
            if (municipality.id, year) in seen:
                raise ValidationError(N_("Dubbele regel voor deze gemeente en dit jaar."), "year")
            seen.add((municipality.id, year))
            values = {k: v for k, v in row.items() if k in FIGURE_FIELDS}
            check_figures(values)
            before = figures_of(municipality, year)
            if before is None:
                status = "new"
            else:
                status = "unchanged" if figures_dict(before) == {**figures_dict(None), **_as_stored(values)} else "changed"
            if apply_:
                set_figures(municipality, year, source="import", **values)
            counts[status] += 1
            click.echo(f"row {n}: {municipality.code} {year} {status}")
        except AppError as exc:
            errors += 1
            click.echo(f"row {n}: error {exc.field}: {exc.message}")
    summary = f"{counts['new']} new, {counts['changed']} changed, {counts['unchanged']} unchanged, {errors} with errors"
    if errors:
        db.session.rollback()
        raise click.ClickException(f"{summary}; nothing written")
    if apply_:
        db.session.commit()
        click.echo(f"{summary}; written")
    else:
        db.session.rollback()
        click.echo(f"{summary}; dry run, nothing written (--apply to write)")


def _as_stored(values: dict) -> dict:
    from .models import MunicipalityFigures
    return figures_dict(MunicipalityFigures(**check_figures(values)))


@municipalities_cli.command("create")
@click.option("--code", required=True, help="CBS code, e.g. GM0716.")
@click.option("--name", required=True)
@click.option("--region", "region_slug", required=True, help="Region slug.")
@click.option("--from", "valid_from", required=True, help="First day in the region (YYYY-MM-DD).")
def municipality_create(code, name, region_slug, valid_from):
    """Add a municipality, member of a region from a date."""
    with command_unit_of_work():
        m = create_municipality(code, name, get_region(region_slug), valid_from)
    click.echo(f"municipality {m.code} {m.name} in {region_slug} from {valid_from}")


@municipalities_cli.command("join")
@click.option("--code", required=True)
@click.option("--region", "region_slug", required=True)
@click.option("--from", "valid_from", required=True, help="First day in the region (YYYY-MM-DD).")
def municipality_join(code, region_slug, valid_from):
    """A municipality joins a region from a date (leaving its current one the day before)."""
    with command_unit_of_work():
        join_region(get_municipality(code), get_region(region_slug), valid_from)
    click.echo(f"{code.upper()} in {region_slug} from {valid_from}")


@municipalities_cli.command("leave")
@click.option("--code", required=True)
@click.option("--region", "region_slug", required=True)
@click.option("--from", "valid_from", required=True, help="First day no longer in the region (YYYY-MM-DD).")
def municipality_leave(code, region_slug, valid_from):
    """A municipality leaves a region from a date."""
    with command_unit_of_work():
        leave_region(get_municipality(code), get_region(region_slug), valid_from)
    click.echo(f"{code.upper()} leaves {region_slug} from {valid_from}")


@municipalities_cli.command("list")
@click.option("--region", "region_slug", help="Only this region's municipalities (every membership).")
def municipality_list(region_slug):
    """Every municipality with its memberships: code, name, region, from, until."""
    region = get_region(region_slug) if region_slug else None
    for m in list_municipalities():
        for ms in memberships_of(m, store=False):
            if region is None or ms.region_id == region.id:
                until = ms.valid_until.isoformat() if ms.valid_until else "-"
                since = "-" if ms.valid_from == SINCE_EVER else ms.valid_from.isoformat()
                click.echo(f"{m.code}\t{m.name}\t{ms.region.slug}\t{since}\t{until}")


@municipalities_cli.command("sync")
def municipality_sync():
    """Set each municipality's current region from its memberships (also a nightly job)."""
    changed = sync_current_regions()
    db.session.commit()
    click.echo(f"{changed} municipalities changed region")


def run_region_sync(app) -> None:
    """The nightly job: a membership that starts today makes that region the current one."""
    with app.app_context():
        try:
            changed = sync_current_regions()
            db.session.commit()
            if changed:
                log.info("regions: %d municipalities changed their current region", changed)
        except Exception as exc:
            db.session.rollback()
            log.error("region sync failed: %s", type(exc).__name__)
        finally:
            db.session.remove()


@targets_cli.command("set")
@click.option("--region", "region_slug", required=True)
@click.option("--kind", required=True, type=click.Choice(TARGET_KINDS))
@click.option("--pct", required=True, help="Percentage, e.g. 90.")
@click.option("--from", "valid_from", required=True, help="First day (YYYY-MM-DD).")
@click.option("--until", "valid_until", default=None, help="Last day (YYYY-MM-DD); open when left out.")
def target_set(region_slug, kind, pct, valid_from, valid_until):
    """Set a region's target for a period (an open earlier target of the kind ends the day before)."""
    with command_unit_of_work():
        t = set_target(get_region(region_slug), kind, pct, valid_from, valid_until)
    click.echo(f"target {t.kind} {t.pct}% from {t.valid_from} until {t.valid_until or '-'}")


@targets_cli.command("list")
@click.option("--region", "region_slug", required=True)
def target_list(region_slug):
    """The region's targets: kind, percentage, from, until."""
    with command_unit_of_work():
        region = get_region(region_slug)
    for t in list_targets(region):
        click.echo(f"{t.kind}\t{t.pct}\t{t.valid_from}\t{t.valid_until or '-'}")
