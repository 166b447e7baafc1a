"""What changes reminders. Services only flush; the caller (transition, request, sweep job) commits.

``sync_reminders`` derives a case's reminders from its state in the transition's own
transaction; ``deliver_due`` hands out one batch of due reminders; people mark them done or
snooze them; the bereik-overleg adds notes; ``queue_digest`` prepares the daily e-mail.
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from email.message import EmailMessage
from types import SimpleNamespace
from typing import Any, Callable

from flask import current_app
from sqlalchemy import and_, bindparam, case as case_, delete, false, func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..audit.operations import audited
from ..cases.models import Case, CaseEvent
from ..cases.operations import log_access
from ..cases.checks import require_current_provider
from ..cases.util import find_case
from ..cases.validation import parse_date
from ..errors import N_, Conflict, NotFound, NotPermitted, ValidationError
from ..extensions import db
from ..numbers import whole_number
from ..organisations.models import Organisation
from ..users.models import User
from ..workflow import current_workflow
from ..workflow.definition import CORRECT_EVENT, RENAME_EVENT as RENAME_TRIGGER
from .models import CASE_PAGE, LIVE_STATES, MEETING, DigestRun, Meeting, MeetingAction, MeetingNote, Reminder
from .util import (INBOX_ROLES, addressee_for, age_milestone, applicable_rules, case_anchor, condition_holds, digest_counts, find_rule,
                   local_day, local_midnight, meeting_municipality, next_due, occurrence_offset, role_for)

SNOOZE_MAX_DAYS = 90
TEXT_MAX = 2000


def sync_reminders(case: Case, entered_seq: int | None = None) -> None:
    """Make the case's reminders match its state: cancel what no longer applies, start what does.

    Called at the end of every registration and transition, after the case row is flushed, so
    it runs under that row's lock and in its transaction. Idempotent: a chain that still
    applies (same rule, same stay in the state) is left alone, whatever became of it.
    ``entered_seq``: the history seq that entered the current state, if the caller knows it
    (saves a query on every transition).
    """
    workflow, now = current_workflow(), clock.now()
    wanted = _wanted_chains(workflow, case, entered_seq)
    names = tuple(wanted)
    touched = db.session.execute(_sync_statement(names, _kept_rules(workflow, case)), {
        "for_case": case.id, "now": now, **{f"stay_{i}": wanted[name][1] for i, name in enumerate(names)}}).all()
    kept = {(row.rule, row.stay) for row in touched if row.state != "cancelled"}
    new_rows = _new_chains(case, wanted, kept, now, addressee_for)
    if new_rows:
        # Core insert: a transition's new chains need no ORM objects (half the cost otherwise).
        db.session.execute(insert(Reminder.__table__), new_rows)


def sync_reminders_in_memory(case: Case, entered_seq: int, rows: dict[str, list[dict]], batch: dict) -> None:
    """sync_reminders for a case the bulk import holds in memory (cases import): the same
    chains, cancelled and started the same way, kept in ``rows["reminders"]`` (the case's rows so
    far) for the import to insert with the case. No query for the case's reminders (they are all
    in ``rows``); an addressee is looked up once per batch (cases/hooks.py IN_MEMORY_STEP)."""
    workflow, now = current_workflow(), clock.now()
    wanted = _wanted_chains(workflow, case, entered_seq, rows.get("case_events"))
    pairs = {(name, stay) for name, (_rule, stay) in wanted.items()}
    keep = _kept_rules(workflow, case)
    kept = set()
    for row in rows.setdefault("reminders", []):
        # _sync_statement, row by row: live rows not wanted are cancelled, the rest reported.
        is_wanted = (row["rule"], row["stay"]) in pairs
        if row["state"] == "cancelled" or not (row["state"] in LIVE_STATES or is_wanted):
            continue
        if row["state"] in LIVE_STATES and not is_wanted and row["rule"] not in keep:
            row.update(state="cancelled", wake_at=None, cancelled_at=now)
        else:
            kept.add((row["rule"], row["stay"]))
    addressees = batch.setdefault("reminders.addressees", {})

    def addressee_of(case: Case, role: str) -> tuple[int | None, str]:
        # What addressee() reads of the case: who registered it, where it is, its municipality.
        key = (role, case.registered_by_organisation_id, case.location_id, case.municipality_id)
        if key not in addressees:
            addressees[key] = addressee_for(case, role)
        return addressees[key]
    rows["reminders"].extend(_new_chains(case, wanted, kept, now, addressee_of))


def _wanted_chains(workflow, case: Case, entered_seq: int | None,
                   events: list[dict] | None = None) -> dict[str, tuple[Any, int]]:
    """The chains the case's state asks for: rule name -> (rule, stay). ``events``: the case's
    history rows when the caller holds them in memory (else a condition reads case.events)."""
    stay = entered_seq   # the caller knows it when it has just moved the case into its state
    wanted: dict[str, tuple[Any, int]] = {}
    for rule in applicable_rules(workflow, case.state, case.not_reached_reason, case.last_trigger):
        if rule.condition is not None and not condition_holds(
                rule, case, None if events is None else [SimpleNamespace(**e) for e in events]):
            continue
        if rule.at_age_months is None:
            if stay is None:   # the event that entered the current state
                # A rename of a stored name or a correction of the child's data leaves the
                # case where it was: not the start of a stay.
                stay = db.session.scalar(select(func.max(CaseEvent.seq)).where(
                    CaseEvent.case_id == case.id, CaseEvent.to_state == case.state,
                    CaseEvent.trigger.not_in((RENAME_TRIGGER, CORRECT_EVENT)))) or case.version
            wanted[rule.name] = (rule, stay)
        else:
            wanted[rule.name] = (rule, 0)   # an age milestone spans every state of its rule
    return wanted


def _kept_rules(workflow, case: Case) -> tuple[str, ...]:
    """Rules whose live rows a step does not cancel. An action agreed in the bereik-overleg is not
    the state's to cancel: it lives until it is done, or until the case closes (nobody acts on a
    closed case)."""
    agreed = workflow.agreed_action
    return (agreed.name,) if agreed is not None and case.state not in workflow.final_states else ()


def _new_chains(case: Case, wanted: dict, kept: set, now: dt.datetime, addressee_of) -> list[dict]:
    """The first reminder of each wanted chain that is not there yet, as rows of ``reminders``."""
    new_rows = []
    for name, (rule, chain_stay) in wanted.items():
        if (name, chain_stay) in kept:
            continue
        anchor = case_anchor(case, rule)
        if rule.at_age_months is None:
            due = local_midnight(anchor + dt.timedelta(days=rule.after_days))
        else:
            # Past the milestone already: due now. Otherwise the first of its month (no more than
            # the birth month in clear tells); the sweep waits there for the exact day.
            due = now if age_milestone(case, rule) <= clock.today() else local_midnight(anchor)
        organisation_id, role = addressee_of(case, rule.role)
        new_rows.append(dict(
            case_id=case.id, rule=name, stay=chain_stay, anchor=anchor, occurrence=1, role=role,
            organisation_id=organisation_id, state="pending", due_at=due, wake_at=due,
            deliveries=0, created_at=now))
    return new_rows


@functools.lru_cache(maxsize=256)
def _sync_statement(names: tuple[str, ...], keep: tuple[str, ...] = ()):
    """The one statement that cancels what no longer applies and reports what stays.

    It touches the case's live rows and the rows of the chains still wanted (rules ``names``
    with stays ``:stay_0``, ``:stay_1``, …; the case is ``:for_case``), cancels the live ones that are not wanted, and
    returns them all as they are after it; done rows of other chains are left alone. Core on
    the table, built once per set of rules: it runs on every transition.
    """
    r = Reminder.__table__.c
    pairs = [and_(r.rule == name, r.stay == bindparam(f"stay_{i}", type_=r.stay.type)) for i, name in enumerate(names)]
    is_wanted = or_(*pairs) if pairs else false()
    unwanted_live = r.state.in_(LIVE_STATES) & ~is_wanted
    if keep:   # rules whose live rows stay (agreed actions)
        unwanted_live = unwanted_live & r.rule.not_in(keep)
    now = bindparam("now", type_=r.cancelled_at.type)
    return (update(Reminder.__table__)
            .where(r.case_id == bindparam("for_case", type_=r.case_id.type), r.state != "cancelled",
                   r.state.in_(LIVE_STATES) | is_wanted)
            .values(state=case_((unwanted_live, "cancelled"), else_=r.state),
                    wake_at=case_((unwanted_live, None), else_=r.wake_at),
                    cancelled_at=case_((unwanted_live, now), else_=r.cancelled_at))
            .returning(r.rule, r.stay, r.state))


@dataclass
class SweepResult:
    claimed: int = 0
    delivered: int = 0
    cancelled: int = 0
    deferred: int = 0
    created: int = 0

    def add(self, other: "SweepResult") -> None:
        for k in self.__dataclass_fields__:
            setattr(self, k, getattr(self, k) + getattr(other, k))


def deliver_due(now: dt.datetime, batch_size: int = 500,
                after_claim: Callable[[int], None] | None = None) -> SweepResult:
    """Deliver one batch of reminders due at ``now`` and create each chain's next occurrence.

    On PostgreSQL the batch is claimed with FOR UPDATE SKIP LOCKED on the reminders and their
    cases, so parallel sweeps take disjoint batches and a transition of one of these cases
    waits for this batch (and then cancels what it created). SQLite allows one writer: taking
    its write lock before reading serialises sweeps there. The caller commits the batch: a
    crash before that leaves every row as it was, for the next sweep.
    """
    result = SweepResult()
    postgres = db.session.get_bind().dialect.name == "postgresql"
    if not postgres:
        db.session.execute(text("UPDATE reminders SET id = id WHERE 0"))
    # Core on the tables, not ORM entities: a sweep moves many rows and needs no objects.
    r, c = Reminder.__table__.c, Case.__table__.c
    q = (select(r.id, r.case_id, r.rule, r.stay, r.anchor, r.occurrence, r.deliveries, r.role, r.organisation_id,
                c.state.label("case_state"), c.not_reached_reason, c.last_trigger, c.registered_by_organisation_id,
                c.location_id, c.municipality_id)
         .select_from(Reminder.__table__.join(Case.__table__, c.id == r.case_id))
         .where(r.wake_at <= now).order_by(r.wake_at, r.id).limit(batch_size))
    if postgres:
        q = q.with_for_update(of=(Reminder.__table__, Case.__table__), skip_locked=True)
    rows = db.session.execute(q).all()
    result.claimed = len(rows)
    if not rows:
        return result

    workflow, today = current_workflow(), local_day(now)
    rules_for: dict[tuple, list] = {}
    deliver, cancel, defer, created = [], [], [], []
    dues: dict[tuple, dt.datetime | None] = {}
    agreed = workflow.agreed_action
    for row in rows:
        if agreed is not None and row.rule == agreed.name:
            # An agreed action back from a snooze: no chain to continue; gone once the case closed.
            (cancel if row.case_state in workflow.final_states else deliver).append(row.id)
            continue
        key = (row.case_state, row.not_reached_reason, row.last_trigger)
        if key not in rules_for:
            rules_for[key] = [x.name for x in applicable_rules(workflow, *key)]
        rule = find_rule(workflow, row.rule)
        if rule is None or rule.name not in rules_for[key]:
            cancel.append(row.id)   # the workflow file changed since: the rule no longer applies
            continue
        if rule.condition is not None and not condition_holds(rule, db.session.get(Case, row.case_id)):
            cancel.append(row.id)   # e.g. the hours went up, or the location's weeks open changed
            continue
        if rule.at_age_months is not None and row.deliveries == 0 and row.occurrence == 1:
            if age_milestone(db.session.get(Case, row.case_id), rule) > today:
                defer.append(row.id)
                continue
        deliver.append(row.id)
        if row.deliveries:
            continue   # back from a snooze: its chain already has its next occurrence
        n = row.occurrence + 1
        if (rule.name, row.anchor, n) not in dues:   # many rows share a chain position
            dues[rule.name, row.anchor, n] = next_due(rule, row.anchor, n, now)
        due = dues[rule.name, row.anchor, n]
        if due is None:
            continue
        role = role_for(rule, n)
        organisation_id = row.organisation_id
        if role != row.role:   # an escalation (or a fallback addressee before it): look it up
            organisation_id, role = addressee_for(row, role)
        created.append({
            "case_id": row.case_id, "rule": rule.name, "stay": row.stay, "anchor": row.anchor,
            "occurrence": n, "role": role, "organisation_id": organisation_id,
            "state": "pending", "due_at": due, "wake_at": due, "deliveries": 0, "created_at": now})

    table = Reminder.__table__
    if deliver:
        db.session.execute(update(table).where(r.id.in_(deliver)).values(
            state="open", wake_at=None, snoozed_until=None, delivered_at=now, deliveries=r.deliveries + 1))
    if cancel:
        db.session.execute(update(table).where(r.id.in_(cancel)).values(
            state="cancelled", wake_at=None, cancelled_at=now))
    if defer:
        # Not yet the exact day: look again tomorrow, without storing the day itself.
        db.session.execute(update(table).where(r.id.in_(defer)).values(
            wake_at=local_midnight(today + dt.timedelta(days=1))))
    if created:
        db.session.execute(insert(table), created)
    result.delivered, result.cancelled, result.deferred, result.created = \
        len(deliver), len(cancel), len(defer), len(created)
    if after_claim is not None:
        after_claim(result.claimed)
    return result


def _own_reminder(user: User, reminder_id: Any) -> Reminder:
    """A reminder in the user's inbox (delivered to its organisation and role); NotFound otherwise."""
    rid = whole_number(reminder_id)
    r = None
    if rid is not None and user.role in INBOX_ROLES:
        r = db.session.scalar(select(Reminder).where(
            Reminder.id == rid, Reminder.organisation_id == user.organisation_id, Reminder.role == user.role,
            Reminder.state != "pending"))
    if r is None:
        raise NotFound(N_("Herinnering niet gevonden."))
    return r


