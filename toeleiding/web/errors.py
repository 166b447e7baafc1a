"""Error pages for the web (JSON for anything under /api/): never a trace, never submitted values."""
from __future__ import annotations

import logging
import traceback

from flask import Flask, render_template, request
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

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        db.session.rollback()
        return error_page(400, _("Het formulier is verlopen of niet via deze site verstuurd. Ga terug, "
                                 "vernieuw de pagina en probeer het opnieuw."))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        db.session.rollback()
        return error_page(exc.code or 500)

    @app.errorhandler(AppError)
    def _app_error(exc: AppError):
        db.session.rollback()
        # Every refused attempt is logged, as in the API (api/blueprint.py).
        from flask_login import current_user
        note_refusal(current_user, request_action(), exc.extra.get("case_id"), exc)
        if isinstance(exc, NotFound):
            return error_page(404)
        return error_page(exc.status, exc.message)

    from ..crypto.keyring import KeyringError

    @app.errorhandler(KeyringError)
    def _unreadable(exc):
        # As in the API: a record that does not decrypt is a fault for the administrator.
        db.session.rollback()
        log.error("unreadable ciphertext in %s: %s", request.endpoint, exc)
        return error_page(409, _("Dit dossier kan niet worden ontsleuteld; neem contact op met de beheerder."))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        # The type and place only: an exception's message can carry what was typed.
        db.session.rollback()
        log.error("unhandled %s in %s\n%s", type(exc).__name__, request.endpoint,
                  "".join(traceback.format_tb(exc.__traceback__)))
        return error_page(500)
