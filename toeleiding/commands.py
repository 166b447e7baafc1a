"""Registers every feature's CLI group on the app."""
from flask import Flask


def register_commands(app: Flask) -> None:
    from .audit.commands import audit_cli
    from .crypto.commands import keys_cli
    from .demo.commands import demo
    from .organisations.commands import (figures_cli, municipalities_cli, organisations_cli, regions_cli,
                                         targets_cli)
    from .privacy.commands import retention_cli
    from .users.commands import users_cli
    from .workflow.commands import workflow_cli
    from .monitor.commands import monitor_cli
    from .reminders.commands import reminders_cli, scheduler_command

    app.cli.add_command(monitor_cli)
    from .push.commands import push_cli
    app.cli.add_command(push_cli)
    for command in (reminders_cli, scheduler_command):
        app.cli.add_command(command)

    for command in (audit_cli, keys_cli, demo, organisations_cli, regions_cli, retention_cli, users_cli, workflow_cli,
                    figures_cli, municipalities_cli, targets_cli):
        app.cli.add_command(command)
    from .cases.commands import cases_cli, reindex_command
    app.cli.add_command(cases_cli)
    keys_cli.add_command(reindex_command)   # reads cases, which the crypto package may not import
    from .workflow_data import COMMANDS as workflow_data_commands
    for command in workflow_data_commands:   # check-data and the renames change cases: they live up here
        workflow_cli.add_command(command)
