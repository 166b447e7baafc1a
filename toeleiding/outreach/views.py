"""The case page's contact-attempt form. Thin: the service does the work, the request commits."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..cases.util import parse_case_id
from ..errors import AppError, NotFound
from ..web.auth import roles_required
from ..web.errors import refused
from . import forms
from .operations import record_contact_attempt
from .util import OUTREACH_ROLES

bp = Blueprint("outreach", __name__)


@bp.post("/dossiers/<case_id>/contactpogingen")
@roles_required(*OUTREACH_ROLES)
def record(case_id):
    """Record a contact attempt from the case page; it shows in the case's timeline."""
    try:
        record_contact_attempt(current_user, case_id, forms.attempt_data(request.form))
        flash(_("Contactpoging vastgelegd."), "success")
    except NotFound:
        raise
    except AppError as exc:
        refused(exc)
        for e in exc.each():   # every field at fault, in the summary the page shows
            flash(e.message, "error")
    anchor = parse_case_id(case_id)
    return redirect(url_for("cases.show", case_id=anchor) + ("#outreach-title" if anchor else ""))
