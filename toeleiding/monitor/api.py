"""Monitor routes on the API blueprint, and the moving-house route of a case.

Parse the request, call a service or query, commit once, answer JSON. Every monitor answer is an
aggregate: suppressed for everyone but the admin, and never about a single child.
"""
from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user

from ..api.blueprint import bp, json_body
from ..errors import N_, ValidationError
from ..extensions import db
from . import operations as ops
from . import access, presentation, util


def _monitor_args():
    region = access.region_for(current_user, request.args.get("region"))
    return region, access.readable_peildatum(current_user, region, request.args.get("peildatum"))


def _threshold():
    raw = request.args.get("suppressed", "")
    if raw not in ("", "0", "1", "true", "false"):
        raise ValidationError(N_("'suppressed' is 1 of 0."), "suppressed")
    return access.threshold_for(current_user, raw in ("1", "true"))


@bp.get("/monitor")
def monitor():
    region, day = _monitor_args()
    return jsonify(presentation.monitor_json(util.compute_monitor(region, day), _threshold()))


@bp.get("/monitor/flows")
def monitor_flows():
    region, day = _monitor_args()
    return jsonify(presentation.flows_json(util.compute_monitor(region, day), _threshold()))


@bp.get("/monitor/declines")
def monitor_declines():
    """Declined referrals per provider and reason: the municipality's and the administrator's."""
    access.require_decline_reader(current_user)   # the role first: 403 whatever it asks
    region, day = _monitor_args()
    return jsonify(presentation.declines_json(util.compute_declines(region, day), _threshold()))


@bp.get("/monitor/trend")
def monitor_trend():
    """Reach per municipality and the region over reference dates (default: the published ones)."""
    from . import trend
    region = access.region_for(current_user, request.args.get("region"))
    dates = trend.trend_dates(current_user, region, request.args.getlist("peildatum"))
    threshold = _threshold()
    return jsonify(trend.trend_json(region, trend.compute_trend(region, dates, threshold), threshold))


def _publication_json(pub) -> dict:
    return {"region": pub.region.slug, "peildatum": pub.peildatum.isoformat(),
            "published_at": pub.published_at.isoformat(), "threshold": pub.threshold}


@bp.get("/monitor/publications")
def monitor_publications():
    region = access.region_for(current_user, request.args.get("region"))
    return jsonify({"items": [_publication_json(p) for p in util.publications_of(region)]})


@bp.post("/monitor/publications")
def publish():
    body = json_body()
    pub = ops.publish_monitor(current_user, body.get("region"), body.get("peildatum"))
    out = _publication_json(pub)
    return jsonify(out), 201


@bp.get("/monitor/publications/<peildatum>")
def monitor_publication(peildatum):
    """The frozen monitor as published, and the live numbers' difference from it."""
    region = access.region_for(current_user, request.args.get("region"))
    day = access.parse_peildatum(peildatum)
    pub = util.find_publication(region, day)
    threshold = _threshold()
    # The publication suppressed as it was published; the live side as /monitor shows it today.
    pub_threshold = None if threshold is None else pub.threshold
    frozen = util.published_data(pub)
    out = presentation.monitor_json(frozen, pub_threshold)
    diff = presentation.differences(util.compute_monitor(region, day), frozen, threshold, pub_threshold)
    out["published_at"] = pub.published_at.isoformat()
    out["difference"] = {"municipalities": [{"code": code, "name": name, "cells": diff[code]}
                                            for code, name in frozen.municipalities],
                         "total": {"cells": diff["total"]}}
    return jsonify(out)


@bp.get("/monitor/categories")
def monitor_categories():
    region = access.region_for(current_user, request.args.get("region"))
    reasons, labels = util.reason_keys(region)
    return jsonify({"items": [{"code": r, "label": labels[r]} for r in reasons]})


@bp.post("/monitor/categories")
def create_category():
    body = json_body()
    cat = ops.create_category(current_user, body.get("region"), body.get("code"), body.get("label"))
    out = {"code": cat.code, "label": cat.label}
    return jsonify(out), 201


@bp.get("/monitor/other")
def other_reports():
    """The 'other' explanations to recode, with their free text (CJG: its own scope; admin: the region)."""
    from ..cases.operations import log_access
    region = access.region_for(current_user, request.args.get("region"))
    if current_user.role not in ("cjg", "admin"):
        from ..errors import NotPermitted
        raise NotPermitted(N_("Alleen het CJG en de beheerder hercoderen 'anders'."))
    events = list(db.session.scalars(ops.other_reports_query(current_user, region)))
    recodings = ops.recodings_for([e.id for e in events])
    items = [{"event_id": e.id, "municipality": _code(e.municipality_id),
              "effective_date": e.effective_date.isoformat(), "text": (e.secret or {}).get("reason_text"),
              "recoding": recodings.get(e.id)} for e in events]
    log_access(current_user, "read_other_reasons", [e.case_id for e in events] or [None])
    return jsonify({"items": items, "still_other": sum(1 for i in items if i["recoding"] is None)})


