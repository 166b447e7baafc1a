"""The signaller's pages: its own signals (assessed or not) and the form to signal a child.

Thin: the registration form of the case pages with a note; the service does the work, the
request commits.
"""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import clock
from ..audit.operations import log_access
from ..cases import forms as case_forms
from ..cases.validation import MAX_LENGTHS
from ..errors import N_, DuplicateCase, ValidationError
from ..extensions import db
from ..numbers import parse_whole_number
from ..organisations.models import Municipality
from ..web.auth import roles_from, roles_required
from .operations import NOTE_MAX, signal_case
from .util import own_signals

bp = Blueprint("signals", __name__)
SIGNALLERS = roles_from(lambda wf: wf.registration.signal)
PER_PAGE = 50


@bp.get("/signaleringen")
@roles_required(SIGNALLERS)
def index():
    """The organisation's signals, newest first: the child as typed, the note, assessed or not."""
    errors = {}
    try:
        page = parse_whole_number(request.args.get("pagina", "1"), "pagina", maximum=100000,
                                  message=N_("Ongeldig paginanummer."))
    except ValidationError as exc:
        errors["pagina"], page = exc.message, 1
    rows, total = own_signals(current_user, page, PER_PAGE)
    if rows:
        log_access(current_user, "list", [case.id for _, case in rows])
    return render_template("signals/index.html", rows=rows, total=total, page=page, errors=errors,
                           pages=max(1, -(-total // PER_PAGE))), (400 if errors else 200)


@bp.route("/signaleringen/nieuw", methods=["GET", "POST"])
@roles_required(SIGNALLERS)
def new():
    """The registration form with a note: the child is signalled to JGZ."""
    errors, notice, values, status = {}, None, request.form if request.method == "POST" else {}, 200
    if request.method == "POST":
        code, child, parents, rows = case_forms.register_data(request.form)
        note = (request.form.get("note") or "")[:NOTE_MAX + 1]
        try:
            signal_case(current_user, code, child, parents, note)
        except (DuplicateCase, ValidationError) as exc:
            status, notice, errors = case_forms.register_refusal(exc, rows, own_fields=("note",))
        else:
            flash(_("Het kind is gesignaleerd aan de JGZ."), "success")
            return redirect(url_for("signals.index"))
    municipalities = db.session.scalars(select(Municipality).where(
        Municipality.region_id == current_user.organisation.region_id).order_by(Municipality.name))
    return render_template("signals/new.html", errors=errors, max_lengths=MAX_LENGTHS, note_max=NOTE_MAX,
                           municipality_options=[(m.code, m.name) for m in municipalities],
                           notice=notice, values=values, labels=case_forms.REGISTER_LABELS,
                           parent_rows=range(case_forms.PARENT_ROWS), today=clock.today().isoformat(),
                           field_labels={**case_forms.register_field_labels(), "note": _("Toelichting")},
                           min_birth_date=(clock.add_months(clock.today(), -48) + dt.timedelta(days=1)).isoformat()), status
