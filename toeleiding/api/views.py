"""The API's own routes: sign in and out (bearer tokens), the second factor, who am I. Each
feature keeps its routes in its own api.py, on the same blueprint."""
from __future__ import annotations

from flask import current_app, jsonify, request
from flask_login import current_user

from ..users import totp
from ..users.models import User
from ..users.operations import authenticate, issue_token, revoke_token
from .blueprint import bp, json_body


@bp.post("/auth/login")
def login():
    body = json_body()
    user = authenticate(body.get("email"), body.get("password"))
    # A wrong code is refused (403) and the error handler's rollback undoes authenticate's
    # "succeeded": the attempt stays the committed failure it was recorded as, so guessing
    # codes counts against the sign-in limits.
    totp.check(user, body.get("totp"))
    token, row = issue_token(user, current_app.config["API_TOKEN_HOURS"])
    return jsonify({"token": token, "expires_at": row.expires_at.isoformat()})


@bp.post("/auth/logout")
def logout():
    revoke_token(request.headers.get("Authorization", "").partition(" ")[2].strip())
    return "", 204


@bp.post("/auth/totp/setup")
def totp_setup():
    uri = totp.propose(current_user)
    return jsonify({"otpauth_uri": uri})


@bp.post("/auth/totp/confirm")
def totp_confirm():
    totp.confirm(current_user, json_body().get("totp"))
    return jsonify({"totp_enabled": True})


@bp.get("/me")
def me():
    return jsonify({**user_json(current_user), "totp_enabled": current_user.totp_enabled})


def user_json(user: User) -> dict:
    org = user.organisation
    return {"id": user.id, "email": user.email, "name": user.name, "role": user.role,
            "organisation": {"id": org.id, "name": org.name, "kind": org.kind, "region": org.region.slug}}