def complete_reminder(user: User, reminder_id: Any) -> Reminder:
    """Mark a delivered reminder done. The chain goes on while the case stays where it is."""
    r = _own_reminder(user, reminder_id)
    if r.state == "cancelled":
        raise Conflict(N_("Deze herinnering is vervallen: het dossier is intussen verder gegaan."), "state")
    if r.state != "done":
        r.state, r.wake_at, r.snoozed_until = "done", None, None
        r.done_at, r.done_by_id = clock.now(), user.id
        log_access(user, "reminder:done", [r.case_id])
        _complete_actions_of(r, user)   # an agreed action's reminder done: the action is done
    db.session.flush()
    return r


def snooze_reminder(user: User, reminder_id: Any, until: Any, reason: Any) -> Reminder:
    """Put a delivered reminder away until a later day, with a reason (encrypted: free text)."""
    r = _own_reminder(user, reminder_id)
    if r.state not in ("open", "snoozed"):
        raise Conflict(N_("Alleen een openstaande herinnering kan worden uitgesteld."), "state")
    day = parse_date(until, "until")
    today = clock.today()
    if not today < day <= today + dt.timedelta(days=SNOOZE_MAX_DAYS):
        raise ValidationError(N_("Kies een datum na vandaag en binnen %(days)s dagen."), "until",
                              params={"days": SNOOZE_MAX_DAYS})
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationError(N_("Geef een reden voor het uitstel."), "reason")
    if len(reason) > TEXT_MAX:
        raise ValidationError(N_("De reden is te lang (hoogstens %(max)s tekens)."), "reason", params={"max": TEXT_MAX})
    r.state, r.snoozed_until, r.wake_at = "snoozed", day, local_midnight(day)
    r.snooze_reason = reason.strip()
    _pause_chain(r, day)
    log_access(user, "reminder:snooze", [r.case_id])
    db.session.flush()
    return r


