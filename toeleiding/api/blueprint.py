"""The API blueprint: bearer-token authentication and the one mapping of errors to HTTP."""
from __future__ import annotations

import logging
import traceback

from flask import Blueprint, Request, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from ..crypto.keyring import KeyringError
from ..audit.operations import note_refusal, request_action
from ..errors import N_, AppError, BadRequest, NotFound, StaleVersion
from ..extensions import db, login_manager
from ..numbers import parse_whole_number
from ..users import totp
from ..users.models import User
from ..users.operations import user_for_token

bp = Blueprint("api", __name__, url_prefix="/api/v1")
log = logging.getLogger(__name__)
PUBLIC_ENDPOINTS = {"api.login", "api.openapi"}
# What an admin may do in production before the second factor is set up.
ENROLMENT_ENDPOINTS = PUBLIC_ENDPOINTS | {"api.me", "api.logout", "api.totp_setup", "api.totp_confirm"}


# The session user_loader lives in web/auth.py: it also checks that the session was not signed out.
# The two never mix. Under the API the user comes from the bearer token alone: a page session's
# cookie has its idle and maximum limits and its CSRF check on the pages only, and a browser sends
# it on its own. Pages in turn ignore a bearer token, so the idle and sign-out checks always apply.


def is_api_request(req) -> bool:
    """Whether ``req`` is for the API (matched or not: an unknown API path is the API's too)."""
    return req.path.startswith(bp.url_prefix + "/")


@login_manager.request_loader
def _load_user_from_request(req) -> User | None:
    if not is_api_request(req):
        return None
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token:
        return user_for_token(token.strip())
    return None


def error_response(status: int, code: str, message: str, field: str | None = None, **extra):
    body = {"code": code, "message": message, "field": field}
    body.update(extra)
    return jsonify({"error": body}), status


@bp.before_request
def _authenticate():
    g.client = "api"
    if request.endpoint not in PUBLIC_ENDPOINTS and not current_user.is_authenticated:
        return error_response(401, "unauthorized", _("Aanmelden vereist (Authorization: Bearer <token>)."))
    if (current_user.is_authenticated and request.endpoint not in ENROLMENT_ENDPOINTS
            and totp.required_for(current_user) and not current_user.totp_enabled):
        return error_response(403, "totp_enrolment_required",
                              _("Stel eerst tweestapsverificatie in (POST /auth/totp/setup en /auth/totp/confirm)."))


@bp.errorhandler(AppError)
def _app_error(exc: AppError):
    db.session.rollback()
    # Every refused attempt is logged (a denied row, written when the request ends); a service
    # that refused has already named the event and the case (audit.operations.audited).
    note_refusal(current_user, request_action(), exc.extra.get("case_id"), exc)
    body = exc.to_dict()
    if isinstance(exc, NotFound):
        body.pop("case_id", None)
    return jsonify({"error": body}), exc.status


@bp.errorhandler(StaleDataError)
def _stale(exc):
    # Two writers passed the version check at once; the database let only one through.
    db.session.rollback()
    note_refusal(current_user, request_action(), (request.view_args or {}).get("case_id"), exc)
    e = StaleVersion(N_("Iemand anders heeft dit dossier intussen gewijzigd; bekijk de nieuwe stand."), "version")
    return jsonify({"error": e.to_dict()}), e.status


@bp.errorhandler(KeyringError)
def _unreadable(exc):
    # A stored ciphertext that does not decrypt (copied from another row or column, tampered
    # with, or its key removed before `flask keys reencrypt`) is a fault for the administrator,
    # not a crash: a plain answer, and a log line naming the kind of failure, never the data.
    # An unknown key during a rotation means a phase was skipped on some worker.
    from ..crypto.keyring import UnknownKey
    db.session.rollback()
    log.error("unreadable ciphertext in %s: %s%s", request.endpoint, exc,
              " (a rotation phase not yet on every worker? README, 'Keys')" if isinstance(exc, UnknownKey) else "")
    return error_response(409, "unreadable_record",
                          _("Dit dossier kan niet worden ontsleuteld; neem contact op met de beheerder."))


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    db.session.rollback()
    return error_response(exc.code or 500, exc.name.lower().replace(" ", "_"), exc.description or exc.name)


@bp.errorhandler(Exception)
def _unexpected(exc: Exception):
    # Log the type and place only: exception messages can carry submitted values.
    db.session.rollback()
    log.error("unhandled %s in %s\n%s", type(exc).__name__, request.endpoint,
              "".join(traceback.format_tb(exc.__traceback__)))
    return error_response(500, "internal_error", _("Er ging iets mis; de wijziging is niet opgeslagen."))


def int_arg(name: str, default: int, maximum: int) -> int:
    """A whole-number query argument from 1 to ``maximum``, or a 422 naming it."""
    raw = request.args.get(name)
    if raw is None:
        return default
    return parse_whole_number(raw, name, maximum=maximum, params={"name": name},
                              message=N_("'%(name)s' moet een getal van 1 tot en met %(max)s zijn."))


# No body of the API nests deeper than a few levels. A deeper one is refused before anything reads
# it: the parser itself gives up (RecursionError) somewhere past 900 levels, and code that walks a
# parsed body (the NUL check in security.py) would give up on a little less.
MAX_JSON_DEPTH = 20


class JSONRequest(Request):
    """The application's request (set in create_app): a JSON body nested too deep is a 400, everywhere."""

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True):
        try:
            data = super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:
            data = _TOO_DEEP
        if data is _TOO_DEEP or _depth(data) > MAX_JSON_DEPTH:
            raise BadRequest(N_("Het JSON-bericht is te diep genest (hoogstens %(max)s niveaus)."), None,
                             params={"max": MAX_JSON_DEPTH})
        return data


_TOO_DEEP = object()


def _depth(value) -> int:
    """How deep lists and objects nest in ``value``, counted without recursion, up to just past the limit."""
    deepest, todo = 0, [(value, 1)]
    while todo and deepest <= MAX_JSON_DEPTH:
        item, depth = todo.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            todo.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest(N_("Stuur een JSON-object (Content-Type: application/json)."), None)
    return data
