"""The privacy officer's view of the access log (admin role): JSON and CSV."""
from __future__ import annotations

from flask import Response, jsonify, request
from flask_login import current_user

from ..api.blueprint import bp
from ..cases.util import parse_case_id
from ..errors import NotPermitted, ValidationError
from ..extensions import db
from .operations import log_access
from .util import entries, entry_json, iter_csv


def _query():
    if current_user.role != "admin":
        raise NotPermitted("Alleen de functioneel beheerder (privacy officer) ziet het toegangslog.")
    case_id = user_id = None
    if request.args.get("case_id"):
        case_id = parse_case_id(request.args["case_id"])
        if case_id is None:
            raise ValidationError("Ongeldig dossiernummer.", "case_id")
    if request.args.get("user_id"):
        if not request.args["user_id"].isdigit():
            raise ValidationError("Ongeldig gebruikersnummer.", "user_id")
        user_id = int(request.args["user_id"])
    if case_id is None and user_id is None:
        raise ValidationError("Geef case_id of user_id op.", "case_id")
    # Looking into the log about a child is itself an access to that child's record.
    log_access(current_user, "audit_export" if request.path.endswith(".csv") else "audit_read", [case_id])
    return entries(case_id, user_id)


@bp.get("/audit")
def audit_entries():
    rows = [entry_json(e) for e in db.session.scalars(_query().limit(1000))]
    db.session.commit()
    return jsonify({"items": rows})


@bp.get("/audit.csv")
def audit_csv():
    body = "".join(iter_csv(db.session.scalars(_query())))
    db.session.commit()
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=toegangslog.csv"})