def _pause_chain(snoozed: Reminder, until: dt.date) -> None:
    """A snooze answers the reminder for now, so its chain waits too: the next occurrence (and
    with it any escalation) comes no earlier than one interval after the snooze ends, and the
    rest of the chain follows from there. Otherwise "after N unanswered reminders" would count
    reminders the addressee had answered with a snooze."""
    rule = find_rule(current_workflow(), snoozed.rule)
    if rule is None:
        return
    # The case row's lock, as a transition and a sweep take it: a sweep delivering this chain's
    # next occurrence right now finishes first, and then its successor is the one pushed.
    db.session.execute(select(Case.id).where(Case.id == snoozed.case_id).with_for_update())
    nxt = db.session.scalar(select(Reminder).where(
        Reminder.case_id == snoozed.case_id, Reminder.rule == snoozed.rule, Reminder.stay == snoozed.stay,
        Reminder.state == "pending"))
    if nxt is None:
        return   # the chain has no further reminder
    gap = occurrence_offset(rule, nxt.occurrence) - occurrence_offset(rule, nxt.occurrence - 1)
    was, then = local_day(nxt.due_at), until + dt.timedelta(days=gap)
    if then <= was:
        return   # a short snooze: the chain's own schedule is later anyway
    nxt.due_at = nxt.wake_at = local_midnight(then)
    if rule.at_age_months is None:
        nxt.anchor = nxt.anchor + (then - was)   # later occurrences count from the shifted start


