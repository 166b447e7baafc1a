"""The server-rendered web application: sign-in, work list, search, public pages, errors, i18n."""
from __future__ import annotations

from flask import Flask


def init_web(app: Flask) -> None:
    """Wire CSRF, translations, sessions, the page blueprints and the error pages into ``app``."""
    from flask_wtf.csrf import CSRFProtect

    from ..admin.views import bp as admin_bp
    from ..api.blueprint import bp as api_bp
    from ..cases.views import bp as cases_bp
    from . import auth, errors, i18n, nav
    from .views import bp as web_bp

    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    if app.config.get("ENV_NAME") == "production":
        app.config.setdefault("SESSION_COOKIE_SECURE", True)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)   # the session's idle timeout bounds it instead

    csrf = CSRFProtect(app)
    csrf.exempt(api_bp)   # bearer tokens, not cookies: no cross-site request can carry one

    i18n.init_app(app)
    auth.init_app(app)
    for bp in (web_bp, cases_bp, admin_bp):
        app.register_blueprint(bp)
    errors.init_app(app)
    nav.init_app(app)
