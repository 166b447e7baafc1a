"""API routes for break-the-glass, the parents' export and the privacy officer's view of the
access log (admin role, own region): JSON and CSV."""
from __future__ import annotations

from flask import Response, jsonify, request
from flask_login import current_user

from ..api.blueprint import bp, json_body
from ..audit.operations import audited, log_log_read
from ..audit.util import entry_json, iter_csv
from ..cases.util import parse_case_id
from ..errors import N_, NotPermitted, ValidationError
from ..extensions import db
from ..numbers import parse_whole_number
from .operations import break_glass, export_case, review_grants
from .util import entries, find_subject


@bp.post("/cases/<case_id>/break-glass")
def case_break_glass(case_id):
    body = json_body()
    grant = break_glass(current_user, case_id, body.get("reason"), body.get("minutes"))
    out = {"grant_id": str(grant.id), "case_id": str(grant.case_id), "expires_at": grant.expires_at.isoformat()}
    return jsonify(out), 201


@bp.get("/cases/<case_id>/export")
def case_export(case_id):
    out = export_case(current_user, case_id)
    return jsonify(out)


@audited(lambda args: _action(), case_arg=None)   # a refused question is a denied row
def _query(user):
    if user.role != "admin":
        raise NotPermitted(N_("Alleen de functioneel beheerder (privacy officer) ziet het toegangslog."))
    case_id = user_id = None
    if request.args.get("case_id"):
        case_id = parse_case_id(request.args["case_id"])
        if case_id is None:
            raise ValidationError(N_("Ongeldig dossiernummer."), "case_id")
    if request.args.get("user_id"):
        user_id = parse_whole_number(request.args["user_id"], "user_id", message=N_("Ongeldig gebruikersnummer."))
    if case_id is None and user_id is None:
        raise ValidationError(N_("Geef case_id of user_id op."), "case_id")
    region = find_subject(user, case_id, user_id)   # another region's child or user: 404
    log_log_read(user, _action(), [case_id], user_id)
    return region, case_id, user_id


def _action() -> str:
    return "audit_export" if request.path.endswith(".csv") else "audit_read"


@bp.get("/audit")
def audit_entries():
    """The log's rows for a case or a user, and the break-the-glass grants with their reasons,
    within the officer's region."""
    region, case_id, user_id = _query(current_user)
    rows = [entry_json(e) for e in db.session.scalars(entries(region, case_id, user_id).limit(1000))]
    grants = review_grants(current_user, case_id, user_id)
    return jsonify({"items": rows, "grants": grants})


@bp.get("/audit.csv")
def audit_csv():
    region, case_id, user_id = _query(current_user)
    body = "".join(iter_csv(db.session.scalars(entries(region, case_id, user_id))))
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=toegangslog.csv"})
