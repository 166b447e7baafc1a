"""Pages of the web blueprint: sign-in and out, the second factor, language and public pages (the
work list and search are the cases feature's)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import clock
from ..errors import N_, NotPermitted, TooManyAttempts, Unauthorized, ValidationError
from ..extensions import db
from ..organisations.models import Municipality, Region
from ..organisations.util import list_locations
from ..users import throttle, totp
from ..users.operations import authenticate, set_password as set_user_password, user_for_password_token
from .auth import home_for, safe_next, sign_in, sign_out
from .errors import refused
from .i18n import LANGUAGES

bp = Blueprint("web", __name__)


@bp.before_app_request
def _client():
    g.client = "web"   # the address is logged in a column of its own


@bp.after_app_request
def _no_store(response):
    # Pages with children's data must not linger in a shared tablet's browser cache.
    if request.blueprint in ("web", "cases", "admin") and request.endpoint not in (
            "web.public_index", "web.public_municipality"):
        response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if not request.path.startswith("/api/"):
        response.headers.setdefault("Content-Security-Policy",
                                    "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                    "script-src 'self'; frame-ancestors 'none'; form-action 'self'")
    return response


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return redirect(url_for("web.login"))


@bp.route("/aanmelden", methods=["GET", "POST"])
def login():
    """Sign in: e-mail and password, then, for users with the second factor on, the code."""
    next_url = request.values.get("next")
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(next_url, home_for(current_user)))
    error, email, status, step = None, "", 401, "password"
    if request.method == "POST":
        pending = _pending_second_factor()
        try:
            if pending is not None and "totp" in request.form:
                user, step = pending, "totp"
                # Guessing codes is throttled like guessing passwords: the attempt is recorded
                # as failed and counted before the code is checked.
                throttle.check(user.email)
                try:
                    totp.check(user, request.form.get("totp", "")[:20])
                except NotPermitted:
                    raise Unauthorized(N_("De code klopt niet."))
                throttle.succeeded()
            else:
                email = request.form.get("email", "")[:254]
                user = authenticate(email, request.form.get("password", "")[:1000])
                db.session.commit()   # a rehashed password is kept
                if user.totp_enabled:
                    session["pending_2fa"] = {"uid": user.id, "at": clock.now().timestamp()}
                    return render_template("web/login.html", step="totp", error=None, email="",
                                           next=safe_next(next_url, ""))
        except (Unauthorized, TooManyAttempts) as exc:   # the same answer for an unknown account
            refused(exc)
            error, status = exc.message, exc.status
        else:
            sign_in(user)
            return redirect(safe_next(next_url, home_for(user)))
    return render_template("web/login.html", step=step, error=error, email=email,
                           next=safe_next(next_url, "")), (status if error else 200)


def _pending_second_factor():
    """The user who gave the right password in the last five minutes and still owes the code."""
    pending = session.get("pending_2fa")
    if not isinstance(pending, dict) or clock.now().timestamp() - pending.get("at", 0) > 300:
        return None
    from ..users.models import User
    user = db.session.get(User, pending.get("uid")) if isinstance(pending.get("uid"), int) else None
    return user if user is not None and user.active and user.totp_enabled else None


@bp.route("/account/tweestapsverificatie", methods=["GET", "POST"])
@login_required
def two_factor():
    """Switch on the second factor: a secret is proposed, a code from the app confirms it."""
    uri, error, status = None, None, 200
    if request.method == "POST":
        try:
            if request.form.get("action") == "propose":
                uri = totp.propose(current_user)
            else:
                totp.confirm(current_user, request.form.get("totp", "")[:20])
                flash(_("Tweestapsverificatie staat aan."), "success")
        except ValidationError as exc:
            refused(exc)
            error, status = exc.message, 422
        if uri is None and error is None:
            return redirect(home_for(current_user))
    secret = None
    if uri:
        from urllib.parse import parse_qs, urlsplit
        secret = parse_qs(urlsplit(uri).query).get("secret", [""])[0]
    return render_template("web/two_factor.html", uri=uri, secret=secret, error=error,
                           required=totp.required_for(current_user)), status


@bp.post("/afmelden")
def logout():
    sign_out(current_user if current_user.is_authenticated else None)
    flash(_("U bent afgemeld."), "success")
    return redirect(url_for("web.login"))


@bp.route("/wachtwoord/<token>", methods=["GET", "POST"])
def set_password(token):
    user = user_for_password_token(token)
    if user is None:
        return render_template("web/set_password.html", invalid=True, errors={}), 404
    errors = {}
    if request.method == "POST":
        try:
            set_user_password(user, request.form.get("password", "")[:1000], request.form.get("repeat", "")[:1000])
        except ValidationError as exc:
            refused(exc)
            errors[exc.field] = exc.message
        else:
            flash(_("Uw wachtwoord is ingesteld. U kunt zich nu aanmelden."), "success")
            return redirect(url_for("web.login"))
    return render_template("web/set_password.html", invalid=False, user=user, errors=errors), (422 if errors else 200)


@bp.post("/taal/<lang>")
def language(lang):
    # A POST with the CSRF token: changing the session on GET would let any page switch it.
    if lang not in LANGUAGES:
        abort(404)
    session["lang"] = lang
    return redirect(safe_next(request.form.get("next"), url_for("web.index")))


@bp.get("/ve")
def public_index():
    regions = list(db.session.scalars(select(Region).order_by(Region.name)))
    return render_template("web/public_index.html", regions=regions)


@bp.get("/ve/<code>")
def public_municipality(code):
    m = db.session.scalar(select(Municipality).where(Municipality.code == code.upper()[:6]))
    if m is None:
        abort(404)
    definition = m.definition_on(clock.today())
    locations = list_locations(m)
    from flask import current_app
    from ..organisations.models import LOCATION_SETTINGS
    from ..organisations.util import availability
    return render_template("web/public_municipality.html", municipality=m, definition=definition,
                           locations=locations, settings=LOCATION_SETTINGS,
                           available=availability(locations, current_app.config["SUPPRESSION_THRESHOLD"]))
