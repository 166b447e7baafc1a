"""The JSON shapes of cases and of the workflow, for the API, the parents' export and any other
answer about a case."""
from __future__ import annotations

from ..users.models import User
from ..workflow import current_workflow
from .checks import allowed_triggers
from .fieldtypes import TYPES
from .models import Case
from .util import HistoryEntry, handover_only, history, may_see_bsn, status_seen_by


def _iso(value):
    return value.isoformat() if value is not None else None


def child_json(case: Case, user: User) -> dict:
    if handover_only(user):   # a school: who the child is, nothing more
        return {"given_name": case.given_name, "family_name": case.family_name, "birth_date": _iso(case.birth_date)}
    child = {"given_name": case.given_name, "family_name": case.family_name,
             "birth_date": _iso(case.birth_date), "postcode": case.postcode, "house_number": case.house_number}
    if may_see_bsn(user):
        child["bsn"] = case.bsn
    return child


def list_item(case: Case, user: User) -> dict:
    """A case in a list. One whose child data does not decrypt is listed all the same, with every
    other field, ``"child": null`` and ``"unreadable": true``, never dropped or blanked silently
    (opening it answers 409 unreadable_record)."""
    from ..crypto.keyring import KeyringError
    try:
        return {**case_summary(case, user), "unreadable": False}
    except KeyringError:
        return {**case_summary(case, user, child=False), "child": None, "unreadable": True}


def case_summary(case: Case, user: User, child: bool = True) -> dict:
    workflow = current_workflow()
    status = status_seen_by(case, user)   # a provider the child left sees it as it left it
    return {
        "id": str(case.id),
        "municipality": case.municipality.code,
        "state": status.state,
        "state_label": workflow.state_labels[status.state],
        "state_since": _iso(status.state_since),
        "version": case.version,
        "location_id": status.location_id,
        "school_id": status.school_id,
        "not_reached_reason": status.not_reached_reason,
        "outcome": status.outcome,
        "updated_at": _iso(status.updated_at),
        "child": child_json(case, user) if child else None,
    }


def event_json(entry: HistoryEntry) -> dict:
    event = entry.event
    data = dict(event.data)
    data.update(event.secret or {})
    return {
        "seq": event.seq, "trigger": event.trigger, "from": event.from_state, "to": event.to_state,
        "effective_date": _iso(event.effective_date), "recorded_at": _iso(event.recorded_at),
        "user": entry.user, "role": event.role, "organisation": entry.organisation, "data": data,
    }


def case_detail(case: Case, user: User) -> dict:
    out = case_summary(case, user)
    out["parents"] = [] if handover_only(user) else case.parents or []
    out["history"] = [event_json(entry) for entry in history(case, user)]
    out["triggers"] = allowed_triggers(case, user)   # the same rule fire_transition enforces
    return out


def workflow_json() -> dict:
    wf = current_workflow()
    return {
        "name": wf.name,
        "initial": wf.initial,
        "states": [{"name": s, "label": wf.state_labels[s], "final": s in wf.final_states} for s in wf.states],
        "reasons": dict(wf.reasons),
        "outcomes": dict(wf.outcomes),
        "transitions": [{
            "trigger": t.trigger, "label": t.label, "sources": list(t.sources), "dest": t.dest,
            "roles": list(t.roles), "roles_from": {k: list(v) for k, v in t.roles_from.items()},
            "effective_date": t.effective_date,
            "fields": {f.name: {
                "type": f.type, "required": f.required,
                "required_when": dict([f.required_when]) if f.required_when else None,
                "always_shown": f.always_shown,
                **TYPES[f.type].describe(wf, f),
            } for f in t.fields.values()},
        } for t in wf.transitions.values()],
        # Who registers a child (POST /cases) and who may only signal one (POST /signals).
        "registration": {"register": list(wf.registration.register), "signal": list(wf.registration.signal)},
    }
