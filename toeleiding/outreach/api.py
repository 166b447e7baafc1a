"""JSON routes of the outreach log on the API blueprint: a case's contact attempts, and a new one."""
from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from ..api.blueprint import bp, json_body
from ..cases.operations import log_access
from ..cases.util import find_case
from .operations import record_contact_attempt
from .util import attempt_json, attempts_of


@bp.get("/cases/<case_id>/contact-attempts")
def contact_attempts(case_id):
    """The case's contact attempts, oldest first (whoever may see the case)."""
    case = find_case(current_user, case_id)
    items = [attempt_json(a) for a in attempts_of(case, current_user)]
    log_access(current_user, "read", [case.id])
    return jsonify({"items": items})


@bp.post("/cases/<case_id>/contact-attempts")
def add_contact_attempt(case_id):
    """JGZ, VE or CJG records a try to reach the family: ``{date, method, interpreter, outcome}``."""
    row = record_contact_attempt(current_user, case_id, json_body())
    return jsonify(attempt_json(row)), 201


def openapi_paths(std: dict, error) -> dict:
    """This feature's part of the OpenAPI document (openapi.py merges it in)."""
    from ..workflow import current_workflow
    wf = current_workflow()
    rules = wf.contact_attempts
    codes = list(wf.choice_lists[rules.methods]) if rules else []
    attempt = {"type": "object", "properties": {
        "id": {"type": "string", "format": "uuid"}, "case_id": {"type": "string", "format": "uuid"},
        "date": {"type": "string", "format": "date"}, "method": {"type": "string", "enum": codes},
        "method_label": {"type": "string"}, "interpreter": {"type": "boolean"},
        "outcome": {"type": ["string", "null"]}, "organisation": {"type": "string"}, "role": {"type": "string"},
        "recorded_at": {"type": "string", "format": "date-time"}}}
    case_id = {"name": "case_id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
    return {"/cases/{case_id}/contact-attempts": {
        "get": {"summary": "The case's contact attempts with the family, oldest first (outreach log)",
                "parameters": [case_id],
                "responses": {"200": {"description": "List", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"items": {"type": "array", "items": attempt}}}}}},
                              "404": error("Case not in scope"), **std}},
        "post": {"summary": "Record a contact attempt (JGZ, VE, CJG; the outcome is stored encrypted; in the "
                            "case's timeline). Method codes: the workflow file's contact_attempts.methods list",
                 "parameters": [case_id],
                 "requestBody": {"required": True, "content": {"application/json": {"schema": {
                     "type": "object", "required": ["date", "method"],
                     "properties": {"date": {"type": "string", "format": "date", "description": "Not in the future"},
                                    "method": {"type": "string", "enum": codes},
                                    "interpreter": {"type": "boolean", "default": False},
                                    "outcome": {"type": "string", "maxLength": 2000}}}}}},
                 "responses": {"201": {"description": "Recorded", "content": {"application/json": {"schema": attempt}}},
                               "400": error("Not JSON"),
                               "403": error("Role may not record attempts, or a provider the child left"),
                               "404": error("Case not in scope"), "422": error("A field is wrong (named in `fields`)"),
                               **std}}}}
