"""JSON routes of reminders on the API blueprint: the caller's inbox, done, snooze, bereik-overleg.

The inbox list names no child: case id, rule, due date and state. Who the child is, the
caller sees on the case itself, where reading is logged.
"""
from __future__ import annotations

from flask import current_app, jsonify, request
from flask_login import current_user
from sqlalchemy import func

from ..api.blueprint import bp, int_arg, json_body
from ..cases.operations import log_access
from ..errors import N_, ValidationError
from ..extensions import db
from .models import Reminder
from .operations import add_case_note, add_meeting_note, complete_reminder, snooze_reminder
from .util import inbox_query, meeting_overview, rule_label

INBOX_STATES = ("open", "snoozed", "done")


def _iso(value):
    return value.isoformat() if value is not None else None


def reminder_json(r: Reminder) -> dict:
    return {"id": r.id, "case_id": str(r.case_id), "rule": r.rule, "rule_label": rule_label(r.rule),
            "due_at": _iso(r.due_at), "delivered_at": _iso(r.delivered_at), "state": r.state,
            "snoozed_until": _iso(r.snoozed_until)}


@bp.get("/reminders")
def reminders():
    state = request.args.get("state", "open")
    if state not in INBOX_STATES:
        raise ValidationError(N_("Onbekende status; kies uit %(choices)s."), "state",
                              params={"choices": ", ".join(INBOX_STATES)})
    q = inbox_query(current_user, state)
    page = int_arg("page", 1, 10**6)
    per_page = int_arg("per_page", 50, current_app.config["PAGE_SIZE_MAX"])
    total = db.session.scalar(q.with_only_columns(func.count()).order_by(None))
    rows = list(db.session.scalars(q.order_by(Reminder.due_at, Reminder.id).limit(per_page)
                                   .offset((page - 1) * per_page)))
    return jsonify({"items": [reminder_json(r) for r in rows], "page": page, "per_page": per_page, "total": total})


@bp.post("/reminders/<id:reminder_id>/done")
def reminder_done(reminder_id):
    r = complete_reminder(current_user, reminder_id)
    out = reminder_json(r)
    return jsonify(out)


@bp.post("/reminders/<id:reminder_id>/snooze")
def reminder_snooze(reminder_id):
    body = json_body()
    r = snooze_reminder(current_user, reminder_id, body.get("until"), body.get("reason"))
    out = reminder_json(r)
    return jsonify(out)


@bp.get("/bereik-overleg/<municipality>")
def meeting(municipality):
    overview = meeting_overview(current_user, municipality)
    items = [{
        "case_id": str(item.case.id), "state": item.case.state, "state_since": _iso(item.case.state_since),
        "days": item.days, "not_reached_reason": item.case.not_reached_reason,
        "reminders": [reminder_json(r) | {"role": r.role,
                                          "organisation": r.organisation.name if r.organisation else None}
                      for r in item.reminders],
        "notes": [{"at": _iso(n.created_at), "organisation": n.organisation.name, "text": n.text} for n in item.notes],
    } for item in overview.items]
    log_access(current_user, "bereik-overleg", [item.case.id for item in overview.items])
    return jsonify({"municipality": overview.municipality.code, "items": items})


@bp.post("/bereik-overleg/<municipality>/notes")
def meeting_note(municipality):
    body = json_body()
    note = add_meeting_note(current_user, municipality, body.get("case_id"), body.get("text"))
    out = {"id": str(note.id), "case_id": str(note.case_id), "at": _iso(note.created_at), "text": note.text}
    return jsonify(out), 201


@bp.post("/cases/<case_id>/notes")
def case_note(case_id):
    """A note about a child, as on the case page (JGZ, VE, CJG): ``{text}``."""
    body = json_body()
    note = add_case_note(current_user, case_id, body.get("text"))
    out = {"id": str(note.id), "case_id": str(note.case_id), "at": _iso(note.created_at), "text": note.text}
    return jsonify(out), 201


