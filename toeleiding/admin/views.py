"""Administration pages. The region is the administrator's organisation's region; nothing outside it."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from ..errors import N_, Conflict, ValidationError
from ..extensions import db
from ..organisations.models import ORGANISATION_KINDS, Location, Municipality, Organisation
from ..organisations.models import TargetGroupDefinition
from ..organisations.operations import (add_definition, create_location, create_organisation, deactivate_organisation,
                                        end_definition, reactivate_organisation, update_location, update_organisation,
                                        update_public_text, PUBLIC_TEXT_FIELDS, PUBLIC_TEXT_MAX)
from ..organisations.util import list_organisations, municipality_in_region, organisation_in_region
from ..organisations.models import TARGET_KINDS
from ..organisations.operations import (FIGURE_FIELDS, SINCE_EVER, create_municipality, figures_dict, figures_history,
                                        figures_of, join_region, leave_region, list_targets, memberships_of,
                                        parse_year, set_figures, set_target)
from ..organisations.util import ever_in_region, get_municipality, region_municipalities, region_municipality
from .. import clock
from .forms import parse_weeks_open
from ..dates import parse_date
from ..users.mail import send_set_password
from ..users.models import User
from ..workflow import current_workflow
from ..users.operations import deactivate_user, invite_user, reactivate_user, reset_password
from ..web.auth import roles_required
from ..unit_of_work import after_commit
from ..web.errors import refused
from ..web.i18n import nldate
from ..organisations.operations import set_location_capacity
from ..web.capacity import capacity_context, form_values as capacity_form_values
from . import forms
from .diagram import workflow_diagram

bp = Blueprint("admin", __name__, url_prefix="/beheer")
KIND_LABELS = {"jgz": _l("JGZ"), "ve_provider": _l("VE-aanbieder"), "cjg": _l("CJG / lokaal team"),
               "municipality": _l("Gemeente"), "school": _l("School")}


@bp.before_request
@roles_required("admin")
def _admins_only():
    return None


def _region_id() -> int:
    return current_user.organisation.region_id


def _municipalities() -> list[Municipality]:
    return list(db.session.scalars(select(Municipality).where(Municipality.region_id == _region_id())
                                   .order_by(Municipality.name)))


def _municipality(raw: str | None, field: str = "municipality") -> Municipality:
    return municipality_in_region(_region_id(), raw, field)


def _organisation(raw: str | None, field: str = "organisation") -> Organisation:
    return organisation_in_region(_region_id(), raw, field)


def _get_or_404(model, ident: int):
    """A row by id, 404 for ids no INTEGER column can hold (PostgreSQL would refuse the query)."""
    if not 0 < ident < 2**31:
        abort(404)
    return _in_region_or_404(db.session.get(model, ident))


def _in_region_or_404(obj):
    region_id = None if obj is None else obj.organisation.region_id if isinstance(obj, User) else (
        obj.municipality.region_id if isinstance(obj, (Location, TargetGroupDefinition)) else
        obj.region_id if isinstance(obj, (Organisation, Municipality)) else None)
    if obj is None or region_id != _region_id():
        abort(404)
    return obj


@bp.get("")
def index():
    counts = {
        "organisations": len(list_organisations(_region_id())),
        "users": db.session.query(User).join(Organisation).filter(Organisation.region_id == _region_id()).count(),
        "locations": len(_locations()),
        "municipalities": len(_municipalities()),
    }
    return render_template("admin/index.html", counts=counts)


@bp.route("/organisaties", methods=["GET", "POST"])
def organisations():
    errors, values, status = {}, {}, 200
    if request.method == "POST":
        values = request.form
        try:
            munis = [_municipality(v) for v in request.form.getlist("municipalities")]
            org = create_organisation(request.form.get("name", "")[:200], request.form.get("kind", ""),
                                      current_user.organisation.region, munis)
            flash(_("Organisatie %(name)s is toegevoegd.", name=org.name), "success")
            return redirect(url_for("admin.organisations"))
        except ValidationError as exc:
            refused(exc)
            errors[exc.field or "_form"], status = exc.message, 422
    return render_template("admin/organisations.html", organisations=list_organisations(_region_id()),
                           kind_options=[(k, str(KIND_LABELS.get(k, k))) for k in ORGANISATION_KINDS],
                           kind_labels={k: str(v) for k, v in KIND_LABELS.items()},
                           municipalities=_municipalities(), errors=errors, values=values), status


@bp.route("/organisaties/<id:organisation_id>", methods=["GET", "POST"])
def organisation(organisation_id):
    org = _get_or_404(Organisation, organisation_id)
    errors, status = {}, 200
    if request.method == "POST":
        try:
            update_organisation(org, request.form.get("name", "")[:300])
            flash(_("Organisatie %(name)s is bijgewerkt.", name=org.name), "success")
            return redirect(url_for("admin.organisations"))
        except ValidationError as exc:
            refused(exc)
            db.session.refresh(org)
            errors[exc.field or "_form"], status = exc.message, 422
    return _organisation_page(org, errors, request.form if request.method == "POST" else {}), status


def _organisation_page(org: Organisation, errors: dict, values) -> str:
    return render_template("admin/organisation.html", organisation=org, errors=errors, values=values,
                           kind_label=str(KIND_LABELS.get(org.kind, org.kind)),
                           users=[u for u in _org_users(org) if u.active],
                           locations=[loc for loc in org.locations if loc.active])


def _org_users(org: Organisation) -> list[User]:
    return list(db.session.scalars(select(User).where(User.organisation_id == org.id).order_by(User.name)))


@bp.post("/organisaties/<id:organisation_id>/deactiveren")
def organisation_deactivate(organisation_id):
    org = _get_or_404(Organisation, organisation_id)
    try:
        deactivate_organisation(org)
    except ValidationError as exc:
        refused(exc)
        return _organisation_page(org, {exc.field or "_form": exc.message}, {}), 422
    flash(_("Organisatie %(name)s is gedeactiveerd.", name=org.name), "success")
    return redirect(url_for("admin.organisations"))


@bp.post("/organisaties/<id:organisation_id>/activeren")
def organisation_activate(organisation_id):
    org = _get_or_404(Organisation, organisation_id)
    reactivate_organisation(org)
    flash(_("Organisatie %(name)s is weer actief.", name=org.name), "success")
    return redirect(url_for("admin.organisations"))


def _locations() -> list[Location]:
    return list(db.session.scalars(select(Location).join(Municipality, Location.municipality_id == Municipality.id)
                                   .where(Municipality.region_id == _region_id())
                                   .order_by(Municipality.name, Location.name)))


@bp.route("/locaties", methods=["GET", "POST"])
def locations():
    errors, values, status = {}, {}, 200
    providers = [o for o in list_organisations(_region_id()) if o.kind == "ve_provider" and o.active]
    if request.method == "POST":
        values = request.form
        try:
            provider = _organisation(request.form.get("provider"), "provider")
            loc = create_location(provider, _municipality(request.form.get("municipality")),
                                  request.form.get("name", "").strip()[:200],
                                  request.form.get("lrk_number", "").strip()[:20],
                                  request.form.get("address", "").strip()[:200])
            flash(_("Locatie %(name)s is toegevoegd.", name=loc.name), "success")
            return redirect(url_for("admin.locations"))
        except ValidationError as exc:
            refused(exc)
            errors[exc.field or "_form"], status = exc.message, 422
    return render_template("admin/locations.html", locations=_locations(),
                           provider_options=[(str(p.id), p.name) for p in providers],
                           municipality_options=[(str(m.id), m.name) for m in _municipalities()],
                           errors=errors, values=values), status


@bp.route("/locaties/<id:location_id>", methods=["GET", "POST"])
def location(location_id):
    loc = _get_or_404(Location, location_id)
    errors, status = {}, 200
    if request.method == "POST":
        try:
            update_location(loc, request.form.get("name", "")[:300], request.form.get("address", "")[:300],
                            request.form.get("active") == "ja", parse_weeks_open(request.form.get("weeks_open")))
            set_location_capacity(loc, by=current_user.id, **capacity_form_values(with_weeks=False))
            flash(_("Locatie %(name)s is bijgewerkt.", name=loc.name), "success")
            return redirect(url_for("admin.locations"))
        except ValidationError as exc:
            refused(exc)
            db.session.refresh(loc)
            errors[exc.field or "_form"], status = exc.message, 422
    return render_template("admin/location.html", location=loc,
                           values=request.form if request.method == "POST" else {},
                           **capacity_context(loc, errors, capacity_form_values(with_weeks=False) if request.method == "POST" else None)), status


# --- What parents read on the public page ----------------------------------------------------

@bp.get("/gemeenten")
def municipalities():
    """The region's municipalities, each with its public page and the text parents read there."""
    return render_template("admin/municipalities.html", municipalities=_municipalities())


