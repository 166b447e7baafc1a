"""The error hierarchy of the services, mapped to HTTP in one place (api/blueprint.py)."""
from __future__ import annotations


class AppError(Exception):
    """Base of every error a service raises on purpose."""

    status = 400
    code = "error"

    def __init__(self, message: str, field: str | None = None, **extra):
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra

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
