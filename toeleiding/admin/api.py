"""Administration routes on the API blueprint: a municipality's yearly figures and the region's
targets (admin role, own region). Parse, call the service, answer JSON; the request commits."""
from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user

from ..api.blueprint import bp, json_body
from ..errors import N_, NotPermitted
from ..organisations.operations import (figures_dict, figures_entered, figures_of, list_targets, parse_year,
                                        set_figures, set_target)
from ..organisations.util import region_municipality


READ_ONLY = ("municipality", "year", "entered", "updated_at", "updated_by")


def _admin_region_id() -> int:
    if current_user.role != "admin":
        raise NotPermitted(N_("Alleen de beheerder beheert jaarcijfers en doelen."))
    return current_user.organisation.region_id


def figures_json(municipality, year: int, f) -> dict:
    return {"municipality": municipality.code, "year": year, "entered": figures_entered(f), **figures_dict(f),
            "updated_at": f.updated_at.isoformat() if f is not None and f.updated_at else None,
            "updated_by": f.updated_by_id if f is not None else None}


@bp.get("/municipalities/<code>/figures/<year>")
def municipality_figures(code, year):
    municipality = region_municipality(_admin_region_id(), code)
    year = parse_year(year)
    return jsonify(figures_json(municipality, year, figures_of(municipality, year)))


@bp.put("/municipalities/<code>/figures/<year>")
def put_municipality_figures(code, year):
    municipality = region_municipality(_admin_region_id(), code)
    # The answer's own keys may come back unchanged (GET, edit, PUT); they are not figures.
    body = {k: v for k, v in json_body().items() if k not in READ_ONLY}
    f, _changed = set_figures(municipality, year, by=current_user.id, source="api", **body)
    return jsonify(figures_json(municipality, f.year, f))


def target_json(t) -> dict:
    return {"kind": t.kind, "pct": float(t.pct), "valid_from": t.valid_from.isoformat(),
            "valid_until": t.valid_until.isoformat() if t.valid_until else None}


@bp.get("/targets")
def targets():
    _admin_region_id()
    return jsonify({"region": current_user.organisation.region.slug,
                    "items": [target_json(t) for t in list_targets(current_user.organisation.region)]})


@bp.post("/targets")
def create_target():
    _admin_region_id()
    body = json_body()
    t = set_target(current_user.organisation.region, body.get("kind"), body.get("pct"), body.get("valid_from"),
                   body.get("valid_until"), by=current_user.id)
    return jsonify(target_json(t)), 201


def openapi_paths(std: dict, error) -> dict:
    """This feature's part of the OpenAPI document (openapi.py merges it in)."""
    count = {"type": ["integer", "null"], "minimum": 0, "maximum": 1_000_000}
    figures = {"type": "object", "additionalProperties": False, "properties": {
        "cbs_target_group": count, "cbs_suppressed": {"type": "boolean", "description": "CBS published <10"},
        "jgz_target_group": count,
        "goab_budget": {"type": ["string", "number", "null"], "description": "euros, at most 2 decimals"},
        "toddlers": {**count, "description": "all children aged 2.5-4"}, "ve_places": count}}
    # The answer: the figures and the read-only keys (a PUT may send them back; they are ignored).
    answer = {"type": "object", "properties": {
        **figures["properties"], "goab_budget": {"type": ["string", "null"], "description": "euros, 2 decimals"},
        "municipality": {"type": "string"}, "year": {"type": "integer"}, "entered": {"type": "boolean"},
        "updated_at": {"type": ["string", "null"], "format": "date-time"},
        "updated_by": {"type": ["integer", "null"], "description": "user id"}}}
    figures = {**figures, "additionalProperties": True,
               "description": "Every figure is replaced; an absent or null one is not entered. The answer's "
                              "read-only keys (municipality, year, entered, updated_at, updated_by) are ignored."}
    params = [{"name": "code", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^GM[0-9]{4}$"}},
              {"name": "year", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 2000, "maximum": 2100}}]
    refused = {"403": error("Not the admin"), "404": error("Unknown municipality, or not of the region"), **std}
    target = {"type": "object", "required": ["kind", "pct", "valid_from"], "properties": {
        "kind": {"type": "string", "enum": ["target_group_placed", "all_toddlers"]},
        "pct": {"type": "number", "exclusiveMinimum": 0, "maximum": 100},
        "valid_from": {"type": "string", "format": "date"}, "valid_until": {"type": ["string", "null"], "format": "date"}}}
    return {
        "/municipalities/{code}/figures/{year}": {
            "get": {"summary": "A municipality's yearly figures (admin, own region); entered false: not entered",
                    "parameters": params,
                    "responses": {"200": {"description": "The figures", "content": {"application/json": {"schema": answer}}},
                                  **refused}},
            "put": {"summary": "Enter or correct the yearly figures (every field replaced; absent = not entered)",
                    "parameters": params,
                    "requestBody": {"required": True, "content": {"application/json": {"schema": figures}}},
                    "responses": {"200": {"description": "The figures as stored", "content": {"application/json": {"schema": answer}}},
                                  **refused}}},
        "/targets": {
            "get": {"summary": "The region's targets (admin)", "responses": {"200": {"description": "The targets", "content": {
                "application/json": {"schema": {"type": "object", "properties": {"region": {"type": "string"},
                                                                                 "items": {"type": "array", "items": target}}}}}},
                "403": error("Not the admin"), **std}},
            "post": {"summary": "Set a target for a period (an open earlier one of the kind ends the day before)",
                     "requestBody": {"required": True, "content": {"application/json": {"schema": target}}},
                     "responses": {"201": {"description": "Set", "content": {"application/json": {"schema": target}}},
                                   "403": error("Not the admin"), **std}}},
    }


