"""Pages for the privacy officer (admin) and the parents' export (JGZ).

The access log per child or per user, with its CSV export; break-the-glass; and the printable
copy of everything held on one child. Each calls the same services as the API.
"""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..audit.operations import audited, log_log_read
from ..audit.util import entry_json, iter_csv
from .util import entries, find_subject, officer_region, users_in_region
from ..cases.util import parse_case_id
from ..errors import N_, ValidationError
from ..extensions import db
from ..numbers import whole_number
from ..web.auth import roles_required
from ..web.errors import refused
from .operations import GRANT_COLUMNS, break_glass, export_case, review_grants
from .readable import readable_export

bp = Blueprint("privacy", __name__)


def _filters() -> tuple:
    """The officer's question: a case id, a user, or both; errors name the field."""
    errors, case_id, user_id = {}, None, None
    if request.args.get("case_id"):
        case_id = parse_case_id(request.args["case_id"].strip())
        if case_id is None:
            errors["case_id"] = _("Geen geldig dossiernummer.")
    if request.args.get("user_id"):
        user_id = whole_number(request.args["user_id"])
        if user_id is None:
            errors["user_id"] = _("Kies een gebruiker uit de lijst.")
    return case_id, user_id, errors


@audited(lambda args: args["action"], case_arg=None)
def _region(user, action: str, case_id, user_id) -> int:
    """The officer's region, if the question is about its child or user; another region's (or an
    absent one) is the 404 page, and a refused ``action`` on record."""
    return find_subject(user, case_id, user_id)


@bp.get("/beheer/toegangslog")
@roles_required("admin", action="audit_read")
def audit():
    case_id, user_id, errors = _filters()
    rows, grants = [], []
    if not errors:
        region = _region(current_user, "audit_read", case_id, user_id)
        if case_id or user_id:
            rows = [entry_json(e) for e in db.session.scalars(entries(region, case_id, user_id).limit(500))]
            # Which user the officer looked up is on record too (an id, no personal data).
            log_log_read(current_user, "audit_read", [case_id], user_id)
        # Without a question, the latest grants: reviewing emergency access is this page's job.
        grants = review_grants(current_user, case_id, user_id, limit=500 if case_id or user_id else 50)
    users = users_in_region(officer_region(current_user))
    names = {u.id: u.name for u in users}
    organisations = {u.organisation_id: u.organisation.name for u in users}
    page = render_template("privacy/audit.html", rows=rows, errors=errors, user_options=_user_options(users), names=names,
                           grants=grants, organisations=organisations,
                           case_id=request.args.get("case_id", ""), user_id=request.args.get("user_id", ""),
                           grant_errors={}, grant_values={})
    return page, 422 if errors else 200


@bp.get("/beheer/toegangslog.csv")
@roles_required("admin", action="audit_export")
def audit_csv():
    case_id, user_id, errors = _filters()
    if errors or not (case_id or user_id):
        raise ValidationError(N_("Geef een dossiernummer of een gebruiker op."), "case_id")
    region = _region(current_user, "audit_export", case_id, user_id)
    log_log_read(current_user, "audit_export", [case_id], user_id)
    body = "".join(iter_csv(db.session.scalars(entries(region, case_id, user_id))))
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=toegangslog.csv"})


@bp.get("/beheer/noodtoegang.csv")
@roles_required("admin", action="break_glass_export")
def grants_csv():
    """The break-the-glass grants with their reasons, for one case, one user, or the latest."""
    case_id, user_id, errors = _filters()
    if errors:
        field, message = next(iter(errors.items()))
        raise ValidationError(message, field)
    grants = review_grants(current_user, case_id, user_id, export=True)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(GRANT_COLUMNS)
    writer.writerows([_cell(g[c]) for c in GRANT_COLUMNS] for g in grants)
    return Response(buf.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=noodtoegang.csv"})


def _cell(value):
    """A reason is free text: one starting like a formula must stay text in a spreadsheet."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@bp.post("/beheer/noodtoegang")
@roles_required("admin", action="break_glass")
def emergency_access():
    values = {k: request.form.get(k, "") for k in ("case_id", "reason", "minutes")}
    minutes = whole_number(values["minutes"], minimum=0, maximum=99999)
    try:
        grant = break_glass(current_user, values["case_id"].strip(), values["reason"], minutes)
    except ValidationError as exc:
        refused(exc)
        return _render_grant_error(values, {exc.field or "case_id": exc.message})
    except Exception as exc:   # NotFound / NotPermitted: same page, message beside the case id
        from ..errors import AppError
        if not isinstance(exc, AppError):
            raise
        refused(exc)
        return _render_grant_error(values, {"case_id": _("Geen dossier met dit nummer.")})
    return redirect(url_for("cases.show", case_id=grant.case_id))


def _user_options(users) -> list[tuple[str, str]]:
    return [("", _("– alle gebruikers –"))] + [(str(u.id), f"{u.name} ({u.organisation.name})") for u in users]


def _render_grant_error(values: dict, errors: dict):
    users = users_in_region(officer_region(current_user))
    return render_template("privacy/audit.html", rows=[], errors={}, user_options=_user_options(users), names={},
                           grants=[], organisations={}, case_id="",
                           user_id="", grant_errors=errors, grant_values=values), 422


@bp.get("/dossiers/<case_id>/inzage")
@roles_required("jgz", "admin", action="export")
def export_page(case_id):
    data = export_case(current_user, case_id)
    return render_template("privacy/export.html", data=data, view=readable_export(data))


@bp.get("/dossiers/<case_id>/inzage.txt")
@roles_required("jgz", "admin", action="export")
def export_text(case_id):
    """The page's words as a file to hand to the parents (the JSON download holds the same data)."""
    data = export_case(current_user, case_id)
    text = render_template("privacy/export.txt", view=readable_export(data))
    return Response(text, mimetype="text/plain; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename=inzage-{data['id']}.txt"})


@bp.get("/dossiers/<case_id>/inzage.json")
@roles_required("jgz", "admin", action="export")
def export_json(case_id):
    import json
    data = export_case(current_user, case_id)
    return Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json",
                    headers={"Content-Disposition": f"attachment; filename=inzage-{data['id']}.json"})
