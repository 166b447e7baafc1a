"""The cases API: register a child, list and read cases, fire a transition, record a move, and
the workflow they follow."""
from __future__ import annotations

from flask import current_app, jsonify, request
from flask_login import current_user
from sqlalchemy import func
from sqlalchemy.orm import selectinload

from ..api.blueprint import bp, int_arg, json_body
from ..errors import N_, NotPermitted, ValidationError
from ..extensions import db
from ..organisations.util import get_municipality
from ..workflow import current_workflow
from . import serializers as s
from .models import Case
from .operations import correct_case, fire_transition, log_access, register_case
from .residence import record_move
from .util import find_case, may_see_bsn, name_parts, scoped_cases, search_query
from .validation import normalise_bsn


@bp.get("/workflow")
def workflow():
    return jsonify(s.workflow_json())


@bp.post("/cases")
def create_case():
    body = json_body()
    case = register_case(current_user, body.get("municipality"), body.get("child"), body.get("parents"))
    out = s.case_detail(case, current_user)
    return jsonify(out), 201


@bp.get("/cases")
def cases():
    """The caller's cases; with ``bsn`` (JGZ) or ``family_name`` a search, logged as one."""
    return _case_page(request.args)


@bp.post("/cases/search")
def search_cases():
    """The same list and search with the arguments in a JSON body: a BSN or a name in a query
    string ends up in every proxy's and server's access log, a body does not."""
    return _case_page(json_body())


def _case_page(args):
    """A page of the caller's cases, filtered and searched by ``args`` (query string or JSON body)."""
    bsn, family_name = _search_args(args)
    searching = bsn is not None or family_name is not None
    q = search_query(current_user, bsn, family_name) if searching else scoped_cases(current_user)
    state = _text_arg(args, "state")
    if state:
        if state not in current_workflow().states:
            raise ValidationError(N_("Onbekende status."), "state")
        q = q.where(Case.state == state)
    code = _text_arg(args, "municipality")
    municipality = get_municipality(code, "municipality") if code else None
    if municipality is not None:
        q = q.where(Case.municipality_id == municipality.id)
    page = int_arg("page", 1, 10**6, args)
    per_page = int_arg("per_page", 50, current_app.config["PAGE_SIZE_MAX"], args)
    total = db.session.scalar(q.with_only_columns(func.count()).order_by(None))
    rows = list(db.session.scalars(q.options(selectinload(Case.municipality))
                                   .order_by(Case.state_since, Case.id).limit(per_page).offset((page - 1) * per_page)))
    items = [s.list_item(c, current_user) for c in rows]
    if searching:   # like the search page: a search that found nothing is logged too
        log_access(current_user, "search", [c.id for c in rows] or [None])
    else:
        log_access(current_user, "list", [c.id for c in rows])
    return jsonify({"items": items, "page": page, "per_page": per_page, "total": total})


def _text_arg(args, name: str) -> str | None:
    """``args[name]`` if given: text, or a 422 naming it (a JSON body may hold anything)."""
    value = args.get(name)
    if value is not None and not isinstance(value, str):
        raise ValidationError(N_("Vul tekst in."), name)
    return value


def _search_args(args) -> tuple[str | None, str | None]:
    """``bsn`` and ``family_name`` from ``args``, checked: a BSN only for JGZ and passing the
    elfproef, a family name with a letter or digit in it and of a sensible length."""
    bsn_raw, name = _text_arg(args, "bsn"), _text_arg(args, "family_name")
    bsn = None
    if bsn_raw is not None:
        if not may_see_bsn(current_user):
            raise NotPermitted(N_("Alleen de JGZ zoekt op BSN."))
        bsn = normalise_bsn(bsn_raw[:50], "bsn")
    if name is not None:
        if len(name) > 200:
            raise ValidationError(N_("Achternaam is te lang."), "family_name")
        if not name_parts(name):
            raise ValidationError(N_("Vul een achternaam in."), "family_name")
    return bsn, name


@bp.get("/cases/<case_id>")
def case(case_id):
    found = find_case(current_user, case_id, handover=True)   # a school reads its handover (serializers)
    out = s.case_detail(found, current_user)
    log_access(current_user, "read", [found.id])
    return jsonify(out)


@bp.patch("/cases/<case_id>")
def correct(case_id):
    """JGZ corrects the child and parents, the CJG the parents' contact details: ``{version, child, parents}``."""
    body = json_body()
    updated = correct_case(current_user, case_id, body.get("version"), body.get("child"), body.get("parents"))
    return jsonify(s.case_detail(updated, current_user))


@bp.post("/cases/<case_id>/transitions")
def transition(case_id):
    body = json_body()
    updated = fire_transition(current_user, case_id, body.get("trigger"), body.get("version"), body.get("data"))
    out = s.case_detail(updated, current_user)
    return jsonify(out)


@bp.post("/cases/<case_id>/moves")
def move(case_id):
    """JGZ records a change of residence: ``{version, municipality, effective_date}``."""
    body = json_body()
    case = record_move(current_user, case_id, body.get("version"), body.get("municipality"), body.get("effective_date"))
    out = s.case_detail(case, current_user)
    return jsonify(out)