@bp.route("/gemeenten/<id:municipality_id>", methods=["GET", "POST"])
def municipality(municipality_id):
    m = _get_or_404(Municipality, municipality_id)
    errors, status = {}, 200
    if request.method == "POST":
        try:
            update_public_text(m, {name: request.form.get(name, "")[:PUBLIC_TEXT_MAX + 100] for name in PUBLIC_TEXT_FIELDS})
            flash(_("De tekst voor ouders in %(name)s is opgeslagen.", name=m.name), "success")
            return redirect(url_for("admin.municipalities"))
        except ValidationError as exc:
            refused(exc)
            db.session.refresh(m)
            errors[exc.field or "_form"], status = exc.message, 422
    return render_template("admin/municipality.html", municipality=m, errors=errors, max_length=PUBLIC_TEXT_MAX,
                           values=request.form if request.method == "POST" else {}), status


def _users() -> list[User]:
    return list(db.session.scalars(select(User).join(Organisation, User.organisation_id == Organisation.id)
                                   .where(Organisation.region_id == _region_id())
                                   .order_by(Organisation.name, User.name)))


@bp.route("/gebruikers", methods=["GET", "POST"])
def users():
    errors, values, status = {}, {}, 200
    if request.method == "POST":
        values = request.form
        try:
            org = _organisation(request.form.get("organisation"))
            user, message = invite_user(request.form.get("email", "")[:254], request.form.get("name", "").strip()[:200],
                                        request.form.get("role", ""), org, current_user)
        except (ValidationError, Conflict) as exc:
            errors[exc.field or "_form"], status = refused(exc), exc.status
        else:
            email, name = user.email, user.name

            def send() -> None:   # the link goes out once the account exists (after the commit)
                if send_set_password(message):
                    flash(_("Uitnodiging verstuurd naar %(email)s.", email=email), "success")
                else:
                    flash(_("%(name)s is aangemaakt, maar de uitnodiging kon niet worden verstuurd: de e-mailserver "
                            "nam hem niet aan. Verstuur een nieuwe link met 'Nieuw wachtwoord' zodra de e-mailserver "
                            "werkt.", name=name), "error")
            after_commit(send)
            return redirect(url_for("admin.users"))
    from ..workflow.labels import role_label
    return render_template("admin/users.html", users=_users(), role_options=[(r, role_label(r)) for r in current_workflow().roles],
                           organisation_options=[(str(o.id), o.name) for o in list_organisations(_region_id()) if o.active],
                           mail_configured=bool(current_app.config.get("SMTP_HOST")),
                           errors=errors, values=values), status


