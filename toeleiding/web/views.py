"""Pages of the web blueprint: sign-in and out, the work list, search, language and public pages."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import clock
from ..cases.operations import log_access
from ..cases.util import search_cases, status_seen_by, work_list_counts, work_list_page, work_lists_for
from ..cases.validation import normalise_bsn
from ..errors import N_, NotPermitted, TooManyAttempts, Unauthorized, ValidationError
from ..extensions import db
from ..numbers import parse_whole_number
from ..organisations.models import Municipality, Region
from ..organisations.util import list_locations
from ..users import throttle, totp
from ..users.operations import authenticate, set_password as set_user_password, user_for_password_token
from ..workflow import current_workflow
from .auth import home_for, roles_required, safe_next, sign_in, sign_out
from .i18n import LANGUAGES, nldate, state_label

bp = Blueprint("web", __name__)
PER_PAGE = 50


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
            db.session.rollback()
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
            db.session.commit()
        except ValidationError as exc:
            db.session.rollback()
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
            db.session.rollback()
            errors[exc.field] = exc.message
        else:
            db.session.commit()
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


def _scope_municipalities() -> list[Municipality]:
    """The municipalities a user can filter on: those of the organisation's region."""
    region_id = current_user.organisation.region_id
    if current_user.role == "cjg":
        return list(current_user.organisation.municipalities)
    return list(db.session.scalars(select(Municipality).where(Municipality.region_id == region_id)
                                   .order_by(Municipality.name)))


def _page_arg() -> int:
    return parse_whole_number(request.args.get("pagina", "1"), "pagina", maximum=100000,
                              message=N_("Ongeldig paginanummer."))


@bp.get("/werkvoorraad")
@login_required
def worklist():
    if current_user.role == "admin":
        return redirect(url_for("admin.index"))
    lists = work_lists_for(current_user)
    if not lists:   # municipal policy officers see numbers only, never a child
        return render_template("web/worklist_none.html")
    municipalities = _scope_municipalities()
    filters, errors = {}, {}
    code = request.args.get("gemeente", "")
    municipality = None
    if code:
        municipality = next((m for m in municipalities if m.code == code), None)
        if municipality is None:
            errors["gemeente"] = _("Onbekende gemeente.")
    state = request.args.get("status", "")
    if state and state not in current_workflow().states:
        errors["status"] = _("Onbekende status.")
        state = ""
    key = request.args.get("lijst") or lists[0].key
    selected = next((wl for wl in lists if wl.key == key), None)
    if selected is None:
        errors["lijst"] = _("Onbekende lijst.")
        selected = lists[0]
    try:
        page = _page_arg()
    except ValidationError as exc:
        errors["pagina"], page = exc.message, 1
    mid = municipality.id if municipality else None
    counts = work_list_counts(current_user, mid, state or None)
    rows = work_list_page(current_user, selected, page, PER_PAGE, mid, state or None)
    if rows:
        log_access(current_user, "list", [c.id for c in rows])
    items = _worklist_rows(rows)
    db.session.commit()
    filters = {"gemeente": municipality.code if municipality else "", "status": state}
    total = counts[selected.key]
    return render_template("web/worklist.html", lists=lists, counts=counts, selected=selected, items=items,
                           municipality_options=[(m.code, m.name) for m in municipalities],
                           state_options=[(s, state_label(s)) for s in current_workflow().states],
                           filters=filters, errors=errors, page=page, pages=max(1, -(-total // PER_PAGE)),
                           total=total), (400 if errors else 200)


def _worklist_rows(rows) -> list[dict]:
    """Each row's text, formatted here once: translations are looked up per page, not per cell."""
    from flask_babel import get_translations
    today, tr = clock.today(), get_translations()
    months, labels, items = tr.gettext("%(m)s mnd"), {}, []
    erased = _("(gegevens verwijderd)")
    from ..crypto.keyring import KeyringError
    unreadable = _("(niet te ontsleutelen: meld het de beheerder)")
    for c in rows:
        status = status_seen_by(c, current_user)   # a provider the child left sees it as it left it
        days = (today - status.state_since).days
        if status.state not in labels:
            labels[status.state] = state_label(status.state)
        try:
            born = c.birth_date
            # The retention job erases the personal data of long-closed cases; their history stays.
            name = f"{c.given_name} {c.family_name}" if c.given_name is not None else erased
        except KeyringError:   # one damaged record must not take the whole work list down
            born, name = None, unreadable
        items.append({"url": url_for("cases.show", case_id=c.id), "name": name, "birth_date": nldate(born),
                      "age": months % {"m": clock.months_between(born, today)} if born else "",
                      "municipality": c.municipality.name, "state": status.state,
                      "state_label": labels[status.state], "state_since": nldate(status.state_since),
                      "days": tr.ngettext("%(num)s dag", "%(num)s dagen", days) % {"num": days}})
    return items


@bp.route("/zoeken", methods=["GET", "POST"])
@roles_required("jgz", "ve", "cjg")
def search():
    # A search is a POST: a BSN or a name in the URL would end up in access logs, the browser's
    # history and a sign-in redirect's next=. GET only shows the empty form; an old URL with a
    # query string is sent to the bare address, so the page does not repeat it in its own links.
    if request.method == "GET" and request.args:
        return redirect(url_for("web.search"))
    errors, results, searched, more = {}, [], False, False
    form = request.form if request.method == "POST" else {}
    bsn_raw = form.get("bsn", "").strip()[:50]
    name = form.get("achternaam", "").strip()[:200]
    given = form.get("voornaam", "").strip()[:200]
    bsn = None
    if bsn_raw:
        try:
            bsn = normalise_bsn(bsn_raw, "bsn")
        except ValidationError as exc:
            errors["bsn"] = exc.message
    elif request.method == "POST" and not name:
        field = "bsn" if "bsn" in form else "achternaam"
        errors[field] = _("Vul een BSN in.") if field == "bsn" else _("Vul een achternaam in.")
    if (bsn or name) and not errors:
        searched = True
        found = search_cases(current_user, bsn=bsn, family_name=None if bsn else name, given_name=given or None,
                             limit=SEARCH_LIMIT)
        more = found.more
        results = [_search_row(c) for c in found.cases]
        log_access(current_user, "search", [c.id for c in found.cases] or [None])
        db.session.commit()
    return render_template("web/search.html", errors=errors, results=results, searched=searched, more=more,
                           limit=SEARCH_LIMIT, values={"bsn": bsn_raw, "achternaam": name, "voornaam": given},
                           may_search_bsn=current_user.role == "jgz"), (422 if errors else 200)


SEARCH_LIMIT = 50


def _search_row(c) -> dict:
    from ..crypto.keyring import KeyringError
    try:
        name = f"{c.given_name or ''} {c.family_name or ''}"
        born = c.birth_date
    except KeyringError:   # one damaged record must not take the whole answer down
        name, born = _("(niet te ontsleutelen: meld het de beheerder)"), None
    return {"id": c.id, "name": name, "birth_date": born, "municipality": c.municipality.name,
            "state": status_seen_by(c, current_user).state}


# --- Public pages: no sign-in, public information only (locations are in the LRK anyway) ---

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
    return render_template("web/public_municipality.html", municipality=m, definition=definition,
                           locations=locations)
