"""The OpenAPI 3.1 document of the whole API (``GET /api/v1/openapi.json``), with the transition
data schemas generated from the workflow file: it describes every feature, so it sits on top."""
from __future__ import annotations

from flask import jsonify

from .api.blueprint import bp
from .cases.fieldtypes import TYPES
from .workflow import current_workflow


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _json(schema_ref: str, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}}}


def _transition_schemas() -> list[dict]:
    wf = current_workflow()
    out = []
    for t in wf.transitions.values():
        props = {f.name: TYPES[f.type].schema(wf, f) for f in t.fields.values()}
        out.append({
            "title": t.trigger, "type": "object", "required": ["trigger", "version", "data"],
            "properties": {
                "trigger": {"const": t.trigger},
                "version": {"type": "integer", "minimum": 1},
                "data": {"type": "object", "additionalProperties": False, "properties": props,
                         "required": [f.name for f in t.fields.values() if f.required]},
            }})
    return out


def openapi_document() -> dict:
    case_path = {"name": "case_id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
    municipality_q = {"name": "municipality", "in": "query", "schema": {"type": "string", "pattern": "^GM[0-9]{4}$"}}
    auth = [{"bearer": []}]
    std = {"401": _error("Not signed in"), "422": _error("Invalid input; `field` names the first field at fault, `fields` every one")}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Toeleiding API", "version": "1",
                 "description": "VE-toeleiding: cases, their transitions, and the region's configuration."},
        "servers": [{"url": "/api/v1"}],
        "security": auth,
        "paths": {
            "/auth/login": {"post": {
                "security": [], "summary": "Exchange e-mail and password for a bearer token",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["email", "password"],
                    "properties": {"email": {"type": "string"}, "password": {"type": "string"},
                                   "totp": {"type": "string", "description": "when the second factor is on"}}}}}},
                "responses": {"200": _json("Token"), "400": _error("Not JSON"), "401": _error("Wrong credentials")}}},
            "/auth/totp/setup": {"post": {"summary": "Propose a TOTP secret (returns an otpauth:// URI)",
                                          "responses": {"200": {"description": "Proposed"}, **std}}},
            "/auth/totp/confirm": {"post": {
                "summary": "Switch the second factor on with a code from the app",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["totp"], "properties": {"totp": {"type": "string"}}}}}},
                "responses": {"200": {"description": "On"}, "400": _error("Not JSON"), **std}}},
            "/auth/logout": {"post": {"summary": "Revoke the token", "responses": {"204": {"description": "Revoked"}, **std}}},
            "/me": {"get": {"summary": "The signed-in user", "responses": {"200": _json("User"), **std}}},
            "/workflow": {"get": {"summary": "States, transitions with roles and fields, reasons; who registers "
                                             "and who signals (registration)",
                                  "responses": {"200": {"description": "The workflow in effect"}, **std}}},
            "/municipalities": {"get": {
                "summary": "Municipalities with the target-group definition in force",
                "parameters": [{"name": "on", "in": "query", "schema": {"type": "string", "format": "date"}}],
                "responses": {"200": {"description": "List"}, **std}}},
            "/locations": {"get": {"summary": "VE locations", "parameters": [municipality_q],
                                   "responses": {"200": {"description": "List"}, **std}}},
            "/schools": {"get": {"summary": "Schools", "parameters": [municipality_q],
                                 "responses": {"200": {"description": "List"}, **std}}},
            "/cases": {
                "get": {"summary": "Cases in the caller's scope; with bsn or family_name a search (access-logged as one)",
                        "parameters": [
                    {"name": "state", "in": "query", "schema": {"type": "string", "enum": list(current_workflow().states)}},
                    municipality_q,
                    {"name": "bsn", "in": "query", "description": "exact BSN, elfproef (JGZ only; 403 for other roles)",
                     "schema": {"type": "string", "maxLength": 50}},
                    {"name": "family_name", "in": "query",
                     "description": "parts of the family name or their starts (3+ letters), case, accents and "
                                    "tussenvoegsels ignored: 'berg' and 'jans' find 'van den Berg-Jansen'",
                     "schema": {"type": "string", "minLength": 1, "maxLength": 200}},
                    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}}],
                    "responses": {"200": {"description": "A page of cases"},
                                  "403": _error("A BSN search by a role other than JGZ"), **std}},
                "post": {"summary": "Register a child (JGZ)",
                         "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewCase"}}}},
                         "responses": {"201": _json("Case", "Created in state signalled"), "400": _error("Not JSON"),
                                       "403": _error("Role may not register"), "409": _error("An open case exists"), **std}}},
            "/cases/search": {"post": {
                "summary": "The list and search of GET /cases with its arguments in a JSON body, so no BSN or name "
                           "stands in a URL (and so in an access log)",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "properties": {
                        "bsn": {"type": "string", "maxLength": 50}, "family_name": {"type": "string", "maxLength": 200},
                        "state": {"type": "string", "enum": list(current_workflow().states)},
                        "municipality": {"type": "string"}, "page": {"type": "integer", "minimum": 1},
                        "per_page": {"type": "integer", "minimum": 1, "maximum": 200}}}}}},
                "responses": {"200": {"description": "A page of cases"}, "400": _error("Not JSON"),
                              "403": _error("A BSN search by a role other than JGZ"), **std}}},
            "/audit": {"get": {"summary": "Access log entries about a case or by a user (admin)", "parameters": [
                {"name": "case_id", "in": "query", "schema": {"type": "string", "format": "uuid"}},
                {"name": "user_id", "in": "query", "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "Newest first, at most 1000"}, "403": _error("Admin only"),
                              "404": _error("Case or user not found in the admin's region"), **std}}},
            "/audit.csv": {"get": {"summary": "The same as CSV (admin)", "parameters": [
                {"name": "case_id", "in": "query", "schema": {"type": "string", "format": "uuid"}},
                {"name": "user_id", "in": "query", "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "CSV", "content": {"text/csv": {}}}, "403": _error("Admin only"),
                              "404": _error("Case or user not found in the admin's region"), **std}}},
            "/cases/{case_id}/break-glass": {"post": {
                "summary": "Emergency access to one record for a stated reason (admin)", "parameters": [case_path],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["reason"],
                    "properties": {"reason": {"type": "string", "minLength": 10}, "minutes": {"type": "integer", "minimum": 1}}}}}},
                "responses": {"201": {"description": "Granted"}, "400": _error("Not JSON"), "403": _error("Admin only"),
                              "404": _error("No such case in the admin's region"), **std}}},
            "/cases/{case_id}/export": {"get": {
                "summary": "Everything held on one child, for the parents (JGZ; admin under break-the-glass)",
                "parameters": [case_path],
                "responses": {"200": {"description": "The export"}, "403": _error("Role may not export"),
                              "404": _error("Not found or not in scope"), **std}}},
            "/cases/{case_id}": {"get": {"summary": "One case, its history and the caller's triggers",
                                         "description": "A school (role `school`) reads only a case handed over "
                                                        "to it, and of it only the child's names and date of "
                                                        "birth and the handover steps (no BSN, address, parents "
                                                        "or other steps).",
                                         "parameters": [case_path],
                                         "responses": {"200": _json("Case"), "404": _error("Not found or not in scope"), **std}},
                                 "patch": {
                "summary": "Correct the child's and parents' data (JGZ; the CJG only the parents' contact details)",
                "description": "Versioned like a transition. `child` holds only the fields to change (the date of "
                               "birth cannot be corrected: 422 at child.birth_date); `parents`, if given, is the "
                               "whole new list. The history gets a `correct` event naming the changed fields "
                               "(`data.fields`), never their values. A BSN of another open case is refused (422 "
                               "at child.bsn).",
                "parameters": [case_path],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["version"],
                    "properties": {"version": {"type": "integer", "minimum": 1},
                                   "child": {"type": "object", "properties": {
                                       "given_name": {"type": "string"}, "family_name": {"type": "string"},
                                       "bsn": {"type": "string", "pattern": "^[0-9]{9}$"},
                                       "birth_date": {"type": "string", "format": "date"},
                                       "postcode": {"type": "string"}, "house_number": {"type": "string"}}},
                                   "parents": {"type": "array", "maxItems": 4, "items": {
                                       "type": "object", "required": ["name"], "properties": {
                                           "name": {"type": "string"}, "phone": {"type": ["string", "null"]},
                                           "email": {"type": ["string", "null"]}}}}}}}}},
                "responses": {"200": _json("Case"), "400": _error("Not JSON"),
                              "403": _error("Role may not correct (these fields)"),
                              "404": _error("Not found or not in scope"), "409": _error("Stale version"), **std}}},
            "/cases/{case_id}/transitions": {"post": {
                "summary": "Fire a trigger", "parameters": [case_path],
                "description": "One schema per trigger of the workflow file, e.g. `hand_over_to_school` (the "
                               "provider; the parents' consent `handover_consent: true` and the handover form) and "
                               "`acknowledge_handover` (the school confirms receipt).",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"oneOf": _transition_schemas()}}}},
                "responses": {"200": _json("Case"), "400": _error("Not JSON"), "403": _error("Role may not fire this trigger"),
                              "404": _error("Not found or not in scope"), "409": _error("Stale version or not possible from this state"), **std}}},
            "/cases/{case_id}/moves": {"post": {
                "summary": "Record a change of residence (JGZ); out of the region the case closes as moved_out_of_region",
                "parameters": [case_path],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["version", "municipality", "effective_date"],
                    "properties": {"version": {"type": "integer", "minimum": 1},
                                   "municipality": {"type": "string", "pattern": "^GM[0-9]{4}$"},
                                   "effective_date": {"type": "string", "format": "date"}}}}}},
                "responses": {"200": {"description": "The case after the move"}, "403": _error("Not JGZ"),
                              "404": _error("Not found or not in scope"), "409": _error("Stale version or closed"), **std}}},
            **_reminder_paths(std),
            **_monitor_paths(std),
            **_admin_paths(std),
            **_outreach_paths(std),
            **_signal_paths(std),
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                    "type": "object", "required": ["code", "message", "field", "fields"],
                    "description": "`code`, `message` and `field` describe the first error; `fields` lists every "
                                   "field at fault with its message (all of a request's bad fields at once; "
                                   "empty when the error is not about a field)",
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                                   "field": {"type": ["string", "null"]},
                                   "fields": {"type": "array", "items": {
                                       "type": "object", "required": ["field", "message"],
                                       "properties": {"field": {"type": "string"},
                                                      "message": {"type": "string"}}}}}}}},
                "Token": {"type": "object", "properties": {"token": {"type": "string"}, "expires_at": {"type": "string"}}},
                "User": {"type": "object", "properties": {"id": {"type": "integer"}, "email": {"type": "string"},
                                                          "role": {"type": "string"}, "organisation": {"type": "object"}}},
                "NewCase": {"type": "object", "required": ["municipality", "child"], "properties": {
                    "municipality": {"type": "string", "pattern": "^GM[0-9]{4}$"},
                    "child": {"type": "object", "required": ["given_name", "family_name", "bsn", "birth_date", "postcode", "house_number"],
                              "properties": {"given_name": {"type": "string"}, "family_name": {"type": "string"},
                                             "bsn": {"type": "string", "pattern": "^[0-9]{9}$"},
                                             "birth_date": {"type": "string", "format": "date"},
                                             "postcode": {"type": "string"}, "house_number": {"type": "string"}}},
                    "parents": {"type": "array", "maxItems": 4, "items": {"type": "object", "required": ["name"], "properties": {
                        "name": {"type": "string"}, "phone": {"type": "string"}, "email": {"type": "string"}}}}}},
                "Case": {"type": "object", "properties": {
                    "id": {"type": "string", "format": "uuid"}, "municipality": {"type": "string"},
                    "state": {"type": "string"}, "version": {"type": "integer"}, "child": {"type": "object"},
                    "history": {"type": "array"}, "triggers": {"type": "array", "items": {"type": "string"}}}},
            },
        },
    }


def _monitor_paths(std: dict) -> dict:
    from .monitor.api import openapi_paths
    return openapi_paths(std, _error)


def _admin_paths(std: dict) -> dict:
    from .admin.api import capacity_openapi_paths, openapi_paths
    return {**openapi_paths(std, _error), **capacity_openapi_paths(std, _error)}


def _reminder_paths(std: dict) -> dict:
    from .reminders.api import openapi_paths
    return openapi_paths(std, _error)


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


def _outreach_paths(std: dict) -> dict:
    from .outreach.api import openapi_paths
    return openapi_paths(std, _error)


def _signal_paths(std: dict) -> dict:
    from .signals.api import openapi_paths
    return openapi_paths(std, _error)