@bp.post("/gebruikers/<id:user_id>/deactiveren")
def user_deactivate(user_id):
    user = _get_or_404(User, user_id)
    try:
        deactivate_user(user, current_user)
        flash(_("%(name)s kan zich niet meer aanmelden.", name=user.name), "success")
    except ValidationError as exc:
        refused(exc)
        flash(exc.message, "error")
    return redirect(url_for("admin.users"))


@bp.post("/gebruikers/<id:user_id>/activeren")
def user_activate(user_id):
    user = _get_or_404(User, user_id)
    try:
        reactivate_user(user)
        flash(_("%(name)s kan zich weer aanmelden.", name=user.name), "success")
    except ValidationError as exc:
        refused(exc)
        flash(exc.message, "error")
    return redirect(url_for("admin.users"))


@bp.post("/gebruikers/<id:user_id>/wachtwoord")
def user_reset(user_id):
    user = _get_or_404(User, user_id)
    try:
        message = reset_password(user, current_user)
    except (ValidationError, Conflict) as exc:
        flash(refused(exc), "error")
        return redirect(url_for("admin.users"))
    email, name = user.email, user.name
    after_commit(lambda: _reset_sent(message, email, name))   # the link goes out after the commit
    return redirect(url_for("admin.users"))


def _reset_sent(message, email: str, name: str) -> None:
    if send_set_password(message):
        flash(_("Een link voor een nieuw wachtwoord is verstuurd naar %(email)s. Het oude wachtwoord werkt niet meer "
                "en alle sessies van %(name)s zijn beëindigd.", email=email, name=name), "success")
    else:
        flash(_("Het oude wachtwoord van %(name)s werkt niet meer, maar de link kon niet worden verstuurd: de "
                "e-mailserver nam hem niet aan. Probeer 'Nieuw wachtwoord' opnieuw zodra de e-mailserver werkt.",
                name=name), "error")