def add_meeting_note(user: User, municipality_code: Any, case_id: Any, note: Any) -> MeetingNote:
    """Record what the bereik-overleg agreed about a child in the user's scope."""
    if user.role not in INBOX_ROLES:
        raise NotPermitted(N_("Alleen JGZ, VE-aanbieders en CJG nemen deel aan het bereik-overleg."))
    municipality = meeting_municipality(municipality_code)
    case = find_case(user, case_id)
    require_current_provider(case, user)   # a provider the child left sees it, but has no say any more
    if case.municipality_id != municipality.id:
        raise ValidationError(N_("Dit kind woont niet in deze gemeente."), "case_id")
    return _add_note(user, case, note, MEETING)


@audited("case_note")   # a refusal is a denied row
def add_case_note(user: User, case_id: Any, note: Any) -> MeetingNote:
    """A note on the case page by JGZ, a VE provider or the CJG: the same notes as the
    bereik-overleg's, read by the same people (reminders.util.meeting_notes)."""
    case = find_case(user, case_id)
    if user.role not in INBOX_ROLES:
        raise NotPermitted(N_("Alleen JGZ, VE-aanbieders en CJG maken notities bij een dossier."))
    require_current_provider(case, user)   # a provider the child left sees it, but has no say any more
    return _add_note(user, case, note, CASE_PAGE)


