"""Case pages: register a child, the case page, and each workflow action as a form.

A view parses the form, calls the service, commits once and renders; the rules live in
operations.py and fieldtypes.py, exactly as for the JSON API.
"""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from .. import clock
from ..errors import N_, DuplicateCase, InvalidTransition, NotFound, NotPermitted, StaleVersion, ValidationError
from ..extensions import db
from ..numbers import parse_whole_number
from ..organisations.models import Location, Municipality, Organisation
from ..web.auth import roles_from, roles_required
from ..web.errors import refused
from ..web.i18n import list_label, nldate, state_label
from ..workflow import current_workflow
from ..workflow.definition import CORRECT_EVENT, MOVE_EVENT
from . import forms, hooks
from .checks import allowed_triggers, is_current_provider
from .fieldtypes import TYPES, Shown
from .models import Case
from .validation import MAX_LENGTHS, normalise_bsn
from .operations import CORRECTING_ROLES, correct_case, fire_transition, log_access, register_case
from .residence import record_move
from .util import (find_case, handover_event, handover_only, history, may_see_bsn, school_triggers, search_cases,
                   status_seen_by, work_list_counts, work_list_page, work_lists_for)

bp = Blueprint("cases", __name__)
CASE_ROLES = ("jgz", "ve", "cjg")


def _region_municipalities() -> list[Municipality]:
    return list(db.session.scalars(select(Municipality).where(
        Municipality.region_id == current_user.organisation.region_id).order_by(Municipality.name)))


@bp.route("/dossiers/nieuw", methods=["GET", "POST"])
@roles_required(roles_from(lambda wf: wf.registration.register))
def register():
    errors, notice, values = {}, None, request.form if request.method == "POST" else {}
    status = 200
    if request.method == "POST":
        code, child, parents, rows = forms.register_data(request.form)
        try:
            case = register_case(current_user, code, child, parents)
        except (DuplicateCase, ValidationError) as exc:
            status, notice, errors = forms.register_refusal(exc, rows)
        else:
            flash(_("Het kind is geregistreerd."), "success")
            return redirect(url_for("cases.show", case_id=case.id))
    return render_template("cases/register.html", errors=errors, max_lengths=MAX_LENGTHS,
                           municipality_options=[(m.code, m.name) for m in _region_municipalities()],
                           notice=notice, values=values, labels=forms.REGISTER_LABELS,
                           parent_rows=range(forms.PARENT_ROWS), today=clock.today().isoformat(),
                           field_labels=forms.register_field_labels(),
                           # The day after the child would be 4 today: the service refuses 4 and older.
                           min_birth_date=(clock.add_months(clock.today(), -48) + dt.timedelta(days=1)).isoformat()), status


@bp.get("/dossiers/<case_id>")
# An admin sees a case only under break-the-glass (scoped_cases); a school only its handover.
@roles_required(*CASE_ROLES, "admin", "school")
def show(case_id):
    case = find_case(current_user, case_id, handover=True)
    return _render_case(case)


@bp.get("/dossiers/<case_id>/overdracht")
@roles_required(*CASE_ROLES, "school")
def handover(case_id):
    """The warm handover as a printable page for the school's file (print CSS in app.css)."""
    case = find_case(current_user, case_id, handover=True)
    if handover_event(case, current_user) is None:
        raise NotFound(N_("Dit dossier heeft (voor u) geen overdracht aan school."))
    log_access(current_user, "read", [case.id])
    return render_template("cases/handover.html", case=case, printable=True, actions=[],
                           **_handover_values(case))


