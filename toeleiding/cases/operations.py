"""What changes a case. Services only flush; the caller (request, command, job) commits once."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field as dc_field
from typing import Any, Callable

from flask_babel import LazyString
from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .. import clock
from ..audit.operations import audited, log_access  # noqa: F401  (log_access re-exported: callers import it from here)
from ..crypto import current_keyring
from ..errors import N_, AppError, DuplicateCase, ErrorCollector, InvalidTransition, NotPermitted, StaleVersion, ValidationError
from ..extensions import db
from ..organisations.models import Location, Organisation
from ..organisations.util import get_municipality
from ..users.models import User
from ..workflow.labels import REGISTER_EVENT, field_label, state_label, trigger_label   # in the reader's language
from ..workflow import current_workflow
from ..workflow.definition import CORRECT_EVENT, Status
from . import hooks
from .checks import CHECKS, require_current_provider
from .models import Case, CaseEvent, CaseLocation, CaseNameToken
from .util import family_name_index, find_case, name_tokens, normalise_name, scoped_cases
from .fieldtypes import validate_transition_data
from .validation import validate_child, validate_parents


@audited("create", case_arg=None)   # a refusal is a denied row (issue 6)
def register_case(user: User, municipality_code: Any, child: Any, parents: Any = None) -> Case:
    """JGZ registers a child that may belong to the target group: a new case in the initial state.
    Who registers is the workflow file's (registration.register)."""
    require_registering_role(user)
    return register_child(user, municipality_code, child, parents)


def require_registering_role(user: User) -> None:
    """Refuse a user whose role may not register a child (the workflow's registration.register)."""
    if user.role not in current_workflow().registration.register:
        raise NotPermitted(N_("Alleen de JGZ registreert kinderen."))


