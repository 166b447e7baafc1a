"""Case pages: register a child, the case page, and each workflow action as a form.

A view parses the form, calls the service, commits once and renders; the rules live in
operations.py and fieldtypes.py, exactly as for the JSON API.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from .. import clock
from ..errors import DuplicateCase, InvalidTransition, NotPermitted, StaleVersion, ValidationError
from ..extensions import db
from ..organisations.models import Location, Municipality, Organisation
from ..web.auth import roles_required
from ..workflow import current_workflow
from . import forms, hooks
from .checks import allowed_triggers
from .fieldtypes import TYPES, Shown
from .models import Case
from .operations import fire_transition, log_access, register_case
from .util import find_case, history, may_see_bsn, status_seen_by

bp = Blueprint("cases", __name__, url_prefix="/dossiers")
CASE_ROLES = ("jgz", "ve", "cjg")


def _region_municipalities() -> list[Municipality]:
    return list(db.session.scalars(select(Municipality).where(
        Municipality.region_id == current_user.organisation.region_id).order_by(Municipality.name)))


@bp.route("/nieuw", methods=["GET", "POST"])
@roles_required("jgz")
def register():
    errors, notice, values = {}, None, request.form if request.method == "POST" else {}
    status = 200
    if request.method == "POST":
        code, child, parents, rows = forms.register_data(request.form)
        try:
            case = register_case(current_user, code, child, parents)
        except DuplicateCase as exc:
            db.session.rollback()
            status = 409
            # In the scope: a link to the case; outside it: only whom to contact (the service's text).
            notice = {"message": exc.message}
            if exc.extra.get("case_id"):
                notice["link"] = url_for("cases.show", case_id=exc.extra["case_id"])
            errors["bsn"] = exc.message
        except ValidationError as exc:
            db.session.rollback()
            status = 422
            errors[forms.register_field_for(exc.field, rows)] = exc.message
        else:
            db.session.commit()
            flash(_("Het kind is geregistreerd."), "success")
            return redirect(url_for("cases.show", case_id=case.id))
    return render_template("cases/register.html", errors=errors,
                           municipality_options=[(m.code, m.name) for m in _region_municipalities()],
                           notice=notice, values=values, labels=forms.REGISTER_LABELS,
                           parent_rows=range(forms.PARENT_ROWS), today=clock.today().isoformat()), status


@bp.get("/<case_id>")
@roles_required(*CASE_ROLES, "admin")   # an admin sees a case only under break-the-glass (scoped_cases)
def show(case_id):
    case = find_case(current_user, case_id)
    return _render_case(case)


@bp.post("/<case_id>/acties/<trigger>")
@roles_required(*CASE_ROLES)
def act(case_id, trigger):
    wf = current_workflow()
    t = wf.transitions.get(trigger)
    data = forms.transition_data(t, request.form)
    try:
        fire_transition(current_user, case_id, trigger, forms.version_arg(request.form), data)
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        field = exc.field if t is not None and exc.field in t.fields else "_form"
        return _render_case(find_case(current_user, case_id), trigger, {field: exc.message}, status=422)
    except (StaleVersion, StaleDataError):
        db.session.rollback()
        case = find_case(current_user, case_id)
        if trigger in allowed_triggers(case, current_user):
            notice = _("Iemand anders heeft dit dossier intussen gewijzigd. Hieronder ziet u de nieuwe stand; "
                       "wat u had ingevuld staat er nog. Controleer het en verstuur opnieuw.")
            return _render_case(case, trigger, {}, notice=notice, status=409)
        # The action is gone with the change (e.g. the child was reported not reached meanwhile):
        # there is no form to put the values back in, so show them in the notice, read-only,
        # for the user to pass on or note elsewhere. Nothing of them is stored.
        from ..web.i18n import trigger_label
        notice = _("Iemand anders heeft dit dossier intussen gewijzigd. Hieronder ziet u de nieuwe stand; "
                   "'%(action)s' kan nu niet meer.", action=trigger_label(trigger))
        typed = forms.typed_values(t, case, current_user, request.form) if t is not None else []
        return _render_case(case, None, {}, notice=notice, status=409, typed=typed)
    except InvalidTransition as exc:
        db.session.rollback()
        return _render_case(find_case(current_user, case_id), None, {}, notice=exc.message, status=409)
    except NotPermitted as exc:
        db.session.rollback()
        return _render_case(find_case(current_user, case_id), None, {}, notice=exc.message, status=403)
    from ..web.i18n import trigger_label
    flash(_("Opgeslagen: %(action)s.", action=trigger_label(trigger)), "success")
    return redirect(url_for("cases.show", case_id=case_id))


def _render_case(case: Case, open_trigger: str | None = None, errors: dict | None = None,
                 notice: str | None = None, status: int = 200, typed: list | None = None):
    """The case page; after a refused action the typed values come back in that action's form
    (or, when that action is no longer offered, in ``typed``: shown read-only in the notice)."""
    wf = current_workflow()
    actions = []
    for trigger in allowed_triggers(case, current_user):
        t = wf.transitions[trigger]
        submitted = request.form if trigger == open_trigger and request.method == "POST" else None
        actions.append({"trigger": trigger, "label": t.label, "fields": forms.transition_fields(t, case, current_user),
                        "submitted": submitted, "errors": (errors or {}) if trigger == open_trigger else {},
                        "open": trigger == open_trigger})
    if open_trigger not in [a["trigger"] for a in actions] and errors and not notice:
        notice = next(iter(errors.values()))   # e.g. an unknown action: no form to show it beside
    timeline = _timeline(case)
    log_access(current_user, "read", [case.id])
    today = clock.today()
    erased = case.given_name is None   # the retention job removed the personal data; history stays
    child = {"given_name": case.given_name if not erased else _("(gegevens verwijderd)"),
             "family_name": case.family_name or "", "birth_date": case.birth_date, "erased": erased,
             "age_months": clock.months_between(case.birth_date, today) if case.birth_date else None,
             "postcode": case.postcode,
             "house_number": case.house_number, "bsn": case.bsn if may_see_bsn(current_user) else None}
    seen = status_seen_by(case, current_user)
    shown = {"location": db.session.get(Location, seen.location_id) if seen.location_id else None,
             "school": db.session.get(Organisation, seen.school_id) if seen.school_id else None}
    page = render_template("cases/case.html", case=case, status=seen, shown=shown, child=child,
                           parents=case.parents or [],
                           actions=actions, timeline=timeline, notice=notice, typed=typed or [],
                           **{name: show(case, current_user) for name, show in hooks.CASE_PAGE.items()})
    db.session.commit()
    return page, status


def _timeline(case: Case) -> list[dict]:
    """Each history event with who, organisation, when and what, values shown by their field's type."""
    from ..workflow.labels import field_label
    wf = current_workflow()
    entries = history(case, current_user)

    def field_of(event, key):
        t = wf.transitions.get(event.trigger)
        return t.fields.get(key) if t else None

    def ids_of(kind):
        return {value for e in (entry.event for entry in entries) for key, value in e.data.items()
                if (f := field_of(e, key)) is not None and f.type == kind and value}
    location_ids = ids_of("location") | {e.event.location_id for e in entries if e.event.location_id}
    shown = Shown(case,
                  locations={loc.id: loc for loc in db.session.scalars(select(Location).where(Location.id.in_(location_ids)))},
                  schools={o.id: o.name for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(ids_of("school"))))})
    out = []
    for entry in entries:
        e = entry.event
        shown.on = e.effective_date
        values = dict(e.data)
        values.update(e.secret or {})
        details = []
        for key, value in values.items():
            f = field_of(e, key)
            text = TYPES[f.type].show(f, value, shown) if f is not None else {"value": str(value)}
            details.append({"label": field_label(key), **text})
        out.append({"seq": e.seq, "trigger": e.trigger, "from": e.from_state, "to": e.to_state,
                    "effective_date": e.effective_date, "recorded_at": e.recorded_at,
                    "user": entry.user, "role": e.role, "organisation": entry.organisation, "details": details})
    return out