@bp.post("/dossiers/<case_id>/acties/<trigger>")
@roles_required(*CASE_ROLES, "school")
def act(case_id, trigger):
    wf = current_workflow()
    t = wf.transitions.get(trigger)
    data = forms.transition_data(t, request.form)
    try:
        fire_transition(current_user, case_id, trigger, forms.version_arg(request.form), data)
    except ValidationError as exc:
        refused(exc)
        errors: dict = {}
        for e in exc.each():   # every field at fault, each at its field and in the form's summary
            errors.setdefault(e.field if t is not None and e.field in t.fields else "_form", e.message)
        return _render_case(find_case(current_user, case_id, handover=True), trigger, errors, status=422)
    except (StaleVersion, StaleDataError) as exc:
        refused(exc)
        case = find_case(current_user, case_id, handover=True)
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
        refused(exc)
        return _render_case(find_case(current_user, case_id, handover=True), None, {}, notice=exc.message, status=409)
    except NotPermitted as exc:
        refused(exc)
        return _render_case(find_case(current_user, case_id, handover=True), None, {}, notice=exc.message, status=403)
    from ..web.i18n import trigger_label
    flash(_("Opgeslagen: %(action)s.", action=trigger_label(trigger)), "success")
    try:
        find_case(current_user, case_id, handover=True)
    except NotFound:
        # The step ended the user's own access (a provider declined the referral): the case page
        # would answer 404, so the work list it acts from comes next.
        flash(_("Dit dossier staat niet meer in uw overzicht."), "info")
        return redirect(url_for("cases.worklist"))
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
    if handover_only(current_user):   # a school: the handover and its own step, nothing else
        log_access(current_user, "read", [case.id])
        page = render_template("cases/handover.html", case=case, printable=False, actions=actions, notice=notice,
                               typed=typed or [], **_handover_values(case))
        return page, status
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
    may_correct = current_user.role in CORRECTING_ROLES and not erased
    page = render_template("cases/case.html", case=case, status=seen, shown=shown, child=child, today=today,
                           parents=case.parents or [], may_correct=may_correct,
                           has_handover=seen.school_id is not None and current_user.role in CASE_ROLES,
                           may_note=current_user.role in CASE_ROLES and is_current_provider(case, current_user),
                           actions=actions, timeline=timeline, notice=notice, typed=typed or [],
                           **{name: show(case, current_user) for name, show in hooks.CASE_PAGE.items()})
    return page, status


def _handover_values(case: Case) -> dict:
    """What the handover page shows: who the child is (no BSN, address or parents) and the handover
    steps (the handover to the school and the school's receipt), each with its form's values."""
    triggers = school_triggers()
    steps = [item for item in _timeline(case, extras=False) if item["trigger"] in triggers]
    today = clock.today()
    erased = case.given_name is None
    child = {"name": _("(gegevens verwijderd)") if erased else f"{case.given_name} {case.family_name or ''}",
             "birth_date": case.birth_date,
             "age_months": clock.months_between(case.birth_date, today) if case.birth_date else None}
    seen = status_seen_by(case, current_user)
    return {"child": child, "status": seen, "steps": steps, "today": today,
            "school": db.session.get(Organisation, seen.school_id) if seen.school_id else None}


def _timeline(case: Case, extras: bool = True) -> list[dict]:
    """Each history event with who, organisation, when and what, values shown by their field's type;
    with ``extras``, what features above cases add (notes, contact attempts) in its place by time."""
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
    moved = {e.event.data.get(key) for e in entries if e.event.trigger == MOVE_EVENT for key in ("from", "to")}
    municipalities = dict(db.session.execute(select(Municipality.code, Municipality.name)
                                             .where(Municipality.code.in_(moved))).all()) if moved else {}
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
        if e.trigger == MOVE_EVENT:   # municipalities by name, not by CBS code
            details = [{"label": label, "value": municipalities.get(e.data.get(key), e.data.get(key) or "")}
                       for key, label in (("from", _("Van")), ("to", _("Naar")))]
        if e.trigger == CORRECT_EVENT:   # which fields, never their values
            details = [{"label": _("Gewijzigd"), "value": ", ".join(forms.correction_label(f) for f in e.data.get("fields", ()))}]
        out.append({"kind": "event", "seq": e.seq, "trigger": e.trigger, "from": e.from_state, "to": e.to_state,
                    "effective_date": e.effective_date, "recorded_at": e.recorded_at, "at": e.recorded_at,
                    "user": entry.user, "role": e.role, "organisation": entry.organisation, "details": details})
    if not extras:
        return out
    # What features above cases add (e.g. notes), each in its place by time; the history keeps its order.
    extra = sorted((item for fn in hooks.TIMELINE for item in fn(case, current_user)), key=lambda item: item["at"])
    merged, i = [], 0
    for event in out:
        while i < len(extra) and extra[i]["at"] < event["at"]:
            merged.append(extra[i])
            i += 1
        merged.append(event)
    return merged + extra[i:]


# --- Correcting a record and recording a move -----------------------------------------------

