"""The error hierarchy of the services, mapped to HTTP in one place (web/errors.py).

A message is a Dutch msgid marked with ``N_`` and named parameters (``%(name)s``), translated when
it is read rather than when it is raised: services also run in CLI commands and the scheduler,
where there is no request and so no language to translate into.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Callable

from flask import has_request_context


# How a date parameter of a message reads: dates.py (which imports this module, so this one
# cannot import it) installs the pages' format when it is loaded; ISO until then.
format_date_param: Callable[[dt.date], str] = dt.date.isoformat


def N_(msgid: str) -> str:
    """Marks ``msgid`` for pybabel (``-k N_``) and returns it untranslated; AppError translates it."""
    return msgid


class AppError(Exception):
    """Base of every error a service raises on purpose.

    ``params`` fill the msgid's ``%(name)s`` placeholders; a value that itself needs translating
    (a field label) is passed lazily (``lazy_gettext``) so that it follows the message's language.
    ``extra`` goes into the JSON body next to the message.
    """

    status = 400
    code = "error"

    def __init__(self, message: str, field: str | None = None, *, params: dict[str, Any] | None = None,
                 **extra):
        super().__init__(message)
        self.msgid = message
        self.params = params or {}
        self.field = field
        self.extra = extra

    @property
    def message(self) -> str:
        """The text in the current request's language; the Dutch text outside a request."""
        params = self._readable_params()
        if has_request_context():
            from flask_babel import gettext
            return gettext(self.msgid, **params)
        return self.msgid % params if params else self.msgid

    def _readable_params(self) -> dict[str, Any]:
        """A date parameter in the reader's language and the one date format of the pages."""
        if not any(isinstance(v, dt.date) for v in self.params.values()):
            return self.params
        return {k: format_date_param(v) if isinstance(v, dt.date) else v for k, v in self.params.items()}

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict:
        body = {"code": self.code, "message": self.message, "field": self.field}
        body.update(self.extra)
        return body


class ValidationError(AppError):
    """Bad input; names the field (dotted path for nested data, e.g. ``child.bsn``)."""

    status = 422
    code = "validation_error"


class BadRequest(AppError):
    status = 400
    code = "bad_request"


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"


class NotPermitted(AppError):
    """The caller can see the object but may not do this to it."""

    status = 403
    code = "forbidden"


class NotFound(AppError):
    """Absent, or outside the caller's scope: the two are indistinguishable on purpose."""

    status = 404
    code = "not_found"


class Conflict(AppError):
    status = 409
    code = "conflict"


class StaleVersion(Conflict):
    code = "stale_version"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class TooManyAttempts(AppError):
    status = 429
    code = "too_many_attempts"


class DuplicateCase(Conflict):
    code = "duplicate_case"
