"""HTTP hardening applied to every response: CSP, framing, sniffing, caching, cookies."""
from __future__ import annotations

import datetime as dt

from flask import Flask, request

# No inline script or style anywhere: every asset is a file served by the app itself.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")


def init_app(app: Flask) -> None:
    production = app.config["ENV_NAME"] == "production"
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=production,       # development runs on plain http://127.0.0.1
        # The session cookie is not permanent: it ends with the browser (a shared clinic PC). The
        # server ends a session after the idle time and SESSION_MAX_HOURS after sign-in (web/auth.py);
        # this bound only applies if a session is ever made permanent.
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=app.config.get("SESSION_MAX_HOURS", 10)),
        REMEMBER_COOKIE_DURATION=dt.timedelta(0),
    )
    app.before_request(_refuse_nul)
    app.after_request(_headers)


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _refuse_nul():
    """No text field anywhere takes a NUL character, and PostgreSQL cannot store one: refuse it
    up front with a 400 rather than fail deep inside a query."""
    body = request.get_json(silent=True) if request.is_json else None
    if (_has_nul(request.path) or any(_has_nul(v) for v in request.args.values())
            or any(_has_nul(v) for v in request.form.values()) or _has_nul(body)):
        from .errors import N_, BadRequest
        raise BadRequest(N_("Het verzoek bevat een ongeldig teken (NUL)."))


def _headers(response):
    h = response.headers
    h.setdefault("Content-Security-Policy", CSP)
    h["X-Content-Type-Options"] = "nosniff"
    h["X-Frame-Options"] = "DENY"
    h["Referrer-Policy"] = "same-origin"
    h["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.endpoint != "static":
        # Pages and API answers may carry a child's data: never keep them in a cache.
        h["Cache-Control"] = "no-store"
        h["Pragma"] = "no-cache"
    return response