def openapi_paths(std: dict, error) -> dict:
    """This feature's part of the OpenAPI document (api/openapi.py merges it in)."""
    rid = {"name": "reminder_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    code = {"name": "municipality", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^GM[0-9]{4}$"}}
    reminder = {"type": "object", "properties": {
        "id": {"type": "integer"}, "case_id": {"type": "string", "format": "uuid"}, "rule": {"type": "string"},
        "rule_label": {"type": "string"}, "due_at": {"type": "string", "format": "date-time"},
        "delivered_at": {"type": ["string", "null"], "format": "date-time"},
        "state": {"type": "string", "enum": ["open", "snoozed", "done", "cancelled"]},
        "snoozed_until": {"type": ["string", "null"], "format": "date"}}}
    ok = {"200": {"description": "The reminder", "content": {"application/json": {"schema": reminder}}}}
    return meeting_openapi_paths(std, error) | {
        "/reminders": {"get": {
            "summary": "The caller's inbox: reminders for its organisation and role (case id, rule, due date, state)",
            "parameters": [{"name": "state", "in": "query", "schema": {"type": "string", "enum": list(INBOX_STATES)}},
                           {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                           {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1}}],
            "responses": {"200": {"description": "A page of reminders"}, **std}}},
        "/reminders/{reminder_id}/done": {"post": {
            "summary": "Mark a delivered reminder done", "parameters": [rid],
            "responses": {**ok, "404": error("Not in the caller's inbox"), "409": error("The case moved on"), **std}}},
        "/reminders/{reminder_id}/snooze": {"post": {
            "summary": "Put a reminder away until a day, with a reason (stored encrypted)", "parameters": [rid],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["until", "reason"],
                "properties": {"until": {"type": "string", "format": "date"},
                               "reason": {"type": "string", "maxLength": 2000}}}}}},
            "responses": {**ok, "400": error("Not JSON"), "404": error("Not in the caller's inbox"),
                          "409": error("Not open"), **std}}},
        "/bereik-overleg/{municipality}": {"get": {
            "summary": "Bereik-overleg: children not reached or waiting, open reminders and agreements (in scope)",
            "parameters": [code],
            "responses": {"200": {"description": "Cases without names"}, "403": error("Role has no overleg"),
                          "404": error("Municipality not in the caller's region"), **std}}},
        "/cases/{case_id}/notes": {"post": {
            "summary": "A note about a child, as on the case page (JGZ, VE, CJG; stored encrypted; in the case's timeline)",
            "parameters": [{"name": "case_id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["text"], "properties": {"text": {"type": "string", "maxLength": 2000}}}}}},
            "responses": {"201": {"description": "Recorded"}, "400": error("Not JSON"),
                          "403": error("Role may not add notes, or a provider the child left"),
                          "404": error("Case not in scope"), **std}}},
        "/bereik-overleg/{municipality}/notes": {"post": {
            "summary": "Record what the overleg agreed about a child (stored encrypted)", "parameters": [code],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["case_id", "text"],
                "properties": {"case_id": {"type": "string", "format": "uuid"},
                               "text": {"type": "string", "maxLength": 2000}}}}}},
            "responses": {"201": {"description": "Recorded"}, "400": error("Not JSON"), "403": error("Role has no overleg"),
                          "404": error("Case not in scope"), **std}}},
    }


# --- Bereik-overleg as meetings (issue 11.8) ------------------------------------------------------
# JGZ, VE and CJG of the region read a municipality's meetings; each sees only the actions about
# children in its own scope. The CJG serving the municipality opens meetings and records actions;
# the owner organisation (or that CJG) completes one. Municipal users get 403, as on every
# bereik-overleg route: a meeting names children, and they see aggregates only.

def meeting_json(m, actions=None) -> dict:
    out = {"id": str(m.id), "municipality": _municipality_code(m.municipality_id),
           "held_on": _iso(m.held_on), "opened_by": m.organisation_id,
           "organisations": [{"id": o.id, "name": o.name, "kind": o.kind} for o in m.organisations]}
    if actions is not None:
        out["actions"] = [action_json(a) for a in actions]
    return out


def _municipality_code(municipality_id: int) -> str:
    from ..organisations.models import Municipality
    return db.session.get(Municipality, municipality_id).code


def action_json(a) -> dict:
    from .util import action_status
    return {"id": str(a.id), "meeting_id": str(a.meeting_id), "case_id": str(a.case_id), "owner_id": a.owner_id,
            "owner": a.owner.name, "due_on": _iso(a.due_on), "text": a.text, "status": action_status(a),
            "reminder_id": a.reminder_id, "done_at": _iso(a.done_at)}


@bp.get("/bereik-overleg/<municipality>/meetings")
def meetings_of_municipality(municipality):
    from ..errors import NotFound, NotPermitted
    from .util import INBOX_ROLES, meeting_municipality, municipality_meetings
    if current_user.role not in INBOX_ROLES:
        raise NotPermitted(N_("Alleen JGZ, VE-aanbieders en CJG nemen deel aan het bereik-overleg."))
    m = meeting_municipality(municipality)
    if m.region_id != current_user.organisation.region_id:
        raise NotFound(N_("Gemeente niet gevonden in uw regio."))
    return jsonify({"municipality": m.code, "items": [meeting_json(x) for x in municipality_meetings(current_user, m)]})


@bp.post("/bereik-overleg/<municipality>/meetings")
def create_meeting(municipality):
    from .operations import open_meeting
    body = json_body()
    m = open_meeting(current_user, municipality, body.get("held_on"), body.get("organisation_ids"))
    return jsonify(meeting_json(m, [])), 201