def _add_note(user: User, case: Case, note: Any, context: str) -> MeetingNote:
    meeting = context == MEETING
    if not isinstance(note, str) or not note.strip():
        raise ValidationError(N_("De afspraak is leeg.") if meeting else N_("De notitie is leeg."), "text")
    if len(note) > TEXT_MAX:
        raise ValidationError(N_("De afspraak is te lang (hoogstens %(max)s tekens).") if meeting
                              else N_("De notitie is te lang (hoogstens %(max)s tekens)."), "text",
                              params={"max": TEXT_MAX})
    row = MeetingNote(case_id=case.id, municipality_id=case.municipality_id, created_at=clock.now(),
                      user_id=user.id, organisation_id=user.organisation_id, context=context)
    row.text = note.strip()
    db.session.add(row)
    log_access(user, "meeting_note" if meeting else "case_note", [case.id])
    db.session.flush()
    return row


def unclaim_digest(now: dt.datetime) -> None:
    """Give back the claim on the day's digest (none of it went out), so a later sweep sends it."""
    db.session.execute(delete(DigestRun).where(DigestRun.day == local_day(now)))
    db.session.flush()


def queue_digest(now: dt.datetime) -> list[EmailMessage]:
    """The day's digest e-mails, once a day across every process; send them after the commit.

    Nothing when SMTP is not configured or the digest hour has not come. The primary key of
    DigestRun lets one process claim the day; a second gets an IntegrityError and sends none.
    """
    cfg = current_app.config
    if not cfg.get("SMTP_HOST"):
        return []
    local = now.astimezone(clock.LOCAL_TZ)
    if local.hour < cfg.get("DIGEST_HOUR", 7) or db.session.get(DigestRun, local.date()) is not None:
        return []
    try:
        with db.session.begin_nested():
            run = DigestRun(day=local.date(), created_at=now, messages=0)
            db.session.add(run)
    except IntegrityError:
        return []
    from .mail import digest_message

    messages = []
    names = dict(db.session.execute(select(Organisation.id, Organisation.name)).all())
    for organisation_id, role, children in digest_counts():
        emails = db.session.scalars(select(User.email).where(
            User.organisation_id == organisation_id, User.role == role, User.active.is_(True)).order_by(User.id))
        for email in emails:
            messages.append(digest_message(email, names.get(organisation_id, ""), children, local.date()))
    run.messages = len(messages)
    db.session.flush()
    return messages


