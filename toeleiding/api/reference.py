"""The API's reference data: municipalities with their definition in force, VE locations, schools."""
from __future__ import annotations

from flask import jsonify, request

from .. import clock
from ..dates import parse_date
from ..organisations.models import Location, Municipality, Organisation
from ..organisations.util import get_municipality, list_locations, list_municipalities, list_schools
from .blueprint import bp


def _iso(value):
    return value.isoformat() if value is not None else None


def municipality_json(m: Municipality, on) -> dict:
    d = m.definition_on(on)
    return {
        "code": m.code, "name": m.name, "region": m.region.slug,
        "definition": None if d is None else {
            "name": d.name, "valid_from": _iso(d.valid_from), "valid_until": _iso(d.valid_until),
            "min_age_months": d.min_age_months, "criteria": d.criteria},
    }


def location_json(loc: Location) -> dict:
    return {"id": loc.id, "name": loc.name, "lrk_number": loc.lrk_number, "address": loc.address,
            "municipality": loc.municipality.code, "provider": {"id": loc.provider.id, "name": loc.provider.name},
            "weeks_open": loc.weeks_open}   # the law's dose (issue 11): weeks a year open


def school_json(org: Organisation) -> dict:
    return {"id": org.id, "name": org.name, "municipalities": [m.code for m in org.municipalities]}


@bp.get("/municipalities")
def municipalities():
    on = parse_date(request.args["on"], "on") if request.args.get("on") else clock.today()
    return jsonify({"items": [municipality_json(m, on) for m in list_municipalities()]})


def _municipality_arg():
    code = request.args.get("municipality")
    return get_municipality(code, "municipality") if code else None


@bp.get("/locations")
def locations():
    return jsonify({"items": [location_json(loc) for loc in list_locations(_municipality_arg())]})


@bp.get("/schools")
def schools():
    return jsonify({"items": [school_json(o) for o in list_schools(_municipality_arg())]})
