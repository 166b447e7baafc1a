"""Reminders: no child stays stuck unnoticed.

Rules are data (workflows/*.yaml, ``reminders:``); reminders are rows derived from each case
by ``sync_reminders`` in the transition's transaction; one scheduled job sweeps due rows into
the inboxes of the organisations that must act and sends a daily digest without personal data.
"""
from flask import Flask


def init_app(app: Flask) -> None:
    """Pages, the header badge's count, and (in the development server only) the scheduler."""
    from flask_babel import lazy_gettext as _l
    from flask_login import current_user

    from .scheduler import start_in_dev_server
    from .views import bp

    app.register_blueprint(bp)
    if "toeleiding.nav" in app.extensions or "web" in app.blueprints:
        from ..web.nav import add_nav_item
        add_nav_item(app, "reminders.inbox", _l("Herinneringen"), ("jgz", "ve", "cjg"))
        add_nav_item(app, "reminders.meetings", _l("Bereik-overleg"), ("jgz", "ve", "cjg"))

    @app.context_processor
    def _reminder_badge():
        def open_reminder_count() -> int:
            from .util import open_count
            if not current_user or not current_user.is_authenticated:
                return 0
            return open_count(current_user)
        return {"open_reminder_count": open_reminder_count}

    from ..cases import hooks
    from .operations import sync_reminders, sync_reminders_in_memory
    from .util import escalated_to, meeting_notes
    hooks.on_step(sync_reminders, in_memory=sync_reminders_in_memory)   # each step re-derives the case's reminders
    hooks.widen_scope("cjg", escalated_to)   # a CJG opens a case whose reminders escalated to it
    hooks.on_timeline(meeting_notes)         # the notes in the case page's timeline
    from .util import case_actions
    hooks.on_timeline(case_actions)          # the bereik-overleg's agreed actions, too

    start_in_dev_server(app)
