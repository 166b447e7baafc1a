"""``flask workflow validate FILE``."""
from flask.cli import AppGroup

from .__main__ import validate

workflow_cli = AppGroup("workflow", help="Workflow definitions.")
workflow_cli.add_command(validate)
