"""API routes: parse the request, call a service, commit once, answer JSON. No business rules here."""
from __future__ import annotations

from flask import current_app, jsonify, request
from flask_login import current_user
from sqlalchemy import func
from sqlalchemy.orm import selectinload

from .. import clock
from ..cases.models import Case
from ..cases.operations import fire_transition, log_access, register_case
from ..cases.residence import record_move
from ..cases.util import find_case, scoped_cases
from ..cases.validation import parse_date
from ..errors import N_, ValidationError
from ..extensions import db
from ..organisations.util import get_municipality, list_locations, list_municipalities, list_schools
from ..users import totp
from ..users.operations import authenticate, issue_token, revoke_token
from . import serializers as s
from .blueprint import bp, int_arg, json_body
from .openapi import openapi_document


@bp.post("/auth/login")
def login():
    body = json_body()
    user = authenticate(body.get("email"), body.get("password"))
    # A wrong code is refused (403) and the error handler's rollback undoes authenticate's
    # "succeeded": the attempt stays the committed failure it was recorded as, so guessing
    # codes counts against the sign-in limits.
    totp.check(user, body.get("totp"))
    token, row = issue_token(user, current_app.config["API_TOKEN_HOURS"])
    db.session.commit()
    return jsonify({"token": token, "expires_at": row.expires_at.isoformat()})


@bp.post("/auth/logout")
def logout():
    revoke_token(request.headers.get("Authorization", "").partition(" ")[2].strip())
    db.session.commit()
    return "", 204


@bp.post("/auth/totp/setup")
def totp_setup():
    uri = totp.propose(current_user)
    db.session.commit()
    return jsonify({"otpauth_uri": uri})


@bp.post("/auth/totp/confirm")
def totp_confirm():
    totp.confirm(current_user, json_body().get("totp"))
    db.session.commit()
    return jsonify({"totp_enabled": True})


@bp.get("/me")
def me():
    return jsonify({**s.user_json(current_user), "totp_enabled": current_user.totp_enabled})


@bp.get("/workflow")
def workflow():
    return jsonify(s.workflow_json())


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.get("/municipalities")
def municipalities():
    on = parse_date(request.args["on"], "on") if request.args.get("on") else clock.today()
    return jsonify({"items": [s.municipality_json(m, on) for m in list_municipalities()]})


def _municipality_arg():
    code = request.args.get("municipality")
    return get_municipality(code, "municipality") if code else None


@bp.get("/locations")
def locations():
    return jsonify({"items": [s.location_json(loc) for loc in list_locations(_municipality_arg())]})


@bp.get("/schools")
def schools():
    return jsonify({"items": [s.school_json(o) for o in list_schools(_municipality_arg())]})


@bp.post("/cases")
def create_case():
    body = json_body()
    case = register_case(current_user, body.get("municipality"), body.get("child"), body.get("parents"))
    out = s.case_detail(case, current_user)
    db.session.commit()
    return jsonify(out), 201


@bp.get("/cases")
def cases():
    q = scoped_cases(current_user)
    state = request.args.get("state")
    if state:
        from ..workflow import current_workflow
        if state not in current_workflow().states:
            raise ValidationError(N_("Onbekende status."), "state")
        q = q.where(Case.state == state)
    municipality = _municipality_arg()
    if municipality is not None:
        q = q.where(Case.municipality_id == municipality.id)
    page = int_arg("page", 1, 10**6)
    per_page = int_arg("per_page", 50, current_app.config["PAGE_SIZE_MAX"])
    total = db.session.scalar(q.with_only_columns(func.count()).order_by(None))
    rows = list(db.session.scalars(q.options(selectinload(Case.municipality))
                                   .order_by(Case.state_since, Case.id).limit(per_page).offset((page - 1) * per_page)))
    items = [s.list_item(c, current_user) for c in rows]
    log_access(current_user, "list", [c.id for c in rows])
    db.session.commit()
    return jsonify({"items": items, "page": page, "per_page": per_page, "total": total})


@bp.get("/cases/<case_id>")
def case(case_id):
    found = find_case(current_user, case_id)
    out = s.case_detail(found, current_user)
    log_access(current_user, "read", [found.id])
    db.session.commit()
    return jsonify(out)


@bp.post("/cases/<case_id>/transitions")
def transition(case_id):
    body = json_body()
    updated = fire_transition(current_user, case_id, body.get("trigger"), body.get("version"), body.get("data"))
    out = s.case_detail(updated, current_user)
    db.session.commit()
    return jsonify(out)


@bp.post("/cases/<case_id>/moves")
def move(case_id):
    """JGZ records a change of residence: ``{version, municipality, effective_date}``."""
    body = json_body()
    case = record_move(current_user, case_id, body.get("version"), body.get("municipality"), body.get("effective_date"))
    out = s.case_detail(case, current_user)
    db.session.commit()
    return jsonify(out)
