"""What changes a case. Services only flush; the caller (request, command, job) commits once."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import LazyString
from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .. import clock
from ..audit.operations import audited, log_access  # noqa: F401  (log_access re-exported: callers import it from here)
from ..crypto import current_keyring
from ..errors import N_, DuplicateCase, InvalidTransition, NotPermitted, StaleVersion, ValidationError
from ..extensions import db
from ..organisations.models import Location, Organisation
from ..organisations.util import get_municipality
from ..users.models import User
from ..workflow.labels import REGISTER_EVENT, state_label, trigger_label   # in the reader's language
from ..workflow import current_workflow
from ..workflow.definition import Status
from . import hooks
from .checks import CHECKS, require_current_provider
from .models import Case, CaseEvent, CaseLocation
from .util import family_name_index, find_case, scoped_cases
from .fieldtypes import validate_transition_data
from .validation import validate_child, validate_parents


@audited("create", case_arg=None)   # a refusal is a denied row (issue 6)
def register_case(user: User, municipality_code: Any, child: Any, parents: Any = None) -> Case:
    """JGZ registers a child that may belong to the target group: a new case in the initial state."""
    if user.role != "jgz":
        raise NotPermitted(N_("Alleen de JGZ registreert kinderen."))
    municipality = get_municipality(municipality_code)
    if municipality.region_id != user.organisation.region_id:
        raise ValidationError(N_("Deze gemeente hoort niet bij uw regio."), "municipality")
    data = validate_child(child)
    parent_list = validate_parents(parents)
    keyring = current_keyring()
    bsn_index = keyring.blind_index(data["bsn"])

    existing = db.session.scalar(select(Case).where(Case.bsn_index == bsn_index,
                                                    Case.state.not_in(current_workflow().final_states)))
    if existing is not None:
        visible = db.session.scalar(scoped_cases(user).where(Case.id == existing.id).with_only_columns(Case.id))
        if visible:
            raise DuplicateCase(N_("Voor dit kind is al een open dossier."), "child.bsn", case_id=str(existing.id))
        # Outside the region: neither the case nor where it is. Naming the other region's JGZ
        # would tell anyone who types a BSN where that child lives; the functional administrator
        # sorts it out with the other region.
        raise DuplicateCase(N_("Voor dit kind bestaat elders al een open dossier; neem contact op met de "
                               "functioneel beheerder."), "child.bsn")

    workflow = current_workflow()
    now, today = clock.now(), clock.today()
    case = Case(municipality=municipality, state=workflow.initial, state_since=today, created_at=now,
                updated_at=now, registered_by_organisation_id=user.organisation_id, bsn_index=bsn_index,
                birth_month=data["birth_date"].replace(day=1))
    for key, value in data.items():
        setattr(case, key, value)
    case.name_index = family_name_index(data["family_name"])
    case.parents = parent_list
    db.session.add(case)
    db.session.flush()
    db.session.add(history_event(case, user, 1, REGISTER_EVENT, None, today, {}))
    log_access(user, "create", [case.id])
    db.session.flush()
    hooks.after_step(case, 1)   # e.g. the reminders of the new state, in this transaction
    return case


def _transition_event(args: dict) -> str:
    """The denied row's event: the trigger if the workflow knows it (never free text in the log)."""
    trigger = args.get("trigger")
    known = isinstance(trigger, str) and trigger in current_workflow().transitions
    return f"transition:{trigger if known else 'unknown'}"