@bp.route("/doelgroepdefinities", methods=["GET", "POST"])
def definitions():
    errors, values, status = {}, {}, 200
    if request.method == "POST":
        values = request.form
        try:
            m = _municipality(request.form.get("municipality"))
            name = request.form.get("name", "").strip()[:120]
            add_definition(m, name, forms.parse_required_date(request.form.get("valid_from"), "valid_from"),
                           forms.parse_optional_date(request.form.get("valid_until"), "valid_until"),
                           forms.parse_int(request.form.get("min_age_months"), "min_age_months"),
                           forms.parse_criteria(request.form.get("criteria", "")[:20000]))
            flash(_("De doelgroepdefinitie voor %(name)s is toegevoegd.", name=m.name), "success")
            return redirect(url_for("admin.definitions"))
        except ValidationError as exc:
            refused(exc)
            errors[exc.field or "_form"], status = exc.message, 422
    return _definitions_page(errors, values), status


def _definitions_page(errors: dict, values, end_values: dict | None = None) -> str:
    municipalities = _municipalities()
    return render_template("admin/definitions.html", municipalities=municipalities,
                           municipality_options=[(str(m.id), m.name) for m in municipalities],
                           errors=errors, values=values, end_values=end_values or {})


@bp.post("/doelgroepdefinities/<id:definition_id>/beeindigen")
def definition_end(definition_id):
    definition = _get_or_404(TargetGroupDefinition, definition_id)
    key = f"end_{definition.id}"   # one end form per period: its own field id on the page
    raw = request.form.get("valid_until", "")[:40]
    try:
        end_definition(definition, forms.parse_required_date(raw, key))
    except ValidationError as exc:
        refused(exc)
        return _definitions_page({key: exc.message}, {}, {key: raw}), 422
    flash(_("%(name)s loopt tot en met %(date)s.", name=definition.name, date=nldate(definition.valid_until)), "success")
    return redirect(url_for("admin.definitions"))


@bp.get("/werkstroom")
def workflow():
    from ..workflow.labels import role_label, state_label, trigger_label
    wf = current_workflow()
    return render_template("admin/workflow.html", wf=wf, diagram=workflow_diagram(wf, state_label, trigger_label),
                           role_label=role_label)


# --- Yearly figures, region membership and targets (issue 12) -----------------------------------

def _year_arg() -> int:
    """``?jaar=``: a year from 2000 to 2100, this year by default (a bad one is a 422 naming it)."""
    raw = request.args.get("jaar")
    return clock.today().year if raw in (None, "") else parse_year(raw, "jaar")


def _users_by_id(ids) -> dict[int, User]:
    ids = {i for i in ids if i is not None}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}


@bp.get("/jaarcijfers")
def figures():
    year = _year_arg()
    municipalities = region_municipalities(_region_id())
    rows = [(m, figures_of(m, year)) for m in municipalities]
    return render_template("admin/figures.html", year=year, rows=rows,
                           users=_users_by_id(f.updated_by_id for _m, f in rows if f is not None))


@bp.route("/jaarcijfers/<code>/<id:year>", methods=["GET", "POST"])
def figures_edit(code, year):
    municipality = region_municipality(_region_id(), code)
    year = parse_year(year)
    errors, status = {}, 200
    values = figures_dict(figures_of(municipality, year))
    if request.method == "POST":
        values = {name: request.form.get(name, "")[:40] for name in FIGURE_FIELDS}
        values["cbs_suppressed"] = "1" if request.form.get("cbs_suppressed") == "ja" else ""
        try:
            _f, changed = set_figures(municipality, year, by=current_user.id, source="page", **values)
            flash(_("Jaarcijfers %(year)s van %(name)s zijn opgeslagen.", year=year, name=municipality.name)
                  if changed else _("Niets gewijzigd."), "success")
            return redirect(url_for("admin.figures", jaar=year))
        except ValidationError as exc:
            refused(exc)
            errors[exc.field or "_form"], status = exc.message, 422
    f = figures_of(municipality, year)
    history = figures_history(f)
    return render_template("admin/figures_edit.html", municipality=municipality, year=year, values=values,
                           errors=errors, figures=f, history=history,
                           users=_users_by_id([c.changed_by_id for c in history])), status