# --- Bereik-overleg as meetings (issue 11.8) ------------------------------------------------------
MEETING_DAYS_AHEAD = 365    # a meeting may be planned, but not years ahead
MEETING_DAYS_BACK = 5 * 365  # ... or recorded afterwards, within a policy period or so
ACTION_DAYS_AHEAD = 365     # an action's due day: within a year of the meeting


def _required_date(raw: Any, field: str, label: str) -> dt.date:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise ValidationError(N_("%(label)s is verplicht."), field, params={"label": label})
    return parse_date(raw, field)


def _meeting_holder(user: User, municipality) -> None:
    from .util import may_hold_meetings
    if not may_hold_meetings(user, municipality):
        raise NotPermitted(N_("Alleen het CJG van deze gemeente legt een overleg en zijn afspraken vast."))


def _ids(raw: Any) -> list[int]:
    """Organisation ids from a form (strings) or JSON (numbers); anything else is refused."""
    if raw is None:
        return []
    if not isinstance(raw, (list, tuple)):
        raw = [raw]
    out = []
    for value in raw:
        number = whole_number(value)
        if number is None:
            raise ValidationError(N_("Kies deelnemende organisaties uit de lijst."), "organisation_ids")
        out.append(number)
    return list(dict.fromkeys(out))


def open_meeting(user: User, municipality_code: Any, held_on: Any, organisation_ids: Any) -> Meeting:
    """The CJG of a municipality records a meeting: its day and the region's organisations that
    take part (the CJG itself always does)."""
    from flask_babel import lazy_gettext as _l

    from .util import meeting_participants
    if user.role not in INBOX_ROLES:
        raise NotPermitted(N_("Alleen JGZ, VE-aanbieders en CJG nemen deel aan het bereik-overleg."))
    municipality = meeting_municipality(municipality_code)
    if municipality.region_id != user.organisation.region_id:
        raise NotFound(N_("Gemeente niet gevonden in uw regio."))
    _meeting_holder(user, municipality)
    day = _required_date(held_on, "held_on", _l("Datum van het overleg"))
    today = clock.today()
    if not today - dt.timedelta(days=MEETING_DAYS_BACK) <= day <= today + dt.timedelta(days=MEETING_DAYS_AHEAD):
        raise ValidationError(N_("Kies een datum van hoogstens vijf jaar geleden tot een jaar vooruit."), "held_on")
    allowed = {o.id: o for o in meeting_participants(municipality.region_id)}
    chosen = _ids(organisation_ids)
    if any(i not in allowed for i in chosen):
        raise ValidationError(N_("Kies deelnemende organisaties uit de lijst."), "organisation_ids")
    if user.organisation_id not in chosen:
        chosen.insert(0, user.organisation_id)
    meeting = Meeting(municipality_id=municipality.id, held_on=day, created_at=clock.now(),
                      created_by_id=user.id, organisation_id=user.organisation_id,
                      organisations=[allowed.get(i) or db.session.get(Organisation, i) for i in chosen])
    db.session.add(meeting)
    db.session.flush()
    return meeting