@audited(_transition_event)
def fire_transition(user: User, case_id: Any, trigger: Any, version: Any, data: Any) -> Case:
    """Move a case along ``trigger`` for ``user``: checks, state change, history and log together.

    Order of refusals: unknown trigger (422), stale version (409), a role that may never fire
    the trigger (403), not possible from the current state (409), not for this role from this
    state (403), a provider the child is no longer referred to (403), bad data (422).
    """
    workflow = current_workflow()
    case = find_case(user, case_id)
    if not isinstance(trigger, str) or trigger not in workflow.transitions:
        raise ValidationError(N_("Onbekende actie."), "trigger")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValidationError(N_("Versie ontbreekt: geef de versie van het dossier mee."), "version")
    if version != case.version:
        raise StaleVersion(N_("Iemand anders heeft dit dossier intussen gewijzigd; bekijk de nieuwe stand."),
                           "version", current_version=case.version, current_state=case.state)
    t = workflow.transitions[trigger]
    if user.role not in t.all_roles():
        raise NotPermitted(N_("Uw rol mag '%(action)s' niet uitvoeren."),
                           params={"action": LazyString(trigger_label, t.trigger)})
    if case.state not in t.sources:
        raise InvalidTransition(N_("'%(action)s' kan niet vanuit de status '%(state)s'."), "trigger",
                                params={"action": LazyString(trigger_label, t.trigger),
                                        "state": LazyString(state_label, case.state)})
    if user.role not in t.roles_for(case.state):
        raise NotPermitted(N_("Uw rol mag '%(action)s' niet uitvoeren vanuit deze status."),
                           params={"action": LazyString(trigger_label, t.trigger)})
    require_current_provider(case, user)   # a former provider sees the child but may not act

    values = validate_transition_data(workflow, t, case, data)
    for check in t.checks:
        CHECKS[check](case, user, values)
    effective = values[t.effective_date] if t.effective_date else clock.today()
    # History must read in order for the monitor; only the registration itself (version 1) may
    # postdate the first step, since a nurse often records a visit's indication days later.
    if case.version > 1 and effective < case.state_since:
        raise ValidationError(N_("Deze datum ligt vóór de vorige stap (%(date)s)."), t.effective_date or "trigger",
                              params={"date": f"{case.state_since:%d-%m-%Y}"})
    if effective < case.birth_date:
        raise ValidationError(N_("Deze datum ligt vóór de geboortedatum van het kind."), t.effective_date or "trigger")

    from_state, seq, from_location = case.state, case.version + 1, case.location_id
    if not workflow.fire(case, trigger, user.role):   # the shared machine sets case.state
        raise NotPermitted(N_("Uw rol mag '%(action)s' niet uitvoeren vanuit deze status."),
                           params={"action": LazyString(trigger_label, t.trigger)})
    _apply(case, t, values)
    if t.ends_access == "current" and from_location is not None:
        # The provider hands the child back: it sees the case no more from the step's date on.
        _end_access(case, effective, provider_of=from_location)
        case.location_id = None
    case.state_since = effective
    case.updated_at = clock.now()
    case.last_trigger = trigger

    clear = {k: _plain(v) for k, v in values.items() if not t.fields[k].encrypted}
    secret = {k: v for k, v in values.items() if t.fields[k].encrypted}
    event = history_event(case, user, seq, trigger, from_state, effective, clear)
    event.secret = secret or None
    db.session.add(event)
    log_access(user, f"transition:{trigger}", [case.id])
    # One flush; the unit of work runs the versioned UPDATE of the case before the history
    # INSERT (the event depends on the case), so a concurrent writer of the same version stops
    # there (StaleDataError, answered 409) before its event could collide with the winner's.
    db.session.flush()
    location = values.get("location_id")
    if location is not None and location.id != from_location:
        # The case's current location is in its scope already (it got there through here).
        _remember_location(case, location)
    if t.ends_access == "others" and case.location_id is not None:
        # Placed with this provider: any other that ever had the child keeps no access after
        # the start date (it read the history up to then, as a former provider does).
        _end_access(case, effective + dt.timedelta(days=1), except_provider_of=case.location_id)
    hooks.after_step(case, seq)   # e.g. reminders: cancel what no longer applies, start what does
    return case


def history_event(case: Case, user: User, seq: int, trigger: str, from_state: str | None,
                  effective: dt.date, data: dict) -> CaseEvent:
    """One history row, for the case as it is after the step: who acted and for whom from the
    user; where (municipality, location) and the monitor's columns (birth month, age in months at
    the effective date) from the case. Every step writes its row through here, so a new column of
    the history is filled in one place."""
    return CaseEvent(
        case_id=case.id, seq=seq, trigger=trigger, from_state=from_state, to_state=case.state,
        effective_date=effective, recorded_at=case.updated_at, user_id=user.id, role=user.role,
        organisation_id=user.organisation_id, municipality_id=case.municipality_id,
        location_id=case.location_id, birth_month=case.birth_month,
        # An erased case has no day of birth left (a rename of a name in its history still adds a row).
        age_months=clock.months_between(case.birth_date, effective) if case.erased_at is None else None, data=data)


def _apply(case: Case, t, values: dict) -> None:
    """Copy the fields the workflow ties to case columns."""
    for f in t.fields.values():
        if f.case_attribute and f.name in values:
            value = values[f.name]
            setattr(case, f.case_attribute, value.id if isinstance(value, (Location, Organisation)) else value)
    for attr, value in t.set_on_case.items():
        setattr(case, attr, value)
    if case.state in current_workflow().states_counted_as(Status.NOT_REACHED):
        case.ever_not_reached = True
    else:
        case.not_reached_reason = None


def _end_access(case: Case, day: dt.date, provider_of: int | None = None,
                except_provider_of: int | None = None) -> None:
    """End, from ``day`` on, the access of the provider of location ``provider_of`` (or of every
    provider but that of ``except_provider_of``) to ``case``: their case_locations rows."""
    provider = select(Location.provider_id).where(Location.id == (provider_of or except_provider_of)).scalar_subquery()
    theirs = select(Location.id).where(Location.provider_id == provider if provider_of else Location.provider_id != provider)
    db.session.execute(update(CaseLocation).where(
        CaseLocation.case_id == case.id, CaseLocation.location_id.in_(theirs),
        or_(CaseLocation.access_ends_on.is_(None), CaseLocation.access_ends_on > day)).values(access_ends_on=day))


def _remember_location(case: Case, location: Location) -> None:
    """The provider's scope: every location the case was ever referred to or placed at.

    An INSERT that skips a row already there (a re-referral to a location the child was at
    before): no read first, and the same statement on PostgreSQL and SQLite. The caller skips
    it altogether when the location did not change (a placement at the referred location).
    """
    dialect_insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # A location the child comes back to opens to its provider again (access_ends_on cleared).
    stmt = dialect_insert(CaseLocation).values(case_id=case.id, location_id=location.id)
    db.session.execute(stmt.on_conflict_do_update(index_elements=[CaseLocation.case_id, CaseLocation.location_id],
                                                  set_={"access_ends_on": None}))


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (Location, Organisation)):
        return value.id
    return value
