"""A VE provider keeps its own locations' capacity (issue 12.4): VE places, opening days, setting
and programme. The admin keeps every location's on the administration pages (admin/views.py);
both call organisations.operations.set_location_capacity."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..errors import ValidationError
from ..extensions import db
from ..organisations.models import LOCATION_SETTINGS, VE_PROGRAMMES, WEEKDAY_LABELS, Location
from ..organisations.operations import CAPACITY_FIELDS, capacity_dict, set_location_capacity
from ..organisations.util import provider_locations
from ..users.models import User
from .errors import refused
from .i18n import nldatetime

bp = Blueprint("capacity", __name__, url_prefix="/organisatie")
PROVIDER_KIND = "ve_provider"   # the organisation kind that has locations (organisations.ORGANISATION_KINDS)


def own_provider_id() -> int | None:
    """The signed-in user's organisation if it is a VE provider in use (whose locations it keeps)."""
    org = current_user.organisation
    return org.id if org is not None and org.kind == PROVIDER_KIND and org.active else None


def form_values(with_weeks: bool = True) -> dict:
    """The capacity fields as the form sends them (opening days: one checkbox a day); weeks open
    only when sent (the admin's page has its own field for it, handled by update_location)."""
    values = {"ve_places": request.form.get("ve_places", "")[:20], "opening_days": request.form.getlist("opening_days")[:7],
              "setting": request.form.get("setting", "")[:40], "ve_programme": request.form.get("ve_programme", "")[:40]}
    if with_weeks and "weeks_open" in request.form:
        values["weeks_open"] = request.form.get("weeks_open", "")[:20]
    return values


def capacity_context(location: Location, errors: dict, values: dict | None = None) -> dict:
    """What the capacity fields macro needs: the values, the choices with their labels, who/when."""
    updated = None
    if location.capacity_updated_at is not None:
        who = db.session.get(User, location.capacity_updated_by_id) if location.capacity_updated_by_id else None
        updated = (_("Laatst gewijzigd op %(date)s door %(name)s.", date=nldatetime(location.capacity_updated_at),
                     name=who.name) if who else _("Laatst gewijzigd op %(date)s.",
                                                 date=nldatetime(location.capacity_updated_at)))
    return {"capacity": values if values is not None else capacity_dict(location), "errors": errors,
            "settings": [(k, _(v)) for k, v in LOCATION_SETTINGS.items()],
            "programmes": [(k, _(v) if k == "anders" else v) for k, v in VE_PROGRAMMES.items()],
            "weekdays": [(d, _(label)) for d, label in WEEKDAY_LABELS.items()], "updated": updated}


def _own_location(location_id: int) -> Location:
    provider = own_provider_id()
    loc = db.session.get(Location, location_id) if 0 < location_id < 2**31 else None
    if provider is None or loc is None or loc.provider_id != provider:
        abort(404)
    return loc


@bp.get("/locaties")
@login_required
def locations():
    provider = own_provider_id()
    if provider is None:
        abort(403)
    return render_template("organisations/locations.html", locations=provider_locations(provider),
                           settings=dict(LOCATION_SETTINGS), programmes=dict(VE_PROGRAMMES),
                           weekdays=dict(WEEKDAY_LABELS))


@bp.route("/locaties/<id:location_id>", methods=["GET", "POST"])
@login_required
def location(location_id):
    loc = _own_location(location_id)
    errors, values, status = {}, None, 200
    if request.method == "POST":
        values = form_values()
        try:
            _loc, changed = set_location_capacity(loc, by=current_user.id, **values)
            flash(_("De capaciteit van %(name)s is opgeslagen.", name=loc.name) if changed
                  else _("Niets gewijzigd."), "success")
            return redirect(url_for("capacity.locations"))
        except ValidationError as exc:
            refused(exc)
            errors[exc.field or "_form"], status = exc.message, 422
    return render_template("organisations/location.html", location=loc,
                           **capacity_context(loc, errors, values)), status