def add_action(user: User, meeting_id: Any, case_id: Any, owner_id: Any, due_on: Any, note: Any) -> MeetingAction:
    """Record what the meeting agreed for a child: the action (encrypted), the organisation that
    owns it and its due day. The owner gets it as a reminder now, due on that day."""
    from types import SimpleNamespace

    from flask_babel import lazy_gettext as _l

    from ..cases.util import scoped_cases
    from ..organisations.models import Municipality
    from .util import find_meeting, local_midnight, role_of_organisation

    meeting = find_meeting(user, meeting_id)
    municipality = db.session.get(Municipality, meeting.municipality_id)
    _meeting_holder(user, municipality)
    agreed = current_workflow().agreed_action
    if agreed is None:
        raise Conflict(N_("Deze werkwijze kent geen afspraken uit het overleg."), "owner_id")
    if case_id is None or (isinstance(case_id, str) and not case_id.strip()):
        raise ValidationError(N_("%(label)s is verplicht."), "case_id", params={"label": _l("Kind")})
    case = find_case(user, case_id)
    if case.municipality_id != meeting.municipality_id:
        raise ValidationError(N_("Dit kind woont niet in deze gemeente."), "case_id")
    if case.state in current_workflow().final_states:
        raise ValidationError(N_("Het dossier van dit kind is afgesloten."), "case_id")
    if owner_id is None or (isinstance(owner_id, str) and not owner_id.strip()):
        raise ValidationError(N_("%(label)s is verplicht."), "owner_id", params={"label": _l("Eigenaar")})
    oid = whole_number(owner_id)
    owner = next((o for o in meeting.organisations if o.id == oid), None)
    role = role_of_organisation(owner) if owner is not None else None
    if owner is None or role not in agreed.roles:
        raise ValidationError(N_("Kies als eigenaar een organisatie die aan het overleg deelneemt."), "owner_id")
    day = _required_date(due_on, "due_on", _l("Uiterlijk"))
    if not meeting.held_on <= day <= meeting.held_on + dt.timedelta(days=ACTION_DAYS_AHEAD):
        raise ValidationError(N_("Kies een datum vanaf de dag van het overleg en binnen een jaar."), "due_on")
    if not isinstance(note, str) or not note.strip():
        raise ValidationError(N_("%(label)s is verplicht."), "text", params={"label": _l("Afspraak")})
    if len(note) > TEXT_MAX:
        raise ValidationError(N_("De afspraak is te lang (hoogstens %(max)s tekens)."), "text", params={"max": TEXT_MAX})

    now = clock.now()
    # Delivered at once (the owner should know now), due on the agreed day; no chain follows.
    reminder = Reminder(case_id=case.id, rule=agreed.name, stay=0, anchor=day, occurrence=1, role=role,
                        organisation_id=owner.id, state="open", due_at=local_midnight(day), wake_at=None,
                        deliveries=1, delivered_at=now, created_at=now)
    db.session.add(reminder)
    db.session.flush()
    # The owner must be able to open the child it acts for (a provider: a child referred to it;
    # a CJG: the reminder just delivered widens its scope).
    stand_in = SimpleNamespace(role=role, organisation_id=owner.id, id=0, organisation=owner)
    if db.session.scalar(scoped_cases(stand_in).where(Case.id == case.id).with_only_columns(Case.id)) is None:
        raise ValidationError(N_("Deze organisatie heeft geen toegang tot het dossier van dit kind."), "owner_id")
    action = MeetingAction(meeting_id=meeting.id, case_id=case.id, owner_id=owner.id, due_on=day,
                           reminder_id=reminder.id, created_at=now, created_by_id=user.id)
    action.text = note.strip()
    db.session.add(action)
    log_access(user, "meeting_action", [case.id])
    db.session.flush()
    return action


def complete_action(user: User, action_id: Any) -> MeetingAction:
    """The owner (or the CJG that holds the meeting) marks an action done; its reminder closes."""
    from ..cases.util import parse_case_id
    from .util import role_of_organisation
    aid = parse_case_id(action_id) if isinstance(action_id, str) else None
    action = db.session.get(MeetingAction, aid) if aid is not None else None
    meeting = db.session.get(Meeting, action.meeting_id) if action is not None else None
    owner = action is not None and user.organisation_id == action.owner_id and role_of_organisation(action.owner) == user.role
    holder = meeting is not None and user.role in INBOX_ROLES and user.organisation_id == meeting.organisation_id
    if not (owner or holder):
        raise NotFound(N_("Afspraak niet gevonden."))
    find_case(user, action.case_id)   # still in the user's scope
    if action.reminder is not None and action.reminder.state == "cancelled" and action.done_at is None:
        raise Conflict(N_("Deze afspraak is vervallen: het dossier is afgesloten."), "state")
    if action.done_at is None:
        now = clock.now()
        action.done_at, action.done_by_id = now, user.id
        r = action.reminder
        if r is not None and r.state in LIVE_STATES:
            r.state, r.wake_at, r.snoozed_until, r.done_at, r.done_by_id = "done", None, None, now, user.id
        log_access(user, "meeting_action:done", [action.case_id])
    db.session.flush()
    return action


def _complete_actions_of(reminder: Reminder, user: User) -> None:
    """The agreed action whose reminder was marked done in the inbox is done too."""
    for action in db.session.scalars(select(MeetingAction).where(MeetingAction.reminder_id == reminder.id,
                                                                 MeetingAction.done_at.is_(None))):
        action.done_at, action.done_by_id = reminder.done_at, user.id
