"""Dates: one parser for a date from a request (JSON or form), so every place names the field alike,
and one format for the dates people read (pages, messages, e-mails)."""
from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from . import errors
from .errors import N_, ValidationError


def parse_date(raw: Any, field: str) -> dt.date:
    if isinstance(raw, dt.date):
        return raw
    if not isinstance(raw, str):
        raise ValidationError(N_("Datum ontbreekt of is geen datum (JJJJ-MM-DD)."), field)
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationError(N_("Ongeldige datum; gebruik JJJJ-MM-DD."), field) from None


# --- Dates and moments as people read them -------------------------------------------------------
# One format on every page, message and e-mail: "6 aug 2026" in Dutch, "Aug 6, 2026" in English,
# a moment in Dutch local time ("6 aug 2026 14:05"). Machine formats (CSV, JSON, <input type=date>)
# stay ISO and never come through here.

def current_language() -> str:
    """The language of the request (Flask-Babel's choice); Dutch outside a request (CLI, jobs)."""
    from flask import has_request_context
    if not has_request_context():
        return "nl"
    from flask_babel import get_locale
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "nl"


@functools.lru_cache(maxsize=8)
def _month_names(lang: str) -> tuple[str, ...]:
    from babel import Locale
    names = Locale.parse(lang).months["format"]["abbreviated"]
    # Babel's Dutch abbreviations differ between versions ("aug" / "aug."); the pages use no dot.
    return ("",) + tuple(names[m].rstrip(".") for m in range(1, 13))


def format_day(day: dt.date | str | None, lang: str | None = None) -> str:
    """A date as people read it: 3 mrt 2026 / Mar 3, 2026 ('' for none; ISO text is read first).

    Built from the locale's month names directly: a work list formats a hundred dates, and going
    through Flask-Babel's context for each one cost more than the rest of the row.
    """
    if day is None or day == "":
        return ""
    if isinstance(day, str):
        try:
            day = dt.date.fromisoformat(day)
        except ValueError:
            return day
    if isinstance(day, dt.datetime):
        day = to_local(day).date()
    lang = lang or current_language()
    month = _month_names(lang)[day.month]
    return f"{month} {day.day}, {day.year}" if lang == "en" else f"{day.day} {month} {day.year}"


def to_local(moment: dt.datetime) -> dt.datetime:
    """A stored moment in Dutch local time; a naive one is UTC (as the database keeps them)."""
    from .clock import LOCAL_TZ
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(LOCAL_TZ)


def format_moment(moment: dt.datetime | str | None, lang: str | None = None) -> str:
    """A moment in Dutch local time: 6 aug 2026 14:05 / Aug 6, 2026, 14:05."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        try:
            moment = dt.datetime.fromisoformat(moment)
        except ValueError:
            return moment
    if not isinstance(moment, dt.datetime):
        return format_day(moment, lang)
    lang = lang or current_language()
    local = to_local(moment)
    return f"{format_day(local.date(), lang)}{',' if lang == 'en' else ''} {local:%H:%M}"


# Every message's date parameter reads like the pages' dates (errors.AppError.message).
errors.format_date_param = format_day