# --- Capacity per location (issue 12.4): the provider its own locations, the admin all of the region

def _capacity_location(location_id: int):
    from ..extensions import db
    from ..errors import NotFound
    from ..organisations.models import Location
    loc = db.session.get(Location, location_id) if 0 < location_id < 2**31 else None
    if loc is None:
        raise NotFound(N_("Locatie niet gevonden."))
    org = current_user.organisation
    if current_user.role == "admin" and loc.municipality.region_id == org.region_id:
        return loc
    if org.kind == "ve_provider" and org.active and loc.provider_id == org.id:
        return loc
    raise NotPermitted(N_("Alleen de aanbieder van de locatie en de beheerder beheren de capaciteit."))


def capacity_json(loc) -> dict:
    from ..organisations.operations import capacity_dict
    return {"location": loc.id, "name": loc.name, "lrk_number": loc.lrk_number, **capacity_dict(loc),
            "updated_at": loc.capacity_updated_at.isoformat() if loc.capacity_updated_at else None,
            "updated_by": loc.capacity_updated_by_id}


CAPACITY_READ_ONLY = ("location", "name", "lrk_number", "updated_at", "updated_by")


@bp.get("/locations/<id:location_id>/capacity")
def location_capacity(location_id):
    return jsonify(capacity_json(_capacity_location(location_id)))


@bp.put("/locations/<id:location_id>/capacity")
def put_location_capacity(location_id):
    from ..organisations.operations import set_location_capacity
    loc = _capacity_location(location_id)
    body = {k: v for k, v in json_body().items() if k not in CAPACITY_READ_ONLY}
    set_location_capacity(loc, by=current_user.id, **body)
    return jsonify(capacity_json(loc))


def capacity_openapi_paths(std: dict, error) -> dict:
    from ..organisations.models import LOCATION_SETTINGS, VE_PROGRAMMES
    fields = {"ve_places": {"type": ["integer", "null"], "minimum": 0, "maximum": 1000},
              "opening_days": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 7},
                               "description": "ISO weekdays, Monday 1"},
              "setting": {"type": ["string", "null"], "enum": [*LOCATION_SETTINGS, None]},
              "ve_programme": {"type": ["string", "null"], "enum": [*VE_PROGRAMMES, None]},
              "weeks_open": {"type": "integer", "minimum": 1, "maximum": 52,
                             "description": "weeks a year open (the law's dose); absent keeps the location's"}}
    answer = {"type": "object", "properties": {
        **fields, "location": {"type": "integer"}, "name": {"type": "string"}, "lrk_number": {"type": "string"},
        "updated_at": {"type": ["string", "null"], "format": "date-time"},
        "updated_by": {"type": ["integer", "null"], "description": "user id"}}}
    body = {"type": "object", "properties": fields, "additionalProperties": True,
            "description": "Every field is replaced; an absent or null one is not entered. The answer's read-only "
                           "keys (location, name, lrk_number, updated_at, updated_by) are ignored."}
    params = [{"name": "location_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}]
    refused = {"403": error("Neither the location's provider nor the region's admin"),
               "404": error("Unknown location"), **std}
    return {"/locations/{location_id}/capacity": {
        "get": {"summary": "A location's capacity (its provider, or the admin of its region)", "parameters": params,
                "responses": {"200": {"description": "The capacity", "content": {"application/json": {"schema": answer}}},
                              **refused}},
        "put": {"summary": "Enter or correct a location's capacity (every field replaced)", "parameters": params,
                "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
                "responses": {"200": {"description": "The capacity as stored",
                                      "content": {"application/json": {"schema": answer}}}, **refused}}}}
