"""``flask workflow validate FILE``; check-data and the renames (they change cases) are in
toeleiding/workflow_data.py, added to this group by the application."""
from flask.cli import AppGroup

from .__main__ import validate

workflow_cli = AppGroup("workflow", help="Workflow definitions.")
workflow_cli.add_command(validate)
