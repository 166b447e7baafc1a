"""Dutch by default, English on request; the workflow's labels come from its file (workflow/labels.py)."""
from __future__ import annotations

import functools

from flask import Flask, has_request_context, request, session
from flask_babel import Babel, format_datetime, get_locale

# Labels of workflow names come from the workflow file, in both languages.
from ..workflow.labels import list_label, outcome_label, reason_label, role_label, state_label, trigger_label

LANGUAGES = {"nl": "Nederlands", "en": "English"}


def select_locale() -> str:
    """The language chosen on the pages; an API client without one asks through Accept-Language.

    Outside a request (CLI commands, the scheduler) it is Dutch, without touching the session.
    """
    if not has_request_context():
        return "nl"
    lang = session.get("lang")
    if lang in LANGUAGES:
        return lang
    if request.blueprint == "api" or request.path.startswith("/api/"):
        return request.accept_languages.best_match(LANGUAGES, default="nl") or "nl"
    return "nl"


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "nl")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Europe/Amsterdam")
    Babel(app, locale_selector=select_locale)
    app.jinja_env.filters["nldate"] = nldate
    app.jinja_env.filters["nldatetime"] = nldatetime
    app.jinja_env.filters["statelabel"] = state_label
    app.jinja_env.filters["rolelabel"] = role_label
    app.jinja_env.globals.update(get_locale=lambda: str(get_locale() or "nl"), LANGUAGES=LANGUAGES,
                                 state_label=state_label, role_label=role_label, trigger_label=trigger_label,
                                 reason_label=reason_label, outcome_label=outcome_label, list_label=list_label)


@functools.lru_cache(maxsize=8)
def _month_names(lang: str) -> tuple[str, ...]:
    from babel import Locale
    names = Locale.parse(lang).months["format"]["abbreviated"]
    return ("",) + tuple(names[m] for m in range(1, 13))


def nldate(day) -> str:
    """A date as people read it: 3 mrt 2026 / Mar 3, 2026.

    Built from the locale's month names directly: a work list formats a hundred dates, and going
    through Flask-Babel's context for each one cost more than the rest of the row.
    """
    if day is None:
        return ""
    if isinstance(day, str):
        import datetime as dt
        try:
            day = dt.date.fromisoformat(day)
        except ValueError:
            return day
    lang = select_locale()
    month = _month_names(lang)[day.month].rstrip(".")
    return f"{month} {day.day}, {day.year}" if lang == "en" else f"{day.day} {month} {day.year}"


def nldatetime(moment) -> str:
    return format_datetime(moment, "medium") if moment is not None else ""
