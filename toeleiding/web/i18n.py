"""Dutch by default, English on request; labels from the workflow file get English names here."""
from __future__ import annotations

import functools

from flask import Flask, has_request_context, request, session
from flask_babel import Babel, format_datetime, get_locale, lazy_gettext as _l

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


# The workflow file holds the Dutch labels; these msgids equal them so the .po file translates
# them. A label the file adds later shows in Dutch until it is translated.
_STATES = {"signalled": _l("Gesignaleerd"), "indicated": _l("Geïndiceerd"), "referred": _l("Toegeleid"),
           "waitlisted": _l("Wachtlijst"), "placed": _l("Geplaatst"), "not_reached": _l("Niet bereikt"),
           "school_handover": _l("Overgedragen aan school"), "closed": _l("Afgesloten")}
_TRIGGERS = {"register": _l("Geregistreerd"), "indicate": _l("Indiceren"), "reject": _l("Geen doelgroep"),
             "refer": _l("Toeleiden"), "waitlist": _l("Op wachtlijst"), "place": _l("Plaatsen"),
             "report_not_reached": _l("Niet bereikt"), "re_refer": _l("Opnieuw toeleiden"),
             "hand_over_to_school": _l("Warme overdracht"), "close": _l("Afsluiten")}
_REASONS = {"parents_declined": _l("Ouders zien af van VE"), "no_contact": _l("Geen contact met ouders"),
            "moved": _l("Verhuisd"), "regular_childcare": _l("Reguliere opvang zonder VE"),
            "medical": _l("Medische redenen"), "waiting_list": _l("Wachtlijst te lang"), "other": _l("Anders")}
_OUTCOMES = {"at_school": _l("Naar school"), "moved_out_of_region": _l("Verhuisd buiten de regio"),
             "not_target_group": _l("Geen doelgroep"), "consent_withdrawn": _l("Toestemming ingetrokken"),
             "other": _l("Anders")}
_ROLES = {"jgz": _l("JGZ"), "ve": _l("VE-aanbieder"), "cjg": _l("CJG / lokaal team"),
          "gemeente": _l("Gemeente"), "admin": _l("Functioneel beheerder")}
_LISTS = {"to_indicate": _l("Gesignaleerd, nog te indiceren"), "to_refer": _l("Geïndiceerd, nog niet toegeleid"),
          "unanswered": _l("Toegeleid, nog geen antwoord"), "new": _l("Nieuwe toeleidingen"),
          "waiting": _l("Wachtlijst"), "turning_four": _l("Geplaatst, bijna 4 jaar"),
          "not_reached": _l("Niet bereikt"), "follow_up": _l("Opnieuw toegeleid, wacht op plaatsing"),
          "all": _l("Alle dossiers")}


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


def _wf():
    from ..workflow import current_workflow
    return current_workflow()


def _pick(table: dict, key: str | None, fallback: str | None) -> str:
    if key is None:
        return ""
    if select_locale() == "nl" or key not in table:
        return fallback if fallback is not None else str(table.get(key, key))
    return str(table[key])


def state_label(state: str | None) -> str:
    return _pick(_STATES, state, _wf().state_labels.get(state, state) if state else None)


def trigger_label(trigger: str) -> str:
    t = _wf().transitions.get(trigger)
    return _pick(_TRIGGERS, trigger, t.label if t else None)


def reason_label(code: str | None) -> str:
    return _pick(_REASONS, code, _wf().reasons.get(code, code) if code else None)


def outcome_label(code: str | None) -> str:
    return _pick(_OUTCOMES, code, _wf().outcomes.get(code, code) if code else None)


def role_label(role: str) -> str:
    return str(_ROLES.get(role, role))


def list_label(key: str) -> str:
    return str(_LISTS.get(key, key))