def _membership_rows():
    rows = []
    for m in region_municipalities(_region_id()):
        for ms in memberships_of(m, store=False):
            rows.append((m, ms))
    return rows


def _regio_page(new_errors: dict, values, status: int = 200, change_errors: dict | None = None, change_values=None):
    """The page with its two forms: a new municipality, and joining or leaving (each its own errors)."""
    return render_template("admin/memberships.html", rows=_membership_rows(), new_errors=new_errors, values=values,
                           change_errors=change_errors or {}, change_values=change_values or {},
                           since_ever=SINCE_EVER, region=current_user.organisation.region), status


@bp.get("/regio-indeling")
def memberships():
    return _regio_page({}, {})


@bp.post("/regio-indeling")
def municipality_create():
    try:
        m = create_municipality(request.form.get("code", "")[:10], request.form.get("name", "")[:200],
                                current_user.organisation.region, request.form.get("valid_from", "")[:20])
    except ValidationError as exc:
        refused(exc)
        return _regio_page({exc.field or "_form": exc.message}, request.form, 422)
    flash(_("Gemeente %(name)s hoort vanaf %(date)s bij de regio.", name=m.name,
            date=nldate(parse_date(request.form.get("valid_from"), "valid_from"))), "success")
    return redirect(url_for("admin.memberships"))


@bp.post("/regio-indeling/wijzigen")
def membership_change():
    """Join (a municipality the application knows, from another region) or leave the region from a date."""
    action = request.form.get("action")
    try:
        municipality = get_municipality(request.form.get("municipality", "")[:10])
        if action == "join":
            join_region(municipality, current_user.organisation.region, request.form.get("valid_from", "")[:20])
        else:
            if not ever_in_region(municipality, _region_id()):
                raise ValidationError(N_("Kies een gemeente van uw regio."), "municipality")
            leave_region(municipality, current_user.organisation.region, request.form.get("valid_from", "")[:20])
    except ValidationError as exc:
        refused(exc)
        # Keys as the change form's field ids (f-change-...), so the error summary links to them.
        key = "_form" if exc.field is None else f"change-{'valid_from' if exc.field == 'region' else exc.field}"
        return _regio_page({}, {}, 422, {key: exc.message}, request.form)
    flash(_("De regio-indeling van %(name)s is gewijzigd.", name=municipality.name), "success")
    return redirect(url_for("admin.memberships"))


TARGET_LABELS = {"target_group_placed": _l("Doelgroep geplaatst (bereik)"),
                 "all_toddlers": _l("Alle peuters 2,5-4 jaar (VE-plaatsen)")}


@bp.route("/doelen", methods=["GET", "POST"])
def targets():
    errors, values, status = {}, {}, 200
    region = current_user.organisation.region
    if request.method == "POST":
        values = request.form
        try:
            t = set_target(region, request.form.get("kind", ""), request.form.get("pct", "")[:20],
                           request.form.get("valid_from", "")[:20], request.form.get("valid_until", "")[:20] or None,
                           by=current_user.id)
            flash(_("Doel %(pct)s%% vanaf %(date)s is vastgelegd.", pct=t.pct, date=nldate(t.valid_from)), "success")
            return redirect(url_for("admin.targets"))
        except ValidationError as exc:
            refused(exc)
            errors[exc.field or "_form"], status = exc.message, 422
    items = list_targets(region)
    return render_template("admin/targets.html", targets=items, errors=errors, values=values,
                           labels={k: str(v) for k, v in TARGET_LABELS.items()},
                           kind_options=[(k, str(TARGET_LABELS[k])) for k in TARGET_KINDS],
                           users=_users_by_id(t.set_by_id for t in items)), status
