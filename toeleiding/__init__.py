"""Toeleiding: each toddler's referral to early-childhood education (VE), from JGZ signal to school."""
from __future__ import annotations

import logging
import os
import secrets
import tempfile
from pathlib import Path

from flask import Flask

from .config import PROJECT_ROOT, ConfigError, load_config


def create_app(test_config: dict | None = None) -> Flask:
    """The application factory: configuration, keys and workflow are checked before anything runs."""
    app = Flask(__name__, instance_path=os.environ.get("TOELEIDING_INSTANCE_PATH") or str(PROJECT_ROOT / "instance"),
                template_folder=str(PROJECT_ROOT / "templates"))
    os.makedirs(app.instance_path, exist_ok=True)
    config = load_config(app.instance_path)
    config.update(test_config or {})
    app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _development_secret(Path(app.instance_path))
    if app.config.get("TRUSTED_PROXIES"):
        # The client's address (audit log, per-address throttle) and scheme as the proxies saw
        # them; only the configured number of hops is believed, never what the client claims.
        from werkzeug.middleware.proxy_fix import ProxyFix
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    from .crypto.keyring import KeyringError, KeyStore
    from .workflow import WorkflowError, load_workflow

    try:
        app.extensions["toeleiding.keys"] = KeyStore(app.config)
    except KeyringError as exc:
        raise ConfigError(f"keys: {exc}") from None
    try:
        app.extensions["toeleiding.workflow"] = load_workflow(app.config["WORKFLOW_FILE"])
    except WorkflowError as exc:
        raise ConfigError(f"workflow: {exc}") from None

    from .extensions import db, login_manager, migrate
    from . import models  # noqa: F401  (every table, for Alembic and relationships)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    login_manager.init_app(app)

    from .api.blueprint import JSONRequest, bp as api_bp
    from .numbers import IdConverter
    app.request_class = JSONRequest               # a JSON body nested too deep is a 400, not a crash
    app.url_map.converters["id"] = IdConverter   # <id:…>, a row id; before any blueprint adds a route
    # Each feature's JSON routes register on the one API blueprint (its auth and error mapping)
    # when imported; the blueprint itself imports none of them.
    from .api import views as _auth_api  # noqa: F401
    from .cases import api as _cases_api  # noqa: F401
    from .monitor import api as _monitor_api  # noqa: F401
    from .api import reference as _reference_api  # noqa: F401
    from .privacy import api as _privacy_api  # noqa: F401
    from .reminders import api as _reminders_api  # noqa: F401
    from .outreach import api as _outreach_api  # noqa: F401
    from .signals import api as _signals_api  # noqa: F401
    from .admin import api as _admin_api  # noqa: F401
    from . import openapi as _openapi  # noqa: F401
    app.register_blueprint(api_bp)

    from .users import init_app as init_users
    init_users(app)   # an organisation with active users stays in use

    from .web import init_web
    init_web(app)   # pages, sign-in sessions, CSRF (the API is exempt), translations, error pages

    from .admin.views import bp as admin_bp
    from .cases.views import bp as cases_bp
    app.register_blueprint(cases_bp)   # case pages, the work list and search
    app.register_blueprint(admin_bp)   # the region's administration

    from .privacy import init_app as init_privacy
    init_privacy(app)   # the privacy officer's log, break-the-glass, parents' export, nightly retention
    from .organisations.commands import run_region_sync
    from .reminders.scheduler import add_job
    # Each night: a municipality whose membership of a region starts today gets it as current region.
    add_job(app, "region_sync", run_region_sync, "cron", hour=0, minute=7)

    from .outreach import init_app as init_outreach
    init_outreach(app)   # contact attempts: the case page's form, the timeline, the workflow check
    from .signals import init_app as init_signals
    init_signals(app)   # signals from VE and CJG to JGZ: the page, JGZ's work list tab, assessing

    from .reminders import init_app as init_reminders
    init_reminders(app)   # inbox and bereik-overleg pages, header badge, the dev server's scheduler

    from .monitor import init_app as init_monitor
    init_monitor(app)   # monitor pages, downloads, publishing, recoding 'other'
    from .push import init_app as init_push
    init_push(app)   # the published monitor pushed to the region's directories and HTTPS endpoints

    from . import security
    security.init_app(app)   # CSP, no-store, framing, cookie flags on every response

    from .commands import register_commands
    register_commands(app)

    from .unit_of_work import wrap_views
    wrap_views(app)   # every view commits once, at the boundary, now that all routes exist

    if app.config.get("CHECK_STORED_DATA", not app.testing):
        from .workflow_data import guard
        guard(app)   # stored states, reasons and outcomes must all be in the workflow file

    logging.getLogger("transitions").setLevel(logging.WARNING)
    if not logging.getLogger().handlers and not app.testing:
        # Workers log to stderr (gunicorn and systemd collect it). Messages never carry
        # submitted values; see the error handlers.
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return app


def _development_secret(instance: Path) -> str:
    """A per-checkout random session key, kept in the instance folder (mode 0600).

    Several processes may start at once on a fresh checkout (gunicorn workers, two sweeps), so the
    key is written whole to a private file first and then linked into place: link() refuses an
    existing name, so exactly one key wins and nobody ever reads a half-written file.
    """
    path = instance / "secret_key"
    if not path.exists():
        fd, tmp = tempfile.mkstemp(dir=instance, prefix=".secret_key.")   # mkstemp makes it 0600
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass   # another process got there first: use its key
        finally:
            os.unlink(tmp)
    return path.read_text().strip()