def register_child(user: User, municipality_code: Any, child: Any, parents: Any = None,
                   more_checks: Callable[[ErrorCollector], None] | None = None) -> Case:
    """The registration itself, for ``register_case`` and for a partner's signal (signals), whose
    callers decide who may. ``more_checks``: the caller's own fields (see new_case)."""
    case = new_case(user, municipality_code, child, parents, more_checks=more_checks)
    existing = db.session.scalar(select(Case).where(Case.bsn_index == case.bsn_index,
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
    db.session.add(case)
    refresh_name_index(case)   # flushes the case first: its tokens point at it
    db.session.add(history_event(case, user, 1, REGISTER_EVENT, None, case.state_since, {}))
    log_access(user, "create", [case.id])
    db.session.flush()
    hooks.after_step(case, 1)   # e.g. the reminders of the new state, in this transaction
    return case


def new_case(user: User, municipality_code: Any, child: Any, parents: Any = None,
             municipality_of: Callable[[Any], Any] = get_municipality,
             more_checks: Callable[[ErrorCollector], None] | None = None) -> Case:
    """The checked, encrypted, not yet stored case of a registration (register_child stores it;
    the bulk import inserts many at once); who may register is the caller's check. Every field at
    fault at once, in the order of the form. ``municipality_of``: how a CBS code becomes a
    municipality (the import looks each up once); ``more_checks``: the caller's own fields,
    checked after the child's and the parents'."""
    errors = ErrorCollector()
    with errors.check():
        municipality = municipality_of(municipality_code)
        if municipality.region_id != user.organisation.region_id:
            raise ValidationError(N_("Deze gemeente hoort niet bij uw regio."), "municipality")
    with errors.check():
        data = validate_child(child)
    with errors.check():
        parent_list = validate_parents(parents)
    if more_checks is not None:
        more_checks(errors)
    errors.raise_if_any()
    workflow = current_workflow()
    now, today = clock.now(), clock.today()
    case = Case(municipality=municipality, municipality_id=municipality.id, state=workflow.initial,
                state_since=today, created_at=now, updated_at=now,
                registered_by_organisation_id=user.organisation_id,
                bsn_index=current_keyring().blind_index(data["bsn"]), birth_month=data["birth_date"].replace(day=1))
    for key, value in data.items():
        setattr(case, key, value)
    case.parents = parent_list
    return case


CHILD_KEYS = ("given_name", "family_name", "bsn", "birth_date", "postcode", "house_number")
CORRECTING_ROLES = ("jgz", "cjg")


@audited("correct")   # a refusal is a denied row, like a transition's
def correct_case(user: User, case_id: Any, version: Any, child: Any = None, parents: Any = None) -> Case:
    """Correct or complete the child's and parents' data: JGZ all of it, the CJG only the
    parents' contact details (and a parent it finds that was not recorded).

    Versioned like a transition (409 on a stale version). ``child`` holds only the fields to
    change; ``parents``, if given, is the whole new list. The history gets a ``correct`` row
    naming the fields that changed, never their values; the access log a ``correct`` row. A new
    BSN gets its blind index and the duplicate check of a registration. The date of birth is not
    corrected here: the monitor's ages, the history's ages in months and the age reminders are
    all derived from it (README 'Correcting a record').
    """
    case = find_case(user, case_id)
    if user.role not in CORRECTING_ROLES:
        raise NotPermitted(N_("Alleen de JGZ en het CJG corrigeren de gegevens van een dossier."))
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValidationError(N_("Versie ontbreekt: geef de versie van het dossier mee."), "version")
    if version != case.version:
        raise StaleVersion(N_("Iemand anders heeft dit dossier intussen gewijzigd; bekijk de nieuwe stand."),
                           "version", current_version=case.version, current_state=case.state)
    if case.erased_at is not None or case.given_name is None:
        raise InvalidTransition(N_("De persoonsgegevens van dit dossier zijn verwijderd."), "child")
    if child is not None and not isinstance(child, dict):
        raise ValidationError(N_("Gegevens van het kind ontbreken."), "child")
    if not child and parents is None:
        raise ValidationError(N_("Geef mee wat u wilt corrigeren."), "child")
    if child and user.role != "jgz":
        raise NotPermitted(N_("Het CJG corrigeert alleen de contactgegevens van de ouders."), f"child.{sorted(child)[0]}")

    changed: list[str] = []
    current = {k: getattr(case, k) for k in CHILD_KEYS}
    new_child = current
    if child:
        raw = {k: (v.isoformat() if k == "birth_date" else v) for k, v in current.items()}
        new_child = validate_child({**raw, **child}, registering=False)
        if new_child["birth_date"] != current["birth_date"]:
            raise ValidationError(N_("De geboortedatum kan niet worden gecorrigeerd: de leeftijden in de geschiedenis, "
                                     "de monitor en de herinneringen zijn ervan afgeleid. Neem contact op met de "
                                     "functioneel beheerder."), "child.birth_date")
        changed += [f"child.{k}" for k in CHILD_KEYS if new_child[k] != current[k]]
    old_parents = case.parents or []
    new_parents = old_parents
    if parents is not None:
        new_parents = validate_parents(parents)
        if user.role != "jgz":
            # The CJG completes contact details: every recorded parent stays, under the same name.
            for i, old in enumerate(old_parents):
                if i >= len(new_parents) or normalise_name(new_parents[i]["name"]) != normalise_name(old["name"]):
                    raise NotPermitted(N_("Het CJG corrigeert alleen de contactgegevens van de ouders."),
                                       f"parents[{i}].name")
        for i in range(max(len(old_parents), len(new_parents))):
            old = old_parents[i] if i < len(old_parents) else {}
            new = new_parents[i] if i < len(new_parents) else {}
            changed += [f"parents[{i}].{k}" for k in ("name", "phone", "email") if old.get(k) != new.get(k)]
    if not changed:
        return case   # nothing to correct: no new version, no history row

    if new_child["bsn"] != current["bsn"]:
        bsn_index = current_keyring().blind_index(new_child["bsn"])
        existing = db.session.scalar(select(Case).where(Case.bsn_index == bsn_index, Case.id != case.id,
                                                        Case.state.not_in(current_workflow().final_states)))
        if existing is not None:
            visible = db.session.scalar(scoped_cases(user).where(Case.id == existing.id).with_only_columns(Case.id))
            if visible:
                raise ValidationError(N_("Met dit BSN is er al een ander open dossier; zoek het op en sluit een "
                                         "van beide af."), "child.bsn")
            raise ValidationError(N_("Met dit BSN bestaat elders al een open dossier; neem contact op met de "
                                     "functioneel beheerder."), "child.bsn")
        case.bsn_index = bsn_index
    for key in CHILD_KEYS:
        if new_child[key] != current[key]:
            setattr(case, key, new_child[key])
    if new_child["family_name"] != current["family_name"]:
        case.name_index = family_name_index(new_child["family_name"])
    if new_parents is not old_parents:
        case.parents = new_parents
    case.updated_at = clock.now()
    # Which fields changed, never their values: the history is read by every role that sees the case.
    db.session.add(history_event(case, user, case.version + 1, CORRECT_EVENT, case.state, clock.today(),
                                 {"fields": changed}))
    log_access(user, "correct", [case.id])
    db.session.flush()   # the versioned UPDATE: a concurrent change raises StaleDataError (409)
    if new_child["family_name"] != current["family_name"]:
        refresh_name_index(case)   # the search tokens of the corrected name (name_index is already set)
    hooks.after_correction(case)
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
    case = find_case(user, case_id, handover=True)   # a school acknowledges its handover
    if not isinstance(trigger, str) or trigger not in workflow.transitions:
        raise ValidationError(N_("Onbekende actie."), "trigger")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValidationError(N_("Versie ontbreekt: geef de versie van het dossier mee."), "version")
    if version != case.version:
        if repeated_step(user, case, trigger, version, data):
            # A double click or a resent form: the step it asks for was just done by the same
            # user with the same data. Answer it as saved; there is nothing left to do.
            return case
        raise StaleVersion(N_("Iemand anders heeft dit dossier intussen gewijzigd; bekijk de nieuwe stand."),
                           "version", current_version=case.version, current_state=case.state)
    step = take_step(workflow, user, case, trigger, data)
    t, values, effective, from_location = step.transition, step.values, step.effective, step.from_location
    if t.ends_access == "current" and from_location is not None:
        # The provider hands the child back: it sees the case no more from the step's date on.
        _end_access(case, effective, provider_of=from_location)
    event = history_event(case, user, step.seq, trigger, step.from_state, effective, step.clear)
    event.secret = step.secret or None
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
    hooks.after_step(case, step.seq)   # e.g. reminders: cancel what no longer applies, start what does
    return case


@dataclass
class Step:
    """A transition checked and taken on the case in memory; what remains is to store it."""
    transition: Any
    values: dict              # the parsed fields
    effective: dt.date
    from_state: str
    seq: int                  # the history row's seq (the case's version after the step)
    from_location: int | None
    clear: dict               # the history row's data in clear
    secret: dict              # its free-text fields, encrypted with the row


def take_step(workflow, user: User, case: Case, trigger: str, data: Any) -> Step:
    """Check ``trigger`` for ``user`` on ``case`` (at its current version) and move the case
    along it in memory: state, fields, dates. Storing the step (history, log, access, hooks) is
    the caller's: fire_transition one case at a time, the bulk import per batch. Refusals in the
    order fire_transition documents, after its version checks."""
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
    # The named checks and the dates, each error at its field, all of them at once.
    errors = ErrorCollector()
    for check in t.checks:
        with errors.check():
            CHECKS[check](case, user, values)
    effective = values[t.effective_date] if t.effective_date else clock.today()
    field = t.effective_date or "trigger"
    # History must read in order for the monitor; only the registration itself (version 1) may
    # postdate the first step, since a nurse often records a visit's indication days later.
    if case.version > 1 and effective < case.state_since:
        if case.state_since > clock.today():
            # The current state starts in the future (a placement per a later date): say so,
            # rather than that the date lies before "the previous step".
            errors.errors.append(ValidationError(
                N_("'%(state)s' gaat pas in per %(date)s; '%(action)s' kan pas vanaf die datum."), field,
                params={"state": LazyString(state_label, case.state), "date": case.state_since,
                        "action": LazyString(trigger_label, t.trigger)}))
        else:
            errors.errors.append(ValidationError(N_("Deze datum ligt vóór de vorige stap (%(date)s)."), field,
                                                 params={"date": case.state_since}))
    elif effective < case.birth_date:
        errors.errors.append(ValidationError(N_("Deze datum ligt vóór de geboortedatum van het kind."), field))
    errors.raise_if_any()

    from_state, seq, from_location = case.state, case.version + 1, case.location_id
    if not workflow.fire(case, trigger, user.role):   # the shared machine sets case.state
        raise NotPermitted(N_("Uw rol mag '%(action)s' niet uitvoeren vanuit deze status."),
                           params={"action": LazyString(trigger_label, t.trigger)})
    _apply(case, t, values)
    if t.ends_access == "current" and from_location is not None:
        case.location_id = None   # the caller ends the provider's access (case_locations)
    case.state_since = effective
    case.updated_at = clock.now()
    case.last_trigger = trigger
    clear = {k: _plain(v) for k, v in values.items() if not t.fields[k].encrypted}
    secret = {k: v for k, v in values.items() if t.fields[k].encrypted}
    return Step(t, values, effective, from_state, seq, from_location, clear, secret)


# How long after a step the same user's same step with the same data counts as a repeat of it (a
# double click, a form sent twice) rather than as a conflict with someone else's change.
REPEAT_WINDOW = dt.timedelta(seconds=30)


def repeated_step(user: User, case: Case, trigger: str, version: Any, data: Any) -> bool:
    """Whether a step refused for its stale ``version`` was in fact just done: the case's last
    step is the one right after ``version``, by ``user``, along ``trigger``, with the same data,
    recorded less than ``REPEAT_WINDOW`` ago."""
    if not isinstance(version, int) or isinstance(version, bool) or case.version != version + 1:
        return False
    last = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.seq == case.version))
    if (last is None or last.user_id != user.id or last.trigger != trigger
            or clock.now() - _aware(last.recorded_at) > REPEAT_WINDOW):
        return False
    workflow = current_workflow()
    t = workflow.transitions[trigger]
    try:
        values = validate_transition_data(workflow, t, case, data)
    except ValidationError:
        return False   # not the data the step was done with
    clear = {k: _plain(v) for k, v in values.items() if not t.fields[k].encrypted}
    secret = {k: v for k, v in values.items() if t.fields[k].encrypted}
    return clear == (last.data or {}) and secret == (last.secret or {})


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite gives back the stored UTC time without its zone."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.timezone.utc)