@bp.get("/meetings/<meeting_id>")
def meeting_detail(meeting_id):
    from .util import find_meeting, visible_actions
    m = find_meeting(current_user, meeting_id)
    rows = visible_actions(current_user, m)
    if rows:
        log_access(current_user, "bereik-overleg", list(dict.fromkeys(case.id for _, case in rows)))
    return jsonify(meeting_json(m, [a for a, _ in rows]))


@bp.post("/meetings/<meeting_id>/actions")
def create_meeting_action(meeting_id):
    from .operations import add_action
    body = json_body()
    a = add_action(current_user, meeting_id, body.get("case_id"), body.get("owner_id"), body.get("due_on"),
                   body.get("text"))
    return jsonify(action_json(a)), 201


@bp.post("/meeting-actions/<action_id>/done")
def meeting_action_done(action_id):
    from .operations import complete_action
    return jsonify(action_json(complete_action(current_user, action_id)))


def meeting_openapi_paths(std: dict, error) -> dict:
    code = {"name": "municipality", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^GM[0-9]{4}$"}}
    mid = {"name": "meeting_id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
    aid = {"name": "action_id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
    action = {"type": "object", "properties": {
        "id": {"type": "string", "format": "uuid"}, "meeting_id": {"type": "string", "format": "uuid"},
        "case_id": {"type": "string", "format": "uuid"}, "owner_id": {"type": "integer"}, "owner": {"type": "string"},
        "due_on": {"type": "string", "format": "date"}, "text": {"type": "string"},
        "status": {"type": "string", "enum": ["open", "done", "cancelled"]},
        "reminder_id": {"type": ["integer", "null"]}, "done_at": {"type": ["string", "null"], "format": "date-time"}}}
    meeting = {"type": "object", "properties": {
        "id": {"type": "string", "format": "uuid"}, "municipality": {"type": "string"},
        "held_on": {"type": "string", "format": "date"}, "opened_by": {"type": "integer"},
        "organisations": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"}, "kind": {"type": "string"}}}},
        "actions": {"type": "array", "items": action}}}
    one = {"application/json": {"schema": meeting}}
    return {
        "/bereik-overleg/{municipality}/meetings": {
            "get": {"summary": "The municipality's meetings, latest first (JGZ, VE, CJG of the region)",
                    "parameters": [code],
                    "responses": {"200": {"description": "Meetings without actions"}, "403": error("Role has no overleg"),
                                  "404": error("Municipality not in the caller's region"), **std}},
            "post": {"summary": "Open a meeting: its day and the region's organisations taking part (the CJG serving "
                                "the municipality)", "parameters": [code],
                     "requestBody": {"required": True, "content": {"application/json": {"schema": {
                         "type": "object", "required": ["held_on"],
                         "properties": {"held_on": {"type": "string", "format": "date"},
                                        "organisation_ids": {"type": "array", "items": {"type": "integer"}}}}}}},
                     "responses": {"201": {"description": "The meeting", "content": one}, "400": error("Not JSON"),
                                   "403": error("Not the CJG of this municipality"),
                                   "404": error("Municipality not in the caller's region"), **std}}},
        "/meetings/{meeting_id}": {"get": {
            "summary": "A meeting with the actions about children in the caller's scope (texts decrypted)",
            "parameters": [mid],
            "responses": {"200": {"description": "The meeting", "content": one}, "403": error("Role has no overleg"),
                          "404": error("Meeting not in the caller's region"), **std}}},
        "/meetings/{meeting_id}/actions": {"post": {
            "summary": "Record an agreed action for a child: text (stored encrypted), owner organisation (one taking "
                       "part), due day; the owner gets it as a reminder", "parameters": [mid],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["case_id", "owner_id", "due_on", "text"],
                "properties": {"case_id": {"type": "string", "format": "uuid"}, "owner_id": {"type": "integer"},
                               "due_on": {"type": "string", "format": "date"},
                               "text": {"type": "string", "maxLength": 2000}}}}}},
            "responses": {"201": {"description": "The action", "content": {"application/json": {"schema": action}}},
                          "400": error("Not JSON"), "403": error("Not the CJG of this municipality"),
                          "404": error("Meeting or case not in scope"), "409": error("No agreed actions in the workflow"),
                          **std}}},
        "/meeting-actions/{action_id}/done": {"post": {
            "summary": "Complete an agreed action (its owner organisation or the CJG holding the meeting); its "
                       "reminder closes", "parameters": [aid],
            "responses": {"200": {"description": "The action", "content": {"application/json": {"schema": action}}},
                          "404": error("Not the caller's action"), "409": error("The case closed"), **std}}},
    }
