"""Moving house: from its effective date a child counts in the new municipality of residence.

A move within the region appends a ``move`` event to the history (same state before and after,
``data`` ``{"from": code, "to": code}``) and changes the case's municipality. A move to a known
municipality out of the region closes the case as ``moved_out_of_region`` through the ordinary
``close`` transition, so the history reads the same whichever way the case was closed; an
unknown code is refused.
"""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from .. import clock
from ..audit.operations import audited
from ..errors import N_, InvalidTransition, NotPermitted, StaleVersion, ValidationError
from ..extensions import db
from ..organisations.models import Municipality
from ..users.models import User
from ..workflow import current_workflow
from ..workflow.definition import MOVE_EVENT
from .models import Case, CaseEvent
from .operations import fire_transition, history_event, log_access
from .util import find_case
from .validation import parse_date

MUNICIPALITY_CODE_RE = re.compile(r"^GM[0-9]{4}$")
MOVE_TRIGGER = MOVE_EVENT


@audited("move")   # a refusal is a denied row (issue 6)
def record_move(user: User, case_id: Any, version: Any, municipality_code: Any, effective_date: Any) -> Case:
    """JGZ records a change of residence with its effective date; out of the region, the case closes.

    The version is checked like a transition's. The date may not lie in the future, before the
    previous step, before an earlier move or before the child's birth: the monitor reads the
    history in order.
    """
    case = find_case(user, case_id)
    if user.role != "jgz":
        raise NotPermitted(N_("Alleen de JGZ legt een verhuizing vast."))
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValidationError(N_("Versie ontbreekt: geef de versie van het dossier mee."), "version")
    if version != case.version:
        raise StaleVersion(N_("Iemand anders heeft dit dossier intussen gewijzigd; bekijk de nieuwe stand."),
                           "version", current_version=case.version, current_state=case.state)
    if case.state in current_workflow().final_states:
        raise InvalidTransition(N_("Een afgesloten dossier kan niet verhuizen."), "municipality")
    code = municipality_code.strip().upper() if isinstance(municipality_code, str) else None
    if not code or not MUNICIPALITY_CODE_RE.match(code):
        raise ValidationError(N_("Gemeente is verplicht (CBS-code, bijv. GM0375)."), "municipality")
    effective = parse_date(effective_date, "effective_date")
    if effective > clock.today():
        raise ValidationError(N_("Deze datum mag niet in de toekomst liggen."), "effective_date")
    last_move = db.session.scalar(select(func.max(CaseEvent.effective_date))
                                  .where(CaseEvent.case_id == case.id, CaseEvent.trigger == MOVE_TRIGGER))
    # As for transitions, only the registration itself (version 1) may postdate a later step.
    bounds = [d for d in (case.state_since if case.version > 1 else None, last_move) if d is not None]
    if bounds and effective < max(bounds):
        raise ValidationError(N_("Deze datum ligt vóór de vorige stap (%(date)s)."), "effective_date",
                              params={"date": max(bounds)})
    if effective < case.birth_date:
        raise ValidationError(N_("Deze datum ligt vóór de geboortedatum van het kind."), "effective_date")

    destination = db.session.scalar(select(Municipality).where(Municipality.code == code))
    if destination is None:
        # A mistyped code must not close the case: only a municipality the application knows
        # counts as a destination. A move to one it does not know is recorded by closing the
        # case with that outcome, which says what happened without claiming where.
        raise ValidationError(N_("Onbekende gemeente %(code)s. Verhuist het kind naar een gemeente die hier niet "
                                 "bekend is, sluit het dossier dan af met de uitkomst 'Verhuisd buiten de regio'."),
                              "municipality", params={"code": code})
    if destination.region_id != case.municipality.region_id:
        # The workflow file says which transition and outcome close a case that left the region.
        closing = current_workflow().move_out_of_region()
        if closing is None:
            raise ValidationError(N_("Deze gemeente hoort niet bij uw regio."), "municipality")
        t, data = closing
        return fire_transition(user, case.id, t.trigger, version, {**data, t.effective_date: effective.isoformat()})
    if destination.id == case.municipality_id:
        raise ValidationError(N_("Het kind woont al in %(municipality)s."), "municipality",
                              params={"municipality": destination.name})

    origin = case.municipality.code
    # The column too: the history row below reads it, and a relationship sets it only at flush.
    case.municipality, case.municipality_id = destination, destination.id
    case.updated_at = clock.now()
    db.session.add(history_event(case, user, case.version + 1, MOVE_TRIGGER, case.state, effective,
                                 {"from": origin, "to": code}))
    log_access(user, "move", [case.id])
    db.session.flush()   # the versioned UPDATE bumps the version; a concurrent change raises StaleDataError
    return case
