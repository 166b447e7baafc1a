"""The one mapping of errors to HTTP: the JSON error of the API, an error page for the rest,
never a trace, never submitted values. Every error handler rolls back what the request did; a
page that shows a refusal in its own form uses ``refused()`` (the unit of work: unit_of_work.py)."""
from __future__ import annotations

import logging
import traceback

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..audit.operations import note_refusal, request_action, write_refusals
from ..errors import AppError, NotFound
from ..extensions import db

log = logging.getLogger(__name__)

TITLES = {
    400: (_l("Ongeldig verzoek"), _l("Het verzoek kon niet worden verwerkt.")),
    403: (_l("Geen toegang"), _l("Uw rol heeft geen toegang tot deze pagina.")),
    404: (_l("Niet gevonden"), _l("Deze pagina of dit dossier bestaat niet, of u heeft er geen toegang toe.")),
    405: (_l("Niet toegestaan"), _l("Deze actie kan niet op deze manier.")),
    409: (_l("Conflict"), _l("De actie kon niet worden uitgevoerd.")),
    413: (_l("Te groot"), _l("Het formulier is te groot.")),
    422: (_l("Ongeldige invoer"), _l("Controleer de invoer.")),
    500: (_l("Er ging iets mis"), _l("Er ging iets mis; de wijziging is niet opgeslagen. Probeer het later opnieuw.")),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def error_page(status: int, message: str | None = None):
    title, default = TITLES.get(status, TITLES[400 if status < 500 else 500])
    if _wants_json():
        from ..api.blueprint import error_response
        return error_response(status, "error" if status != 404 else "not_found", message or str(default))
    return render_template("web/error.html", status=status, title=str(title),
                           message=message or str(default)), status


def refused(exc: Exception) -> str:
    """A page shows a refusal in its own form or notice: undo what the refused step did, so the
    one commit at the boundary (toeleiding/unit_of_work.py) keeps only what the page itself does
    (its access-log row); the message to show, in the page's language. The denied row of the
    attempt is written when the request ends (audit.operations.note_refusal)."""
    db.session.rollback()
    return getattr(exc, "message", "")


def init_app(app: Flask) -> None:
    # The denied rows of refused attempts, whoever answered them (a handler here or the view).
    app.after_request(write_refusals)
    from flask_login import current_user
    from sqlalchemy.orm.exc import StaleDataError

    from ..api.blueprint import error_response
    from ..crypto.keyring import KeyringError, UnknownKey
    from ..errors import N_, StaleVersion

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        db.session.rollback()
        return error_page(400, _("Het formulier is verlopen of niet via deze site verstuurd. Ga terug, "
                                 "vernieuw de pagina en probeer het opnieuw."))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        db.session.rollback()
        if _wants_json():
            return error_response(exc.code or 500, exc.name.lower().replace(" ", "_"), exc.description or exc.name)
        return error_page(exc.code or 500)

    @app.errorhandler(AppError)
    def _app_error(exc: AppError):
        db.session.rollback()
        # Every refused attempt is logged (a denied row, written when the request ends); a service
        # that refused has already named the event and the case (audit.operations.audited).
        note_refusal(current_user, request_action(), exc.extra.get("case_id"), exc)
        if _wants_json():
            body = exc.to_dict()
            if isinstance(exc, NotFound):
                body.pop("case_id", None)   # absent and out of scope look alike
            return jsonify({"error": body}), exc.status
        if isinstance(exc, NotFound):
            return error_page(404)
        return error_page(exc.status, exc.message)

    @app.errorhandler(StaleDataError)
    def _stale(exc):
        # Two writers passed the version check at once; the database let only one through.
        db.session.rollback()
        note_refusal(current_user, request_action(), (request.view_args or {}).get("case_id"), exc)
        e = StaleVersion(N_("Iemand anders heeft dit dossier intussen gewijzigd; bekijk de nieuwe stand."), "version")
        if _wants_json():
            return jsonify({"error": e.to_dict()}), e.status
        return error_page(e.status, e.message)

    @app.errorhandler(KeyringError)
    def _unreadable(exc):
        # A stored ciphertext that does not decrypt (copied from another row or column, tampered
        # with, or its key removed before `flask keys reencrypt`) is a fault for the administrator,
        # not a crash: a plain answer, and a log line naming the kind of failure, never the data.
        # An unknown key during a rotation means a phase was skipped on some worker.
        db.session.rollback()
        log.error("unreadable ciphertext in %s: %s%s", request.endpoint, exc,
                  " (a rotation phase not yet on every worker? README, 'Keys')" if isinstance(exc, UnknownKey) else "")
        message = _("Dit dossier kan niet worden ontsleuteld; neem contact op met de beheerder.")
        if _wants_json():
            return error_response(409, "unreadable_record", message)
        return error_page(409, message)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        # The type and place only: an exception's message can carry what was typed.
        db.session.rollback()
        log.error("unhandled %s in %s\n%s", type(exc).__name__, request.endpoint,
                  "".join(traceback.format_tb(exc.__traceback__)))
        if _wants_json():
            return error_response(500, "internal_error", _("Er ging iets mis; de wijziging is niet opgeslagen."))
        return error_page(500)
