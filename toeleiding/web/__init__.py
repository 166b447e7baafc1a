"""The frame of the server-rendered pages: sign-in, sessions, CSRF, i18n, navigation, error pages
and the public pages; each feature registers its own page blueprint."""
from __future__ import annotations

from flask import Flask


def init_web(app: Flask) -> None:
    """Wire CSRF, translations, sessions, the page blueprints and the error pages into ``app``."""
    from flask_wtf.csrf import CSRFProtect

    from ..api.blueprint import bp as api_bp
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
    app.register_blueprint(web_bp)   # the features register their own pages (create_app)
    from .capacity import bp as capacity_bp
    app.register_blueprint(capacity_bp)   # a VE provider's own locations' capacity (issue 12.4)
    errors.init_app(app)
    nav.init_app(app)
