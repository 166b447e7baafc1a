"""Parents' rights and exceptional access: break-the-glass, the AVG export, retention."""
from flask import Flask


def init_app(app: Flask) -> None:
    """The privacy officer's pages, and retention as a nightly job of the one scheduler."""
    from ..reminders.scheduler import add_job
    from .commands import run_retention
    from .views import bp

    app.register_blueprint(bp)
    # Once a night, erase personal data past its period: on the same clock as the reminders, so
    # production has one scheduler process, not one per periodic duty.
    add_job(app, "retention", run_retention, "cron", hour=3, minute=17)