def _code(municipality_id: int) -> str:
    from ..organisations.models import Municipality
    return db.session.get(Municipality, municipality_id).code


@bp.post("/monitor/recodings")
def recode():
    body = json_body()
    row = ops.recode_other(current_user, body.get("event_id"), body.get("reason"), body.get("category"))
    out = {"event_id": row.case_event_id, "reason": row.reason, "category": row.category.code if row.category else None}
    return jsonify(out)


@bp.delete("/monitor/recodings/<id:event_id>")
def undo_recode(event_id):
    ops.undo_recoding(current_user, event_id)
    return "", 204


def openapi_paths(std: dict, error) -> dict:
    """This feature's part of the OpenAPI document (api/openapi.py merges it in)."""
    region_q = {"name": "region", "in": "query", "required": True, "schema": {"type": "string", "enum": ["ijmond", "bevelanden"]}}
    peildatum_q = {"name": "peildatum", "in": "query", "required": True, "schema": {"type": "string", "format": "date"},
                   "description": "From 2000-01-01 to today. Everyone but the admin: the last day of a month "
                                  "that has passed, or a published date (otherwise 422, field peildatum)."}
    suppressed_q = {"name": "suppressed", "in": "query", "schema": {"type": "string", "enum": ["0", "1"]},
                    "description": "Admin only: 1 shows the suppressed table municipalities see."}
    cell = {"type": "object", "required": ["value", "display"], "properties": {
        "value": {"type": ["integer", "number", "null"], "description": "null when suppressed"},
        "display": {"type": "string", "examples": ["<10", "x", "12", "45.3%", "€ 10058", "-"]}}}
    row = {"type": "object", "properties": {"code": {"type": "string"}, "name": {"type": "string"},
                                            "cells": {"type": "object", "additionalProperties": cell}}}
    table = {"type": "object", "required": ["peildatum", "region", "threshold", "municipalities", "total"], "properties": {
        "peildatum": {"type": "string", "format": "date"}, "region": {"type": "string"},
        "threshold": {"type": ["integer", "null"], "description": "null: unsuppressed (admin)"},
        "municipalities": {"type": "array", "items": row},
        "total": {"type": "object", "properties": {"cells": {"type": "object", "additionalProperties": cell}}}}}
    trend_point = {"type": "object", "properties": {"peildatum": {"type": "string", "format": "date"},
                                                    "cells": {"type": "object", "additionalProperties": cell}}}
    ok = {"200": {"description": "The table", "content": {"application/json": {"schema": table}}}}
    refused = {"403": error("Not a monitor role, or another region"), **std}
    publication = {"type": "object", "properties": {"region": {"type": "string"}, "peildatum": {"type": "string", "format": "date"},
                                                    "published_at": {"type": "string", "format": "date-time"},
                                                    "threshold": {"type": "integer"}}}
    return {
        "/monitor": {"get": {
            "summary": "Reach per municipality at a reference date (cells: see README, data dictionary)",
            "parameters": [region_q, peildatum_q, suppressed_q], "responses": {**ok, **refused}}},
        "/monitor/flows": {"get": {
            "summary": "Placed target-group children by municipality of residence (rows) and of the VE location (cells)",
            "parameters": [region_q, peildatum_q, suppressed_q], "responses": {**ok, **refused}}},
        "/monitor/declines": {"get": {
            "summary": "Referrals declined by each VE provider, by reason (gemeente, admin; suppressed like the monitor)",
            "parameters": [region_q, peildatum_q, suppressed_q],
            "responses": {"200": {"description": "The table", "content": {"application/json": {"schema": {
                "type": "object", "required": ["peildatum", "region", "threshold", "reasons", "providers", "total"],
                "properties": {
                    "peildatum": {"type": "string", "format": "date"}, "region": {"type": "string"},
                    "threshold": {"type": ["integer", "null"]},
                    "reasons": {"type": "array", "items": {"type": "string"}},
                    "providers": {"type": "array", "items": {"type": "object", "properties": {
                        "id": {"type": "integer"}, "name": {"type": "string"},
                        "cells": {"type": "object", "additionalProperties": cell}}}},
                    "total": {"type": "object", "properties": {"cells": {"type": "object", "additionalProperties": cell}}}}}}}},
                **refused}}},
        "/monitor/contact-attempts": {"get": {
            "summary": "Children not reached at P by reason, by the number of contact attempts (0, 1, 2, 3+) dated up "
                       "to the report (gemeente, admin; suppressed like the monitor; README data dictionary)",
            "parameters": [region_q, peildatum_q, suppressed_q],
            "responses": {"200": {"description": "The table", "content": {"application/json": {"schema": {
                "type": "object", "required": ["peildatum", "region", "threshold", "buckets", "reasons", "total"],
                "properties": {
                    "peildatum": {"type": "string", "format": "date"}, "region": {"type": "string"},
                    "threshold": {"type": ["integer", "null"]},
                    "buckets": {"type": "array", "items": {"type": "string"}},
                    "reasons": {"type": "array", "items": {"type": "object", "properties": {
                        "code": {"type": "string"}, "cells": {"type": "object", "additionalProperties": cell}}}},
                    "total": {"type": "object", "properties": {"cells": {"type": "object", "additionalProperties": cell}}}}}}}},
                **refused}}},
        "/monitor/trend": {"get": {
            "summary": "Reach (target_group, placed, reach_pct) per municipality and the region over reference dates; "
                       "each date as the monitor shows it (a published date: the publication), suppressed per date",
            "parameters": [region_q, {
                "name": "peildatum", "in": "query", "required": False, "style": "form", "explode": True,
                "schema": {"type": "array", "maxItems": 24, "items": {"type": "string", "format": "date"}},
                "description": "Repeated, or a comma list; at most 24 dates, each one readable as for /monitor "
                               "(otherwise 422, field peildatum). Default: the published dates, else the last "
                               "12 month ends."}, suppressed_q],
            "responses": {"200": {"description": "The series", "content": {"application/json": {"schema": {
                "type": "object", "required": ["region", "threshold", "cells", "dates", "municipalities", "total"],
                "properties": {
                    "region": {"type": "string"}, "threshold": {"type": ["integer", "null"]},
                    "cells": {"type": "array", "items": {"type": "string"}},
                    "dates": {"type": "array", "items": {"type": "object", "properties": {
                        "peildatum": {"type": "string", "format": "date"},
                        "source": {"type": "string", "enum": ["published", "live"]},
                        "threshold": {"type": ["integer", "null"]},
                        "target_pct": {"type": ["number", "null"]}}}},
                    "municipalities": {"type": "array", "items": {"type": "object", "properties": {
                        "code": {"type": "string"}, "name": {"type": "string"},
                        "points": {"type": "array", "items": trend_point}}}},
                    "total": {"type": "object", "properties": {
                        "points": {"type": "array", "items": trend_point}}}}}}}},
                **refused}}},
        "/monitor/publications": {
            "get": {"summary": "The region's published monitors", "parameters": [region_q],
                    "responses": {"200": {"description": "List"}, **refused}},
            "post": {"summary": "Publish (freeze) the region's monitor at a reference date (admin)",
                     "requestBody": {"required": True, "content": {"application/json": {"schema": {
                         "type": "object", "required": ["region", "peildatum"],
                         "properties": {"region": {"type": "string"}, "peildatum": {"type": "string", "format": "date"}}}}}},
                     "responses": {"201": {"description": "Published", "content": {"application/json": {"schema": publication}}},
                                   "409": error("Already published"), **refused}}},
        "/monitor/publications/{peildatum}": {"get": {
            "summary": "A published monitor as frozen, plus `published_at` and the live numbers' `difference` from it",
            "parameters": [{"name": "peildatum", "in": "path", "required": True, "schema": {"type": "string", "format": "date"}},
                           region_q, suppressed_q],
            "responses": {**ok, "404": error("Not published"), **refused}}},
        "/monitor/categories": {
            "get": {"summary": "Non-reach reasons and the region's own categories", "parameters": [region_q],
                    "responses": {"200": {"description": "List"}, **refused}},
            "post": {"summary": "Add a category of the region (CJG, admin)",
                     "requestBody": {"required": True, "content": {"application/json": {"schema": {
                         "type": "object", "required": ["region", "code", "label"],
                         "properties": {"region": {"type": "string"}, "code": {"type": "string", "pattern": "^[a-z][a-z0-9_]{1,39}$"},
                                        "label": {"type": "string", "maxLength": 120}}}}}},
                     "responses": {"201": {"description": "Created"}, **refused}}},
        "/monitor/other": {"get": {
            "summary": "'Other' non-reach reports with their explanation, to recode (CJG: own scope; admin: region)",
            "parameters": [region_q], "responses": {"200": {"description": "List"}, **refused}}},
        "/monitor/recodings": {"post": {
            "summary": "Recode an 'other' report into a reason or a category of the region (CJG, admin)",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["event_id"],
                "properties": {"event_id": {"type": "integer"}, "reason": {"type": "string"}, "category": {"type": "string"}}}}}},
            "responses": {"200": {"description": "Recoded"}, "404": error("No such report in scope"), **refused}}},
        "/monitor/recodings/{event_id}": {"delete": {
            "summary": "Put a recoded report back under 'other'",
            "parameters": [{"name": "event_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {"204": {"description": "Undone"}, "404": error("No recoding"), **refused}}},
    }


@bp.get("/monitor/contact-attempts")
def monitor_contact_attempts():
    """Contact attempts before not reached, per reason: the municipality's and the administrator's."""
    access.require_decline_reader(current_user)   # the same readers as the declines: the role first
    region, day = _monitor_args()
    return jsonify(presentation.attempts_json(util.compute_attempts(region, day), _threshold()))
