"""Outreach log: contact attempts with a family (date, method, interpreter, outcome) on a case.

Shown in the case's timeline and on its page; the workflow file may require a number of attempts
before a step (the check ``minimum_contact_attempts``); the monitor counts attempts before a child
was reported not reached.
"""
from flask import Flask


def init_app(app: Flask) -> None:
    """The case page's form, the timeline entries and the workflow check."""
    from ..cases import hooks
    from ..cases.checks import register_check
    from .util import case_page, minimum_contact_attempts, timeline_entries
    from .views import bp

    app.register_blueprint(bp)
    hooks.on_timeline(timeline_entries)
    hooks.on_case_page("outreach", case_page)
    register_check("minimum_contact_attempts", minimum_contact_attempts)
