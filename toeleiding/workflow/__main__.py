"""``python -m toeleiding.workflow validate FILE``: check a workflow file without an app."""
import sys

import click

from .definition import WorkflowError, load_workflow


@click.group()
def cli():
    """Workflow files."""


@cli.command("validate")
@click.argument("path", type=click.Path(dir_okay=False))
def validate(path):
    """Check PATH; exit 1 with file, key and problem if it is invalid."""
    try:
        wf = load_workflow(path)
    except WorkflowError as exc:
        click.echo(f"invalid: {exc}", err=True)
        sys.exit(1)
    click.echo(f"ok: {path}: workflow {wf.name!r}, {len(wf.states)} states, "
               f"{len(wf.transitions)} transitions, {len(wf.reminders)} reminder rules")


if __name__ == "__main__":
    cli()
