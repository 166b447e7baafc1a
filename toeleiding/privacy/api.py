"""API routes for break-the-glass and the parents' export."""
from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from ..api.blueprint import bp, json_body
from ..extensions import db
from .operations import break_glass, export_case


@bp.post("/cases/<case_id>/break-glass")
def case_break_glass(case_id):
    body = json_body()
    grant = break_glass(current_user, case_id, body.get("reason"), body.get("minutes"))
    out = {"grant_id": str(grant.id), "case_id": str(grant.case_id), "expires_at": grant.expires_at.isoformat()}
    db.session.commit()
    return jsonify(out), 201


@bp.get("/cases/<case_id>/export")
def case_export(case_id):
    out = export_case(current_user, case_id)
    db.session.commit()
    return jsonify(out)
