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


# --- cases import: existing cases from a JGZ system's CSV export (README 'Importing existing cases')
cases_cli = click.Group("cases", help="Cases in bulk: import existing cases from a CSV export.")


@cases_cli.command("import")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--organisation", "organisation_id", type=int, required=True,
              help="id of the JGZ organisation the cases are registered for")
@click.option("--user", "email", help="e-mail of the JGZ user the history names (default: the "
              "organisation's only active JGZ user)")
@click.option("--apply", "apply", is_flag=True, help="write the cases (without it: a dry run that writes nothing)")
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False),
              help="where to write the rows with errors (default: FILE.errors.csv next to the input)")
@click.option("--batch", type=click.IntRange(1, 10000), default=500, show_default=True,
              help="rows per transaction")
def import_command(path, organisation_id, email, apply, errors_path, batch):
    """Import existing cases from the CSV at PATH (columns: README 'Importing existing cases').

    A dry run by default: every row is checked exactly as --apply would write it, then rolled
    back. Prints counts and row numbers only (never a name or BSN); the rows with errors, with
    their column and why, go to the error CSV. A row whose BSN is already known (by its blind
    index) is a duplicate and skipped, so running the same file twice adds nothing."""
    import csv
    import sys
    from pathlib import Path

    from .operations import run_import
    rows = _read_rows(path)
    user = _importer(organisation_id, email)
    with click.progressbar(length=len(rows), label="rows", file=sys.stderr) as bar:
        result = run_import(user, rows, apply=apply, batch=batch, progress=bar.update)
    errors_path = errors_path or str(Path(path).with_suffix("")) + ".errors.csv"
    if result.errors:
        with open(errors_path, "w", newline="", encoding="utf-8") as fh:
            out = csv.writer(fh)
            out.writerow(["row", "column", "message"])
            out.writerows(result.errors)
    click.echo(("Imported" if apply else "Dry run (nothing written)") + f": {result.rows} rows")
    click.echo(f"  valid{'' if apply else ' (would be imported)'}: {len(result.imported)}")
    click.echo(f"  duplicates (BSN already known): {len(result.duplicates)}"
               + (f" - rows {_ranges(result.duplicates)}" if result.duplicates else ""))
    bad = sorted({r for r, _, _ in result.errors})
    click.echo(f"  with errors: {len(bad)}" + (f" - written to {errors_path}" if bad else ""))
    for number in bad[:50]:
        columns = sorted({c for r, c, _ in result.errors if r == number})
        click.echo(f"    row {number}: {', '.join(columns)}")
    if len(bad) > 50:
        click.echo(f"    ... {len(bad) - 50} more rows in {errors_path}")


def _read_rows(path) -> list[tuple[int, dict]]:
    """The CSV's rows with their row numbers (the header is row 1), columns checked against the
    documented list. Comma or semicolon separated (Dutch spreadsheets write semicolons), UTF-8
    with or without a byte-order mark."""
    import csv

    from .operations import import_columns
    with open(path, newline="", encoding="utf-8-sig") as fh:
        text = fh.read()
    first = text.split("\n", 1)[0]
    reader = csv.DictReader(text.splitlines(), delimiter=";" if first.count(";") > first.count(",") else ",")
    header = [h.strip() for h in (reader.fieldnames or [])]
    unknown = [h for h in header if h not in import_columns()]
    if unknown:
        raise click.ClickException(f"unknown columns: {', '.join(unknown)} (known: {', '.join(import_columns())})")
    reader.fieldnames = header
    return [(number, row) for number, row in enumerate(reader, start=2)]


def _importer(organisation_id: int, email: str | None):
    """The JGZ user the import acts as: named, or the organisation's only active JGZ user."""
    from ..organisations.models import Organisation
    from ..users.models import User
    from ..workflow import current_workflow
    organisation = db.session.get(Organisation, organisation_id)
    registering = {r for r, kind in current_workflow().role_organisation.items() if kind == "jgz"}
    if organisation is None:
        raise click.ClickException(f"no organisation {organisation_id}")
    if organisation.kind != "jgz":
        raise click.ClickException(f"organisation {organisation_id} is not a JGZ organisation; only JGZ registers children")
    users = list(db.session.scalars(select(User).where(User.organisation_id == organisation_id, User.active.is_(True),
                                                       User.role.in_(registering))))
    if email:
        users = [u for u in users if u.email.lower() == email.lower()]
        if not users:
            raise click.ClickException(f"{email} is no active JGZ user of organisation {organisation_id}")
    elif len(users) != 1:
        raise click.ClickException(f"organisation {organisation_id} has {len(users)} active JGZ users: name one with --user")
    return users[0]


def _ranges(numbers: list[int]) -> str:
    """2, 3, 4, 7 -> '2-4, 7' (the report names rows, never their contents)."""
    out, start, prev = [], None, None
    for n in sorted(numbers):
        if start is None:
            start = prev = n
        elif n == prev + 1:
            prev = n
        else:
            out.append(f"{start}-{prev}" if prev != start else str(start))
            start = prev = n
    if start is not None:
        out.append(f"{start}-{prev}" if prev != start else str(start))
    return ", ".join(out)
