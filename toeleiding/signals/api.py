"""JSON routes of signals on the API blueprint: the signaller's own signals, and a new one."""
from __future__ import annotations

from flask import current_app, jsonify, request
from flask_login import current_user

from ..api.blueprint import bp, int_arg, json_body
from ..audit.operations import log_access
from ..cases.models import Case
from ..errors import N_, NotPermitted, ValidationError
from ..extensions import db
from .operations import signal_case
from ..cases.util import find_case
from .util import assessor_json, may_assess, may_signal, own_signals, signal_json, signals_of_case


@bp.get("/signals")
def signals():
    """The caller's organisation's signals, newest first: what was typed, assessed or not."""
    if not may_signal(current_user):
        raise NotPermitted(N_("Uw rol kan geen kinderen signaleren."))
    raw = request.args.get("assessed")
    if raw not in (None, "true", "false"):
        raise ValidationError(N_("'assessed' is true of false."), "assessed")
    page = int_arg("page", 1, 10**6)
    per_page = int_arg("per_page", 50, current_app.config["PAGE_SIZE_MAX"])
    rows, total = own_signals(current_user, page, per_page, None if raw is None else raw == "true")
    log_access(current_user, "list", [case.id for _, case in rows])
    return jsonify({"items": [signal_json(s, c) for s, c in rows], "page": page, "per_page": per_page,
                    "total": total})


@bp.post("/signals")
def create_signal():
    """A VE provider or the CJG signals a child to JGZ: ``{municipality, child, parents, note}``."""
    body = json_body()
    row = signal_case(current_user, body.get("municipality"), body.get("child"), body.get("parents"), body.get("note"))
    return jsonify(signal_json(row, db.session.get(Case, row.case_id))), 201


@bp.get("/cases/<case_id>/signals")
def case_signals(case_id):
    """The signals about a case, with their notes, for the role that assesses them (JGZ)."""
    case = find_case(current_user, case_id)   # 404 outside the scope, before anything else is said
    if not may_assess(current_user):
        raise NotPermitted(N_("Alleen wie kinderen registreert leest de signalen."))
    items = [assessor_json(s) for s in signals_of_case(case)]
    log_access(current_user, "read", [case.id])
    return jsonify({"items": items})


def openapi_paths(std: dict, error) -> dict:
    """This feature's part of the OpenAPI document (openapi.py merges it in)."""
    child = {"type": ["object", "null"], "description": "As typed; null once the retention job erased it",
             "properties": {"given_name": {"type": "string"}, "family_name": {"type": "string"},
                            "birth_date": {"type": "string", "format": "date"}}}
    signal = {"type": "object", "properties": {
        "id": {"type": "string", "format": "uuid"}, "signalled_at": {"type": "string", "format": "date-time"},
        "organisation": {"type": "string"}, "role": {"type": "string"}, "child": child,
        "municipality": {"type": "string", "description": "CBS code of the municipality of residence"},
        "note": {"type": ["string", "null"]},
        "assessed": {"type": "boolean", "description": "JGZ took its next step on the case (which one is not told)"},
        "assessed_at": {"type": ["string", "null"], "format": "date-time"}}}
    refused = error("Only the roles of the workflow's registration.signal signal children")
    seen = {"type": "object", "properties": {
        "id": {"type": "string", "format": "uuid"}, "signalled_at": {"type": "string", "format": "date-time"},
        "organisation": {"type": "string"}, "role": {"type": "string"}, "note": {"type": ["string", "null"]},
        "assessed": {"type": "boolean"}, "assessed_at": {"type": ["string", "null"], "format": "date-time"}}}
    case_id = {"name": "case_id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
    return {"/cases/{case_id}/signals": {"get": {
        "summary": "The signals about a case from VE and CJG, with their notes, oldest first (JGZ: the "
                   "workflow's registration.register)",
        "parameters": [case_id],
        "responses": {"200": {"description": "List", "content": {"application/json": {"schema": {
            "type": "object", "properties": {"items": {"type": "array", "items": seen}}}}}},
                      "403": error("Role does not assess signals"), "404": error("Case not in scope"), **std}}},
            "/signals": {
        "get": {"summary": "The signals of the caller's organisation, newest first: what was typed and whether "
                           "JGZ assessed it, never the indication (VE, CJG: the workflow's registration.signal)",
                "parameters": [
                    {"name": "assessed", "in": "query", "schema": {"type": "string", "enum": ["true", "false"]}},
                    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1}}],
                "responses": {"200": {"description": "List", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"items": {"type": "array", "items": signal},
                                                     "page": {"type": "integer"}, "per_page": {"type": "integer"},
                                                     "total": {"type": "integer"}}}}}},
                              "403": refused, "422": error("A query argument is wrong (named in `field`)"), **std}},
        "post": {"summary": "Signal a child to JGZ (VE, CJG): the registration form and a note (stored encrypted). "
                            "The child is registered in the workflow's initial state; JGZ's next step on the case "
                            "assesses the signal. The case itself stays outside the signaller's scope",
                 # The registration form (POST /cases) and a note.
                 "requestBody": {"required": True, "content": {"application/json": {"schema": {"allOf": [
                     {"$ref": "#/components/schemas/NewCase"},
                     {"type": "object", "required": ["note"], "properties": {
                         "note": {"type": "string", "minLength": 1, "maxLength": 2000,
                                  "description": "Why the child is signalled"}}}]}}}},
                 "responses": {"201": {"description": "Signalled", "content": {"application/json": {"schema": signal}}},
                               "400": error("Not JSON"), "403": refused,
                               "409": error("The child has an open case already"),
                               "422": error("A field is wrong (named in `fields`)"), **std}}}}