@bp.route("/dossiers/<case_id>/wijzigen", methods=["GET", "POST"])
@roles_required(*CORRECTING_ROLES)
def edit(case_id):
    """JGZ corrects the child and parents, the CJG the parents' contact details (correct_case)."""
    case = find_case(current_user, case_id)
    if request.method == "GET":
        return _render_edit(case, forms.edit_values(case))
    child, parents, rows = forms.correction_data(request.form, case, current_user.role == "jgz")
    version = forms.version_arg(request.form)
    try:
        updated = correct_case(current_user, case.id, version, child, parents)
    except ValidationError as exc:
        refused(exc)
        return _render_edit(case, request.form, {forms.register_field_for(exc.field, rows): exc.message}, status=422)
    except NotPermitted as exc:
        refused(exc)
        return _render_edit(case, request.form, {forms.register_field_for(exc.field, rows): exc.message}, status=403)
    except (StaleVersion, StaleDataError, InvalidTransition) as exc:
        refused(exc)
        case = find_case(current_user, case_id)
        notice = (_("Iemand anders heeft dit dossier intussen gewijzigd. Hieronder staat wat u had ingevuld; "
                    "controleer het tegen de nieuwe stand en verstuur opnieuw.")
                  if not isinstance(exc, InvalidTransition) else exc.message)
        return _render_edit(case, request.form, {}, notice=notice, status=409, version=case.version)
    if updated.version == version:
        flash(_("Er was niets gewijzigd."), "info")
    else:
        flash(_("De gegevens zijn gecorrigeerd."), "success")
    return redirect(url_for("cases.show", case_id=case.id))


@bp.post("/dossiers/<case_id>/verhuizing")
@roles_required("jgz")
def move(case_id):
    """JGZ records a move with its effective date, through the same service as the API's."""
    case = find_case(current_user, case_id)
    version = forms.version_arg(request.form)
    fields = {"municipality": "move_municipality", "effective_date": "move_effective_date"}
    try:
        record_move(current_user, case.id, version, request.form.get("move_municipality", "")[:10],
                    request.form.get("move_effective_date", "")[:20])
    except (ValidationError, NotPermitted, InvalidTransition) as exc:
        refused(exc)
        status = 422 if isinstance(exc, ValidationError) else 409 if isinstance(exc, InvalidTransition) else 403
        return _render_edit(case, request.form, {fields.get(exc.field, "_form"): exc.message}, status=status)
    except (StaleVersion, StaleDataError) as exc:
        refused(exc)
        case = find_case(current_user, case_id)
        notice = _("Iemand anders heeft dit dossier intussen gewijzigd. Hieronder staat wat u had ingevuld; "
                   "controleer het tegen de nieuwe stand en verstuur opnieuw.")
        return _render_edit(case, request.form, {}, notice=notice, status=409, version=case.version)
    flash(_("De verhuizing is vastgelegd."), "success")
    return redirect(url_for("cases.show", case_id=case.id))


def _render_edit(case: Case, values, errors: dict | None = None, notice: str | None = None, status: int = 200,
                 version: int | None = None):
    if case.given_name is None:   # erased by the retention job: nothing left to correct
        return render_template("cases/edit.html", case=case, erased=True, errors={}, values={}, notice=None,
                               labels=forms.REGISTER_LABELS), 409
    jgz = current_user.role == "jgz"
    known = list(db.session.scalars(select(Municipality).order_by(Municipality.name)))
    region = current_user.organisation.region_id
    log_access(current_user, "read", [case.id])
    return render_template(
        "cases/edit.html", case=case, erased=False, values=values, errors=errors or {}, notice=notice,
        version=version if version is not None else case.version, jgz=jgz, labels=forms.REGISTER_LABELS,
        parents=case.parents or [], parent_rows=range(forms.edit_parent_rows(case)),
        move_options=[(m.code, m.name) for m in known if m.region_id == region and m.id != case.municipality_id],
        other_region_options=[(m.code, m.name) for m in known if m.region_id != region],
        final=case.state in current_workflow().final_states, birth_date=case.birth_date,
        today=clock.today().isoformat()), status


# --- Work list and search --------------------------------------------------------------------

PER_PAGE = 50


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
        return render_template("cases/worklist_none.html")
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
    filters = {"gemeente": municipality.code if municipality else "", "status": state}
    total = counts[selected.key]
    # A list of certain states and a status filter outside them can never hold a child: say so,
    # and offer both ways out, instead of an empty list that looks like "nothing to do".
    excluded = None
    if state and selected.states and state not in selected.states:
        excluded = {"list": list_label(selected.key), "state": state_label(state),
                    "without_status": url_for("cases.worklist", lijst=selected.key, gemeente=filters["gemeente"] or None),
                    "all_list": url_for("cases.worklist", lijst=lists[-1].key, gemeente=filters["gemeente"] or None,
                                        status=state),
                    "all_label": list_label(lists[-1].key)}
    return render_template("cases/worklist.html", lists=lists, counts=counts, selected=selected, items=items,
                           excluded=excluded,
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
        return redirect(url_for("cases.search"))
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
    return render_template("cases/search.html", errors=errors, results=results, searched=searched, more=more,
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
