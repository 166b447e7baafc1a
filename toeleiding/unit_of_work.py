"""One unit of work per request, committed at one boundary.

Every view (page or API handler) is wrapped once all routes exist (create_app): when it returned
an answer, the boundary commits once and then runs what was queued to happen only after a commit
(e-mail). Views and services never commit or roll back themselves. An error they raise reaches
the error handlers (web/errors.py for pages, api/blueprint.py for the API), which roll back and
map it to an error page or a JSON error; a page that shows a refusal in its form catches it with
``web.errors.refused()``, which rolls back what the refused step did, so what the boundary then
commits is only what the page itself did (its access-log row).
A few steps are their own unit of work on purpose and say so where they commit: a sign-in
attempt is committed before it is counted (users/throttle.py), a session's sign-in stamp.
"""
from __future__ import annotations

import contextlib
import functools
from typing import Any, Callable

import click
from flask import Flask, g

from .extensions import db

_AFTER_COMMIT = "toeleiding.after_commit"


def after_commit(fn: Callable[[], Any]) -> None:
    """Run ``fn`` after this request's unit of work committed (never if it rolled back)."""
    g.setdefault(_AFTER_COMMIT, []).append(fn)


def wrap_views(app: Flask) -> None:
    for endpoint, view in list(app.view_functions.items()):
        if endpoint != "static" and not getattr(view, "_unit_of_work", False):
            app.view_functions[endpoint] = _committing(view)


def _committing(view):
    @functools.wraps(view)
    def unit_of_work(*args, **kwargs):
        answer = view(*args, **kwargs)
        db.session.commit()
        for fn in g.pop(_AFTER_COMMIT, []):
            fn()
        return answer
    unit_of_work._unit_of_work = True   # type: ignore[attr-defined]
    return unit_of_work


@contextlib.contextmanager
def command_unit_of_work():
    """A CLI command's one unit of work: committed when the block ends; a service's refusal rolls
    it back and stops the command with the message, after the field it names (``field: …``)."""
    from .errors import AppError
    try:
        yield
        db.session.commit()
    except AppError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc.field}: {exc.message}" if exc.field else exc.message) from None
