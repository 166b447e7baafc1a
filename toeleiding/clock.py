"""The one clock of the application; tests and `reminders run --now` move it."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

# Effective dates are calendar dates as the nurse sees them: Dutch local time.
LOCAL_TZ = ZoneInfo("Europe/Amsterdam")


def now() -> dt.datetime:
    """Aware UTC now, or the app's frozen ``CLOCK_NOW`` when one is configured."""
    if has_app_context():
        frozen = current_app.config.get("CLOCK_NOW")
        if frozen is not None:
            return frozen.astimezone(dt.timezone.utc)
    return dt.datetime.now(dt.timezone.utc)


def today() -> dt.date:
    """Today's date in the Netherlands."""
    return now().astimezone(LOCAL_TZ).date()


def months_between(start: dt.date, end: dt.date) -> int:
    """Completed months from ``start`` to ``end`` (an age in months)."""
    # Defined through add_months so "age >= N months" and "the date of N months" agree.
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if add_months(start, months) > end:
        months -= 1
    return months


def add_months(day: dt.date, months: int) -> dt.date:
    """The date ``months`` later; clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    import calendar

    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
