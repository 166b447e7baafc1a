"""The API blueprint: bearer-token authentication, the JSON error shape and request helpers (the
mapping of errors to HTTP, JSON and pages alike, is one module: web/errors.py)."""
from __future__ import annotations

import logging

from flask import Blueprint, Request, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import N_, BadRequest
from ..extensions import login_manager
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
    """The API's error body, as ``AppError.to_dict`` writes it (``fields``: the field at fault, if any)."""
    body = {"code": code, "message": message, "field": field,
            "fields": [{"field": field, "message": message}] if field else []}
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


def int_arg(name: str, default: int, maximum: int, source=None) -> int:
    """A whole-number query argument (or member of ``source``, a JSON body) from 1 to
    ``maximum``, or a 422 naming it."""
    raw = (request.args if source is None else source).get(name)
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
