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
from .models import CASE_PAGE, LIVE_STATES, MEETING, DigestRun, MeetingNote, Reminder
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
    stay = entered_seq   # the caller knows it when it has just moved the case into its state
    wanted: dict[str, tuple[Any, int]] = {}
    for rule in applicable_rules(workflow, case.state, case.not_reached_reason, case.last_trigger):
        if rule.condition is not None and not condition_holds(rule, case):
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

    names = tuple(wanted)
    touched = db.session.execute(_sync_statement(names), {
        "for_case": case.id, "now": now, **{f"stay_{i}": wanted[name][1] for i, name in enumerate(names)}}).all()
    kept = {(row.rule, row.stay) for row in touched if row.state != "cancelled"}

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
        organisation_id, role = addressee_for(case, rule.role)
        new_rows.append(dict(
            case_id=case.id, rule=name, stay=chain_stay, anchor=anchor, occurrence=1, role=role,
            organisation_id=organisation_id, state="pending", due_at=due, wake_at=due,
            deliveries=0, created_at=now))
    if new_rows:
        # Core insert: a transition's new chains need no ORM objects (half the cost otherwise).
        db.session.execute(insert(Reminder.__table__), new_rows)


@functools.lru_cache(maxsize=256)
def _sync_statement(names: tuple[str, ...]):
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
    for row in rows:
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
