"""Web sessions: sign-in state, the server-side sign-out check, idle and absolute timeout, a safe ``next``."""
from __future__ import annotations

import functools
from typing import Callable, Iterable
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from .. import clock
from ..extensions import db, login_manager
from ..numbers import whole_number
from ..users.models import User
from ..workflow import current_workflow
from ..workflow.definition import Workflow

# Pages that work without a session, and the static files: no idle check, no user load.
OPEN_ENDPOINTS = {"static", "web.login", "web.set_password", "web.language", "web.public_index",
                  "web.public_municipality", "web.index"}
# What an admin who must still switch on the second factor may open (production only).
ENROLMENT_ENDPOINTS = {"web.two_factor", "web.logout"}


def init_app(app: Flask) -> None:
    app.config.setdefault("IDLE_MINUTES", 30)
    app.config.setdefault("SESSION_MAX_HOURS", 10)
    login_manager.session_protection = "basic"
    login_manager.unauthorized_handler(_unauthorized)
    app.before_request(_idle_timeout)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The signed-in user, if the session is still current for them (not signed out since).

    Never under the API, which knows bearer tokens only (api/blueprint.py).
    """
    from ..api.blueprint import is_api_request
    if is_api_request(request):
        return None
    uid = whole_number(user_id)
    user = db.session.get(User, uid) if uid is not None else None
    if user is None or session.get("sv") != user.session_version:
        return None
    return user


def sign_in(user: User) -> None:
    lang = session.get("lang")
    session.clear()   # nothing from before sign-in carries over into the signed-in session
    if lang:
        session["lang"] = lang
    login_user(user)
    session["sv"] = user.session_version
    # "since" bounds the session's whole life (SESSION_MAX_HOURS), "seen" its idle time.
    session["since"] = session["seen"] = clock.now().timestamp()
    db.session.commit()   # the second factor's used time-step, so the code cannot sign in again


def sign_out(user: User | None) -> None:
    """End this session and, through the session version, every other copy of its cookie."""
    from ..users.operations import end_sessions
    if user is not None and user.is_authenticated:
        end_sessions(user)
        db.session.commit()
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang


def _idle_timeout():
    if request.endpoint in OPEN_ENDPOINTS or request.blueprint == "api" or "_user_id" not in session:
        return None
    now = clock.now().timestamp()
    seen, since = session.get("seen"), session.get("since")
    idle_minutes, max_hours = current_app.config["IDLE_MINUTES"], current_app.config["SESSION_MAX_HOURS"]
    # "seen" is renewed on every request, which keeps the cookie fresh for ever: "since" is
    # not, so a stolen or forgotten session ends a working day after sign-in at the latest.
    if not isinstance(since, (int, float)) or now - since > max_hours * 3600:
        message = _("U bent afgemeld omdat u langer dan %(hours)s uur bent aangemeld. Meld u opnieuw aan.",
                    hours=max_hours)
    elif not isinstance(seen, (int, float)) or now - seen > idle_minutes * 60:
        message = _("U bent afgemeld omdat u %(minutes)s minuten niets heeft gedaan. Meld u opnieuw aan.",
                    minutes=idle_minutes)
    else:
        message = None
    if message:
        logout_user()
        lang = session.get("lang")
        session.clear()
        if lang:
            session["lang"] = lang
        flash(message, "info")
        return redirect(url_for("web.login", next=_relative_url()))
    session["seen"] = now
    from ..users import totp
    if (request.endpoint not in ENROLMENT_ENDPOINTS and current_user.is_authenticated
            and totp.required_for(current_user) and not current_user.totp_enabled):
        flash(_("Stel eerst tweestapsverificatie in."), "info")
        return redirect(url_for("web.two_factor"))
    return None


def _relative_url() -> str:
    return request.full_path.rstrip("?") if request.method == "GET" else request.path


def _unauthorized():
    if request.path.startswith("/api/"):
        from ..api.blueprint import error_response
        return error_response(401, "unauthorized", "Aanmelden vereist.")
    flash(_("Meld u aan om deze pagina te zien."), "info")
    return redirect(url_for("web.login", next=_relative_url()))


def safe_next(target: str | None, default: str) -> str:
    """``target`` if it is a path on this site, else ``default``: never an open redirect."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def roles_required(*roles, action: str | None = None):
    """Signed in with one of ``roles``; anyone else gets the 403 page (anonymous: sign-in).

    ``roles`` are role names, or one function of the workflow giving them (``roles_from``), so
    a page whose roles the workflow file decides follows the file loaded, not a list in code.
    A refused role is a denied row in the access log, for ``action`` (default: "read" for a
    page, else the endpoint) and the page's case when it has one.
    """
    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed_roles(roles):
                from ..audit.operations import note_refusal, request_action
                note_refusal(current_user, action or request_action(), kwargs.get("case_id"))
                abort(403)
            return view(*args, **kwargs)
        wrapper.roles = roles
        return wrapper
    return decorate


def roles_from(fn: Callable[[Workflow], Iterable[str]]) -> Callable[[], tuple[str, ...]]:
    """Roles the workflow file decides: ``roles_from(lambda wf: wf.registration.signal)``, read
    from the workflow loaded whenever they are needed (a page's check, the header's menu)."""
    def roles() -> tuple[str, ...]:
        return tuple(fn(current_workflow()))
    return roles


def allowed_roles(roles) -> tuple[str, ...]:
    """``roles`` as names: a tuple of names, or (its one item) a ``roles_from`` function."""
    if len(roles) == 1 and callable(roles[0]):
        return roles[0]()
    return tuple(roles)


def home_for(user: User) -> str:
    """Where a user lands after sign-in and on ``/``: the administration for admins, the monitor
    for municipal users (they see figures, never a child: their work list would be empty), the
    work list for everyone else. Endpoints by name: the monitor is a feature above this one."""
    if user.role == "admin":
        return url_for("admin.index")
    if user.role == "gemeente" and "monitor.index" in current_app.view_functions:
        return url_for("monitor.index")
    return url_for("cases.worklist")