def history_event(case: Case, user: User, seq: int, trigger: str, from_state: str | None,
                  effective: dt.date, data: dict) -> CaseEvent:
    """One history row, for the case as it is after the step: who acted and for whom from the
    user; where (municipality, location) and the monitor's columns (birth month, age in months at
    the effective date) from the case. Every step writes its row through here (the bulk import
    through ``history_values``), so a new column of the history is filled in one place."""
    return CaseEvent(**history_values(case, user, seq, trigger, from_state, effective, data))


def history_values(case: Case, user: User, seq: int, trigger: str, from_state: str | None,
                   effective: dt.date, data: dict) -> dict:
    """history_event's columns (without the encrypted ``secret``), as a row to insert."""
    return dict(
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


def refresh_name_index(case: Case) -> None:
    """Recompute the blind indexes of the case's family name: the whole name's (``name_index``)
    and the tokens of its parts and prefixes (``case_name_tokens``). Registration calls it, and
    so must anything that changes a family name (a correction). Flushes; the caller commits."""
    name = case.family_name
    case.name_index = family_name_index(name) if name else None
    db.session.flush()   # the case's row (and a changed name_index) before its tokens
    _write_name_tokens(case.id, name)


def _write_name_tokens(case_id, name: str | None) -> None:
    db.session.execute(delete(CaseNameToken).where(CaseNameToken.case_id == case_id))
    tokens = sorted(name_tokens(name)) if name else []
    if tokens:
        db.session.execute(insert(CaseNameToken), [{"case_id": case_id, "token": t} for t in tokens])


@dataclass
class Reindexed:
    cases: int = 0        # cases whose indexes were rebuilt
    erased: int = 0       # erased cases: no personal data left, so no index either
    unreadable: int = 0   # cases whose name or BSN does not decrypt: left as they were


def reindex_all(batch: int = 200, progress: Callable[[int], None] | None = None) -> Reindexed:
    """Rebuild every case's blind indexes (BSN, family name, name-part tokens) under the current
    blind-index key: after the migration that added the tokens, or after changing that key.
    Commits per batch (a command owns its units of work), so a rerun repeats at most one batch.

    The indexes are written table-level, not through the ORM: a rebuild is not a change of the
    case, so its version (and anyone's open form) stays valid."""
    from ..crypto import current_keyring
    from ..crypto.keyring import KeyringError
    result, last = Reindexed(), None
    keyring = current_keyring()
    while True:
        q = select(Case).order_by(Case.id).limit(batch)
        if last is not None:
            q = q.where(Case.id > last)
        rows = list(db.session.scalars(q))
        if not rows:
            return result
        for case in rows:
            if case.erased_at is not None:
                db.session.execute(delete(CaseNameToken).where(CaseNameToken.case_id == case.id))
                result.erased += 1
                continue
            try:
                name, bsn = case.family_name, case.bsn
            except KeyringError:
                result.unreadable += 1
                continue
            db.session.execute(update(Case.__table__).where(Case.__table__.c.id == case.id).values(
                name_index=family_name_index(name) if name else None,
                bsn_index=keyring.blind_index(bsn) if bsn else None))
            _write_name_tokens(case.id, name)
            result.cases += 1
        last = rows[-1].id
        db.session.commit()
        db.session.expunge_all()   # the cases read are stale after the table-level update
        if progress:
            progress(len(rows))


# --- Bulk import of existing cases (cases import; README 'Importing existing cases') ---------------
# A row is one child: registered (new_case), then the workflow's import_steps replayed (take_step)
# with their back-dated effective dates, so the history, the reminders and the access log come out
# as if the steps had been taken in the app. A batch's rows are taken in memory and written with
# one multi-row INSERT per table (README 'Importing existing cases': 50,000 rows in minutes); a
# row that fails leaves nothing behind. The command commits per batch.

IMPORT_CHILD_COLUMNS = ("bsn", "given_name", "family_name", "birth_date", "postcode", "house_number")
IMPORT_OTHER_COLUMNS = ("municipality_code", "parent_name", "parent_phone", "parent_email")


def import_columns() -> tuple[str, ...]:
    """Every column the import reads, in the documented order (the workflow adds its steps')."""
    steps = tuple(c for s in current_workflow().import_steps for c in s.columns)
    return IMPORT_CHILD_COLUMNS + IMPORT_OTHER_COLUMNS + steps


@dataclass
class ImportResult:
    rows: int = 0
    imported: list[int] = dc_field(default_factory=list)     # row numbers written (a dry run: that would be)
    duplicates: list[int] = dc_field(default_factory=list)   # row numbers skipped: the BSN is already known
    errors: list[tuple[int, str, str]] = dc_field(default_factory=list)   # (row, column, message)


class _StepActor:
    """The importing user, recorded for one step under another role and organisation (a step the
    workflow says a provider takes: import_steps[].as_role). The user id stays the importer's."""

    def __init__(self, user: User, role: str, organisation: Organisation):
        self.id, self.role, self.organisation, self.organisation_id = user.id, role, organisation, organisation.id
        self.is_authenticated = True


def import_bsn_index(raw: Any) -> str | None:
    """The blind index of a row's BSN, or None when the BSN is not valid (its error comes later)."""
    from .validation import normalise_bsn
    try:
        return current_keyring().blind_index(normalise_bsn(raw))
    except ValidationError:
        return None


def known_bsn_indexes(indexes: list[str]) -> set[str]:
    """Which of these blind indexes a case (in any state) already has: the import's duplicates."""
    return set(db.session.scalars(select(Case.bsn_index).where(Case.bsn_index.in_(indexes))))


def _import_plan(row: dict) -> tuple[dict, dict, list]:
    """A row's stripped text, its parent and the import_steps it fills (each earlier one too), or
    a ValidationError at the column that starts a step the row needs but lacks."""
    workflow = current_workflow()
    text = {k: (v or "").strip() if isinstance(v, str) else v for k, v in row.items()}
    parent = {k: text.get(f"parent_{k}") for k in ("name", "phone", "email") if text.get(f"parent_{k}")}
    steps = []
    for step in workflow.import_steps:
        first, fname = next(iter(step.columns.items()))
        if text.get(first):
            steps.append(step)
        elif any(text.get(c) for c in step.columns):   # the step's other columns, without the one that starts it
            raise ValidationError(N_("%(label)s is verplicht."), first, params={"label": LazyString(field_label, fname)})
    taken = {s.trigger for s in steps}
    for i, step in enumerate(workflow.import_steps):   # a later step needs every earlier one
        if step.trigger not in taken and any(s.trigger in taken for s in workflow.import_steps[i + 1:]):
            first, fname = next(iter(step.columns.items()))
            raise ValidationError(N_("%(label)s is verplicht."), first, params={"label": LazyString(field_label, fname)})
    return text, parent, steps


def _step_data(step, t, text: dict, location_of_lrk: Callable[[str], Location | None]) -> dict:
    """The data of one import step from the row's columns (a location column holds an LRK number)."""
    data = dict(step.values)
    for column, fname in step.columns.items():
        value = text.get(column)
        if not value:
            continue
        kind = t.fields[fname].type
        if kind == "criteria":
            value = [c.strip() for c in value.replace(",", ";").split(";") if c.strip()]
        elif kind == "location":
            location = location_of_lrk(value)
            if location is None:
                raise ValidationError(N_("Onbekend LRK-nummer."), column)
            value = location.id
        data[fname] = value
    return data


def _step_actor(user: User, step, case: Case, data: dict) -> Any:
    """Who a step is recorded for: the importer, or under the step's as_role for the provider of
    the location the step names (or the case has)."""
    if not step.as_role or step.as_role == user.role:
        return user
    location_id = data.get("location_id") or case.location_id
    location = db.session.get(Location, location_id) if location_id else None
    if location is None:
        return user
    return _StepActor(user, step.as_role, db.session.get(Organisation, location.provider_id))


def import_case_row(user: User, row: dict) -> Case:
    """Write one row of an import as a case with its back-dated history (flushes, never commits):
    register_case and fire_transition per step, one case at a time. The import's path when a step
    hook has no in-memory twin (hooks.IN_MEMORY_STEP); the bulk path (_import_row_in_memory) must
    come out the same (tests/test_case_import_fast.py).

    Raises a FieldErrors/ValidationError whose fields are the CSV's column names."""
    workflow = current_workflow()
    text, parent, steps = _import_plan(row)
    try:
        case = register_case(user, text.get("municipality_code") or None,
                             {k: text.get(k) for k in IMPORT_CHILD_COLUMNS}, [parent] if parent else None)
    except ValidationError as exc:
        raise _to_columns(exc, {"municipality": "municipality_code"}) from None
    by_lrk = lambda lrk: db.session.scalar(select(Location).where(Location.lrk_number == lrk))   # noqa: E731
    for step in steps:
        t = workflow.transitions[step.trigger]
        data = _step_data(step, t, text, by_lrk)
        actor = _step_actor(user, step, case, data)
        try:
            case = fire_transition(actor, case.id, step.trigger, case.version, data)
        except ValidationError as exc:
            raise _to_columns(exc, {f: c for c, f in step.columns.items()}) from None
    return case


class _BatchLookups:
    """What the bulk import looks up once per batch instead of once per row: municipalities by
    CBS code (on first use), locations by LRK number and their providers (one query). It also
    holds every organisation and location for the batch: the session's identity map keeps only
    objects something refers to, so the steps' and hooks' ``db.session.get`` of a provider or a
    location would otherwise query again for every row."""

    def __init__(self):
        self.municipalities: dict[str, Any] = {}
        self.shared: dict = {}   # the in-memory step hooks' own (hooks.IN_MEMORY_STEP)
        locations = list(db.session.scalars(select(Location).order_by(Location.id)))
        self._held = [*db.session.scalars(select(Organisation)), *locations]
        self._by_lrk: dict[str, Location] = {}
        for loc in locations:
            self._by_lrk.setdefault(loc.lrk_number, loc)
        self._providers = {loc.id: loc.provider_id for loc in locations}

    def municipality(self, code: Any):
        key = code.upper() if isinstance(code, str) else None
        if key is None or key not in self.municipalities:
            found = get_municipality(code)   # raises at the field when unknown: not cached
            self.municipalities[found.code] = found
            return found
        return self.municipalities[key]

    def location_of_lrk(self, lrk: str) -> Location | None:
        return self._by_lrk.get(lrk)

    def provider_of(self, location_id: int | None) -> int | None:
        return self._providers.get(location_id)


def _end_access_in_memory(access: dict, lookups: _BatchLookups, day: dt.date, provider_of: int | None = None,
                          except_provider_of: int | None = None) -> None:
    """_end_access on a case's case_locations held in memory ({location_id: access_ends_on})."""
    provider = lookups.provider_of(provider_of or except_provider_of)
    for location_id, ends in access.items():
        theirs = lookups.provider_of(location_id)
        if provider is None or theirs is None:
            continue   # SQL: a comparison with NULL matches nothing
        if (theirs == provider if provider_of else theirs != provider) and (ends is None or ends > day):
            access[location_id] = day


def _import_row_in_memory(user: User, row: dict, lookups: _BatchLookups) -> dict[str, list[dict]]:
    """import_case_row without writing: the same checks (new_case, take_step), the case moved
    along the same steps in memory, and every row it would write returned per table ({table
    name: [row dicts]}) for the batch's multi-row INSERTs. The access-log rows are queued as a
    step queues them. The duplicate check of register_case is the caller's (run_import looks
    every BSN of the batch up at once)."""
    workflow = current_workflow()
    text, parent, steps = _import_plan(row)
    try:
        case = new_case(user, text.get("municipality_code") or None,
                        {k: text.get(k) for k in IMPORT_CHILD_COLUMNS}, [parent] if parent else None,
                        municipality_of=lookups.municipality)
    except ValidationError as exc:
        raise _to_columns(exc, {"municipality": "municipality_code"}) from None
    case.version = 1   # what the first INSERT's version counter gives a stored case
    name = case.family_name
    case.name_index = family_name_index(name) if name else None
    events: list[dict] = []
    rows: dict[str, list[dict]] = {"case_events": events}   # the hooks read the history so far
    access: dict[int, dt.date | None] = {}
    events.append(history_values(case, user, 1, REGISTER_EVENT, None, case.state_since, {}) | {"secret": None})
    log_access(user, "create", [case.id])
    hooks.after_step_in_memory(case, 1, rows, lookups.shared)
    for step in steps:
        t = workflow.transitions[step.trigger]
        data = _step_data(step, t, text, lookups.location_of_lrk)
        actor = _step_actor(user, step, case, data)
        try:
            taken = take_step(workflow, actor, case, step.trigger, data)
        except ValidationError as exc:
            raise _to_columns(exc, {f: c for c, f in step.columns.items()}) from None
        case.version = taken.seq
        if t.ends_access == "current" and taken.from_location is not None:
            _end_access_in_memory(access, lookups, taken.effective, provider_of=taken.from_location)
        event = history_values(case, actor, taken.seq, step.trigger, taken.from_state, taken.effective, taken.clear)
        event["secret"] = CaseEvent.secret.encrypt_for(_Bound(event), taken.secret) if taken.secret else None
        events.append(event)
        log_access(actor, f"transition:{step.trigger}", [case.id])
        location = taken.values.get("location_id")
        if location is not None and location.id != taken.from_location:
            access[location.id] = None   # _remember_location: (back) in the provider's scope
        if t.ends_access == "others" and case.location_id is not None:
            _end_access_in_memory(access, lookups, taken.effective + dt.timedelta(days=1),
                                  except_provider_of=case.location_id)
        hooks.after_step_in_memory(case, taken.seq, rows, lookups.shared)
    rows["cases"] = [_column_values(case)]
    rows["case_name_tokens"] = [{"case_id": case.id, "token": tk} for tk in sorted(name_tokens(name))] if name else []
    rows["case_locations"] = [{"case_id": case.id, "location_id": loc, "access_ends_on": ends}
                              for loc, ends in access.items()]
    return rows


class _Bound:
    """A row to insert as the object an encrypted column binds its ciphertext to."""

    def __init__(self, values: dict):
        self.__dict__.update(values)


_COLUMNS: dict[type, list[tuple[str, str, Any, bool]]] = {}


def _column_values(obj) -> dict:
    """An ORM object that was never added to the session as the row an INSERT of it would write:
    its columns' values (a scalar column default where unset), without an autoincrement key."""
    model = type(obj)
    if model not in _COLUMNS:
        from sqlalchemy import inspect as sa_inspect
        _COLUMNS[model] = [(prop.key, prop.columns[0].key,
                            prop.columns[0].default.arg if prop.columns[0].default is not None
                            and prop.columns[0].default.is_scalar else None,
                            prop.columns[0].primary_key)
                           for prop in sa_inspect(model).column_attrs]
    values = obj.__dict__
    out = {}
    for attr, column, default, primary in _COLUMNS[model]:
        value = values.get(attr)
        if value is None:
            if primary:
                continue   # an autoincrement key: the database numbers the row
            value = default
        out[column] = value
    return out


def _insert_batch(written: list[dict[str, list[dict]]]) -> None:
    """The rows of a batch's cases, one multi-row INSERT per table, parents first."""
    tables: dict[str, list[dict]] = {}
    for rows in written:
        for name, table_rows in rows.items():
            tables.setdefault(name, []).extend(table_rows)
    for table in db.metadata.sorted_tables:
        table_rows = tables.get(table.name)
        if not table_rows:
            continue
        keys = list(dict.fromkeys(k for r in table_rows for k in r))
        if any(len(r) != len(keys) for r in table_rows):   # one statement for all: the same keys in each row
            table_rows = [{k: r.get(k) for k in keys} for r in table_rows]
        db.session.execute(insert(table), table_rows)


def _to_columns(exc: ValidationError, columns: dict) -> ValidationError:
    """The same errors, each at the CSV column it came from (child.bsn -> bsn, start_date ->
    placement_start_date, parents[0].phone -> parent_phone)."""
    from ..errors import FieldErrors

    def column(field: str | None) -> str | None:
        if field is None:
            return None
        if field.startswith("child."):
            return field[len("child."):]
        if field.startswith("parents["):
            return "parent_" + field.rsplit(".", 1)[-1]
        return columns.get(field, field)
    errors = []
    for e in exc.each():
        copy = ValidationError(e.msgid, column(e.field), params=e.params)
        errors.append(copy)
    return FieldErrors(errors) if len(errors) > 1 else errors[0]


def run_import(user: User, rows: list[tuple[int, dict]], apply: bool, batch: int = 500,
               progress: Callable[[int], None] | None = None) -> ImportResult:
    """Import ``rows`` ((row number, {column: text})) for ``user``, a JGZ user.

    A BSN already known (blind index, any state), or twice in the file, is a duplicate and
    skipped. A row that fails is reported per column and leaves nothing behind, nor the
    access-log rows it queued. With ``apply`` every batch is committed (like reindex_all, a
    command's loop owns its units of work), otherwise rolled back: a dry run runs every check a
    real run does and writes nothing. Every access-log row of the import says client ``import``;
    one ``import`` row without a case marks the run itself (README 'Importing existing cases').

    Each batch's rows are checked and taken along their steps in memory, then written with one
    multi-row INSERT per table (cases, history, name tokens, case locations, reminders, access
    log) in one transaction: a batch that fails to write leaves nothing. When a step hook has no
    in-memory twin (hooks.IN_MEMORY_STEP), each row runs through register_case and
    fire_transition in a savepoint of its own instead: the same result, a query at a time."""
    from flask import g

    require_registering_role(user)
    result, seen, user_id = ImportResult(), set(), user.id
    in_memory = hooks.steps_in_memory()
    had_client, g_client = "client" in g, g.get("client")
    g.client = "import"
    try:
        for start in range(0, len(rows), batch):
            chunk = rows[start:start + batch]
            indexes = {number: import_bsn_index(row.get("bsn")) for number, row in chunk}
            known = known_bsn_indexes([i for i in indexes.values() if i])
            user = db.session.get(User, user_id)   # fresh after the previous batch's commit
            try:
                (_import_batch_in_memory if in_memory else _import_batch_by_row)(
                    user, chunk, indexes, known, seen, result, apply)
                if apply:
                    if start == 0:
                        log_access(user, "import", [None])
                    db.session.commit()
                else:
                    db.session.rollback()
            except BaseException:
                db.session.rollback()   # a batch that did not write whole writes nothing
                raise
            db.session.expunge_all()
            if progress:
                progress(len(chunk))
    finally:
        if had_client:
            g.client = g_client
        else:
            g.pop("client", None)
    return result


def _import_batch_in_memory(user: User, chunk, indexes: dict, known: set, seen: set, result: ImportResult,
                            apply: bool) -> None:
    from .fieldtypes import cached_references
    lookups, written = _BatchLookups(), []
    with cached_references():
        _import_rows(chunk, indexes, known, seen, result,
                     lambda row: written.append(_import_row_in_memory(user, row, lookups)))
    if apply and written:
        _insert_batch(written)


def _import_batch_by_row(user: User, chunk, indexes: dict, known: set, seen: set, result: ImportResult,
                         apply: bool) -> None:
    _open_transaction()

    def in_savepoint(row: dict) -> None:
        savepoint = db.session.begin_nested()
        try:
            import_case_row(user, row)
        except AppError:
            savepoint.rollback()
            raise
        savepoint.commit()

    _import_rows(chunk, indexes, known, seen, result, in_savepoint)


def _import_rows(chunk, indexes: dict, known: set, seen: set, result: ImportResult,
                 take: Callable[[dict], None]) -> None:
    """Both import paths' loop over a batch: a known or repeated BSN is a duplicate; ``take(row)``
    imports a row, and a refusal is reported per column, its queued access-log rows dropped."""
    from ..audit.operations import drop_pending_after, pending_count
    for number, row in chunk:
        result.rows += 1
        index = indexes[number]
        if index is not None and (index in known or index in seen):
            result.duplicates.append(number)
            continue
        mark = pending_count()
        try:
            take(row)
        except AppError as exc:
            drop_pending_after(mark)
            if isinstance(exc, DuplicateCase):
                result.duplicates.append(number)
            else:
                result.errors.extend((number, e.field or "row", e.message) for e in exc.each())
            continue
        if index is not None:
            seen.add(index)
        result.imported.append(number)


def _open_transaction() -> None:
    """Make sure the database transaction is open before the first savepoint of a batch.

    SQLite's Python driver begins a transaction only before a data-changing statement; a SAVEPOINT
    issued outside one starts a transaction of its own, and its RELEASE then commits everything
    (a dry run would write its rows). A data-changing statement that matches no row opens the
    transaction the savepoints then nest in. PostgreSQL needs nothing (SQLAlchemy sends BEGIN)."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(update(Case.__table__).where(Case.__table__.c.version < 0).values(version=0))
