"""Dutch by default, English on request; the workflow's labels come from its file (workflow/labels.py)."""
from __future__ import annotations

from flask import Flask, has_request_context, request, session
from flask_babel import Babel, get_locale

from ..dates import format_day, format_moment
from ..numbers import format_decimal, format_percent

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
    app.jinja_env.filters["percent"] = format_percent
    app.jinja_env.filters["decimal"] = format_decimal
    app.jinja_env.filters["statelabel"] = state_label
    app.jinja_env.filters["rolelabel"] = role_label
    app.jinja_env.globals.update(get_locale=lambda: str(get_locale() or "nl"), LANGUAGES=LANGUAGES,
                                 state_label=state_label, role_label=role_label, trigger_label=trigger_label,
                                 reason_label=reason_label, outcome_label=outcome_label, list_label=list_label)


# One date and number format for every page (dates.py / numbers.py); kept under these names for
# the views that import them from here.
nldate = format_day
nldatetime = format_moment
