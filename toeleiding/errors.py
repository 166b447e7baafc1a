"""The error hierarchy of the services, mapped to HTTP in one place (web/errors.py).

A message is a Dutch msgid marked with ``N_`` and named parameters (``%(name)s``), translated when
it is read rather than when it is raised: services also run in CLI commands and the scheduler,
where there is no request and so no language to translate into.
"""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from typing import Any, Callable, Iterator

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

    def each(self) -> list[AppError]:
        """Every error this one stands for: itself, or each field's of a ``FieldErrors``."""
        return [self]

    def field_errors(self) -> list[AppError]:
        """The errors of each field at fault: this one, if it names a field."""
        return [e for e in self.each() if e.field]

    def to_dict(self) -> dict:
        """The API's error body: the first error's code, message and field, then every field at
        fault (``fields``: a one-item list for a single field, empty when no field is at fault)."""
        body = {"code": self.code, "message": self.message, "field": self.field,
                "fields": [{"field": e.field, "message": e.message} for e in self.field_errors()]}
        body.update(self.extra)
        return body


class ValidationError(AppError):
    """Bad input; names the field (dotted path for nested data, e.g. ``child.bsn``)."""

    status = 422
    code = "validation_error"


class FieldErrors(ValidationError):
    """Several fields of one request at fault, raised together so that the user sees every error
    at once. It reads as its first error (code, message, field: what a caller that knows only
    ``ValidationError`` shows); ``errors`` holds them all, in the order the fields were checked."""

    def __init__(self, errors: list[ValidationError]):
        first = errors[0]
        super().__init__(first.msgid, first.field, params=first.params, **first.extra)
        self.status, self.code = first.status, first.code
        self.errors = list(errors)

    def each(self) -> list[AppError]:
        return list(self.errors)


class ErrorCollector:
    """Collects the field errors of one request; ``raise_if_any`` raises them together.

        errors = ErrorCollector()
        with errors.check():
            name = parse_name(raw)      # a ValidationError here is kept, and the block ends
        errors.raise_if_any()           # a FieldErrors of all kept errors (the only one: itself)
    """

    def __init__(self) -> None:
        self.errors: list[ValidationError] = []

    @contextmanager
    def check(self) -> Iterator[None]:
        try:
            yield
        except FieldErrors as exc:
            self.errors.extend(exc.errors)
        except ValidationError as exc:
            self.errors.append(exc)

    def has(self, field: str) -> bool:
        return any(e.field == field for e in self.errors)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise FieldErrors(self.errors)


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
