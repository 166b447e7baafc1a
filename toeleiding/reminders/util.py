"""Read-only side of reminders: which rules apply, when occurrences fall due, who gets them, inboxes."""
from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from dataclasses import dataclass

from sqlalchemy import func, or_, select

from .. import clock
from ..cases.models import Case
from ..extensions import db
from ..organisations.models import Location, Municipality, Organisation, organisation_municipalities
from ..users.models import User
from ..workflow.definition import KNOWN_CONDITIONS, ReminderRule, Workflow
from ..workflow.labels import rule_label  # noqa: F401  (a rule's label, from the file: for the inbox, API, export)
from .models import MEETING, MeetingNote, Reminder

log = logging.getLogger(__name__)

# Roles that act on reminders and so have an inbox and see the bereik-overleg.
INBOX_ROLES = ("jgz", "ve", "cjg")
def applicable_rules(workflow: Workflow, state: str, reason: str | None,
                     last_step: str | None = None) -> list[ReminderRule]:
    """The rules for a case in ``state`` (with non-reach ``reason``, after the step
    ``last_step``): at most one counted in days (one for the last step beats a reason-specific
    one, which beats the generic one; the loader guarantees no ties) plus every age milestone
    of the state."""
    in_state = [r for r in workflow.reminders if state in r.states]
    timed = [r for r in in_state if r.after_days is not None and r.condition is None]
    chosen = [r for r in timed if r.after_step and last_step in r.after_step][:1] or \
             [r for r in timed if not r.after_step and r.reason is not None and r.reason == reason][:1] or \
             [r for r in timed if not r.after_step and r.reason is None][:1]
    # Rules with a condition come on top; whether it holds is the case's (condition_holds).
    return chosen + [r for r in in_state if r.at_age_months is not None] + [r for r in in_state if r.condition]


def find_rule(workflow: Workflow, name: str) -> ReminderRule | None:
    return next((r for r in workflow.reminders if r.name == name), None)


def occurrence_offset(rule: ReminderRule, n: int) -> int | None:
    """Days from the chain's start to its ``n``-th reminder (1-based); None when there is none."""
    fixed = [rule.after_days or 0, *rule.again_days]
    if n <= len(fixed):
        return fixed[n - 1]
    if rule.repeat_days:
        return fixed[-1] + (n - len(fixed)) * rule.repeat_days
    return None


def role_for(rule: ReminderRule, n: int) -> str:
    """Who gets the ``n``-th reminder: the escalation role once ``escalate.after`` went unanswered."""
    if rule.escalate_after is not None and n > rule.escalate_after:
        return rule.escalate_role
    return rule.role


def local_midnight(day: dt.date) -> dt.datetime:
    """The start of ``day`` in the Netherlands, as aware UTC: reminders fall due per calendar day."""
    return dt.datetime.combine(day, dt.time(0), clock.LOCAL_TZ).astimezone(dt.timezone.utc)


def local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(clock.LOCAL_TZ).date()


def next_due(rule: ReminderRule, anchor: dt.date, n: int, now: dt.datetime) -> dt.datetime | None:
    """When occurrence ``n`` falls due, delivered as the ``n-1``-th goes out at ``now``.

    On schedule it is the anchor plus its offset. When that moment has passed already (the
    scheduler was down), it comes one interval after today, so a catch-up delivers one
    reminder per chain instead of every missed one. Age milestones are not anchored to a
    stored day (that would put the birth date in clear), so their repeats follow the delivery.
    """
    offset, previous = occurrence_offset(rule, n), occurrence_offset(rule, n - 1)
    if offset is None:
        return None
    gap = offset - previous
    if rule.at_age_months is None:
        due = local_midnight(anchor + dt.timedelta(days=offset))
        if due > now:
            return due
    return local_midnight(local_day(now) + dt.timedelta(days=gap))


def addressee(case, role: str) -> int | None:
    """The organisation that must act for ``role``: JGZ that registered the case (or the
    region's JGZ), the provider of the case's location, the CJG serving its municipality.

    ``case`` is a Case or any row with registered_by_organisation_id, location_id, municipality_id.
    Only organisations in use: a deactivated one has no active users, so nobody would read it.
    """
    if role == "jgz":
        org = db.session.get(Organisation, case.registered_by_organisation_id)
        if org is not None and org.kind == "jgz" and org.active:
            return org.id
        region = select(Municipality.region_id).where(Municipality.id == case.municipality_id).scalar_subquery()
        return db.session.scalar(select(Organisation.id).where(Organisation.kind == "jgz", Organisation.region_id == region,
                                                               Organisation.active.is_(True))
                                 .order_by(Organisation.id).limit(1))
    if role == "ve":
        if case.location_id is None:
            return None
        # By primary key: the transition that set the location has it in the session already.
        location = db.session.get(Location, case.location_id)
        if location is None:
            return None
        if location.active:   # an organisation is deactivated only after all its locations
            return location.provider_id
        provider = db.session.get(Organisation, location.provider_id)
        return provider.id if provider is not None and provider.active else None
    if role == "cjg":
        return db.session.scalar(
            select(Organisation.id).join(organisation_municipalities,
                                         organisation_municipalities.c.organisation_id == Organisation.id)
            .where(Organisation.kind == "cjg", Organisation.active.is_(True),
                   organisation_municipalities.c.municipality_id == case.municipality_id)
            .order_by(Organisation.id).limit(1))
    return None


def addressee_for(case, role: str) -> tuple[int | None, str]:
    """The organisation and role a reminder for ``role`` goes to, never nobody.

    When the region has no organisation for the role here (no CJG serves the municipality, a
    provider's rule on a case without a location), the reminder goes to the JGZ of the region,
    which is always known and follows every child anyway, and a warning names the gap (the
    municipality and role, never the child) so the administrator can fill it.
    """
    organisation_id = addressee(case, role)
    if organisation_id is not None or role == "jgz":
        return organisation_id, role
    fallback = addressee(case, "jgz")
    municipality = db.session.get(Municipality, case.municipality_id)
    log.warning("reminders: no %s organisation for municipality %s; reminder goes to its region's JGZ (%s)",
                role, municipality.code if municipality is not None else case.municipality_id, fallback)
    return fallback, "jgz"


def inbox_query(user: User, state: str = "open"):
    """``select(Reminder)`` of the reminders addressed to the user's organisation and role."""
    q = select(Reminder).where(Reminder.organisation_id == user.organisation_id, Reminder.role == user.role)
    return q.where(Reminder.state == state)


@dataclass
class InboxRow:
    reminder: Reminder
    case: Case
    visible: bool        # the case is in the user's scope: its child may be named
    days_waited: int     # since the case entered its current state (its effective date)


def inbox_rows(user: User, state: str = "open", limit: int = 500) -> list[InboxRow]:
    """The inbox with each reminder's case, most urgent first: the reminder that fell due
    longest ago, then the child that has waited longest in its state. Nothing is decrypted here;
    the page names the children of ``visible`` rows (and logs that it did)."""
    from ..cases.util import scoped_cases
    q = (inbox_query(user, state).add_columns(Case).join(Case, Reminder.case_id == Case.id)
         .order_by(Reminder.due_at, Case.state_since, Reminder.id).limit(limit))
    rows = db.session.execute(q).all()
    ids = {case.id for _, case in rows}
    # A reminder goes where the case's scope is (the addressee), but the scope decides, here as
    # everywhere: a case that left it since keeps its reminder row, not its name.
    visible = set(db.session.scalars(scoped_cases(user).where(Case.id.in_(ids)).with_only_columns(Case.id))) if ids else set()
    today = clock.today()
    return [InboxRow(reminder, case, case.id in visible, (today - case.state_since).days) for reminder, case in rows]


def open_count(user: User) -> int:
    """How many reminders wait in the user's inbox (the header badge)."""
    if user.role not in INBOX_ROLES:
        return 0
    return db.session.scalar(inbox_query(user).with_only_columns(func.count()).order_by(None)) or 0


def open_reminders_by_case(case_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Reminder]]:
    """Delivered and snoozed reminders of these cases, for the bereik-overleg."""
    out: dict[uuid.UUID, list[Reminder]] = {cid: [] for cid in case_ids}
    if case_ids:
        rows = db.session.scalars(select(Reminder).where(Reminder.case_id.in_(case_ids),
                                                         Reminder.state.in_(("open", "snoozed")))
                                  .order_by(Reminder.due_at))
        for r in rows:
            out[r.case_id].append(r)
    return out


def digest_counts() -> list[tuple[int, str, int]]:
    """(organisation id, role, number of children) with reminders waiting in that inbox."""
    q = (select(Reminder.organisation_id, Reminder.role, func.count(func.distinct(Reminder.case_id)))
         .where(Reminder.state == "open", Reminder.organisation_id.is_not(None))
         .group_by(Reminder.organisation_id, Reminder.role))
    return [tuple(row) for row in db.session.execute(q)]


def case_anchor(case: Case, rule: ReminderRule) -> dt.date:
    """The day a rule's offsets count from: the state's effective date, or, for an age milestone,
    the first of the month it falls in (known in clear from the birth month; the exact day is
    checked against the encrypted birth date when the reminder is swept)."""
    if rule.at_age_months is None:
        return case.state_since
    return clock.add_months(case.birth_month, rule.at_age_months)


def age_milestone(case: Case, rule: ReminderRule) -> dt.date:
    """The exact day the child reaches the rule's age; decrypts the birth date."""
    return clock.add_months(case.birth_date, rule.at_age_months)


@dataclass
class MeetingItem:
    case: Case
    days: int                       # days in the current state
    reminders: list[Reminder]       # delivered, not done
    notes: list[MeetingNote]


@dataclass
class MeetingOverview:
    municipality: Municipality
    items: list[MeetingItem]


def meeting_states() -> tuple[str, ...]:
    """The children the bereik-overleg discusses: those the monitor counts as not reached or waiting."""
    from ..workflow import current_workflow
    from ..workflow.definition import Status
    return current_workflow().states_counted_as(Status.NOT_REACHED, Status.WAITLISTED)


def meeting_overview(user: User, municipality_code) -> MeetingOverview:
    """The bereik-overleg of one municipality, within the caller's scope: every child not reached
    or waiting, and every other child with a reminder open, longest waiting first."""
    from ..cases.util import scoped_cases
    from ..errors import N_, NotFound, NotPermitted

    if user.role not in INBOX_ROLES:
        raise NotPermitted(N_("Alleen JGZ, VE-aanbieders en CJG nemen deel aan het bereik-overleg."))
    municipality = meeting_municipality(municipality_code)
    if municipality.region_id != user.organisation.region_id:
        raise NotFound(N_("Gemeente niet gevonden in uw regio."))
    with_open = select(Reminder.case_id).where(Reminder.state.in_(("open", "snoozed")))
    q = scoped_cases(user).where(Case.municipality_id == municipality.id,
                                 or_(Case.state.in_(meeting_states()), Case.id.in_(with_open)))
    if user.role == "ve":
        # As in the work lists: a provider discusses the children referred to it now, not those
        # it was left by (it may no longer act on them, nor read what the next provider does).
        q = q.where(Case.location_id.in_(select(Location.id).where(Location.provider_id == user.organisation_id)))
    cases = list(db.session.scalars(q.order_by(Case.state_since, Case.id)))
    ids = [c.id for c in cases]
    reminders = open_reminders_by_case(ids)
    notes: dict[uuid.UUID, list[MeetingNote]] = {cid: [] for cid in ids}
    if ids:
        for n in db.session.scalars(select(MeetingNote).where(MeetingNote.case_id.in_(ids))
                                    .order_by(MeetingNote.created_at)):
            notes[n.case_id].append(n)
    today = clock.today()
    return MeetingOverview(municipality, [MeetingItem(c, (today - c.state_since).days, reminders[c.id], notes[c.id])
                                          for c in cases])


def meeting_municipality(code) -> Municipality:
    """A municipality by CBS code; the shape is checked first, so no odd text reaches the database."""
    from ..errors import N_, ValidationError
    from ..organisations.util import get_municipality

    if not isinstance(code, str) or not re.fullmatch(r"GM[0-9]{4}", code.strip().upper()):
        raise ValidationError(N_("Gemeente is een CBS-code, bijv. GM0375."), "municipality")
    return get_municipality(code.strip())


def meeting_municipalities(user: User) -> list[Municipality]:
    """The municipalities whose bereik-overleg the user may open (the user's region)."""
    if user.role not in INBOX_ROLES:
        return []
    return list(db.session.scalars(select(Municipality).where(Municipality.region_id == user.organisation.region_id)
                                   .order_by(Municipality.name)))


def export_section(case: Case) -> dict:
    """The reminders and bereik-overleg notes about one child, for the parents' export."""
    def iso(v):
        return v.isoformat() if v is not None else None
    reminders = db.session.scalars(select(Reminder).where(Reminder.case_id == case.id).order_by(Reminder.id))
    notes = db.session.scalars(select(MeetingNote).where(MeetingNote.case_id == case.id)
                               .order_by(MeetingNote.created_at))
    return {
        "reminders": [{"rule": r.rule, "label": rule_label(r.rule), "role": r.role, "state": r.state,
                       "due_at": iso(r.due_at), "delivered_at": iso(r.delivered_at), "done_at": iso(r.done_at),
                       "snoozed_until": iso(r.snoozed_until), "snooze_reason": r.snooze_reason} for r in reminders],
        "meeting_notes": [{"created_at": iso(n.created_at), "organisation": n.organisation.name, "text": n.text}
                          for n in notes],
        "meeting_actions": _export_actions(case),
    }


def _export_actions(case: Case) -> list[dict]:
    """The actions agreed about this child in meetings (issue 11.8), for the parents' export."""
    from .models import Meeting, MeetingAction
    rows = db.session.execute(select(MeetingAction, Meeting.held_on).join(Meeting, MeetingAction.meeting_id == Meeting.id)
                              .where(MeetingAction.case_id == case.id).order_by(MeetingAction.created_at))
    return [{"meeting_held_on": held_on.isoformat(), "owner": a.owner.name, "due_on": a.due_on.isoformat(),
             "text": a.text, "done_at": a.done_at.isoformat() if a.done_at else None} for a, held_on in rows]


def escalated_to(organisation):
    """Cases whose reminders escalated to this CJG organisation (a criterion for its scope)."""
    from sqlalchemy import exists
    return exists(select(Reminder.id).where(Reminder.case_id == Case.id, Reminder.role == "cjg",
                                            Reminder.organisation_id == organisation,
                                            Reminder.delivered_at.is_not(None)))


def meeting_notes(case: Case, user: User) -> list[dict]:
    """The notes about this child, from the bereik-overleg and the case page (who, organisation,
    when, where, text), oldest first.

    Whoever may open the case page may read them: they are about the child's referral, and the
    case's scope (find_case) was checked before this runs. A provider the child was referred
    away from reads them, like the history, up to that step (cases.util.left_provider_at). The
    text is decrypted here only.
    """
    from ..cases.util import left_provider_at
    q = (select(MeetingNote, User.name, User.role).join(User, MeetingNote.user_id == User.id)
         .where(MeetingNote.case_id == case.id).order_by(MeetingNote.created_at, MeetingNote.id))
    left = left_provider_at(case, user)
    if left is not None:
        q = q.where(MeetingNote.created_at < left.recorded_at)
    rows = db.session.execute(q).all()
    return [{"kind": "note", "at": note.created_at, "user": name, "role": role,
             "organisation": note.organisation.name, "text": note.text, "meeting": note.context == MEETING}
            for note, name, role in rows]


def condition_holds(rule: ReminderRule, case, events=None) -> bool:
    """Whether a rule's condition (workflow KNOWN_CONDITIONS) holds for ``case`` now; a rule
    without one always applies. ``projected_hours_below``: the child's projected VE hours by age 4
    (cases/dose.py, every recorded step) fall below the threshold. ``events``: the case's history
    when the caller holds it (the bulk import), else case.events."""
    if rule.condition is None:
        return True
    kind, threshold = rule.condition
    if kind == KNOWN_CONDITIONS[0]:   # projected_hours_below
        from ..cases.dose import case_dose
        return case_dose(case, events=events).below(threshold)
    return False


# --- Bereik-overleg as meetings (issue 11.8) ------------------------------------------------------
# The CJG of a municipality opens a meeting and records agreed actions; JGZ, VE and CJG of the
# region read it, each seeing only the actions about children in its own scope. Municipal users
# read nothing here: a meeting names children, and they see aggregates only.

def agreed_action_rule() -> str | None:
    """The reminder kind of agreed actions, from the workflow file (None: the file has none)."""
    from ..workflow import current_workflow
    agreed = current_workflow().agreed_action
    return agreed.name if agreed is not None else None


def role_of_organisation(organisation: Organisation) -> str | None:
    """The role of an organisation's users (the workflow file's roles -> organisation kinds)."""
    from ..workflow import current_workflow
    return next((r for r, kind in current_workflow().role_organisation.items() if kind == organisation.kind), None)


def meeting_participants(region_id: int) -> list[Organisation]:
    """The organisations of a region that may take part in (and own actions of) its meetings."""
    from ..workflow import current_workflow
    wf = current_workflow()
    roles = wf.agreed_action.roles if wf.agreed_action is not None else INBOX_ROLES
    kinds = [wf.role_organisation[r] for r in roles if wf.role_organisation.get(r)]
    return list(db.session.scalars(select(Organisation).where(
        Organisation.region_id == region_id, Organisation.active.is_(True), Organisation.kind.in_(kinds))
        .order_by(Organisation.kind, Organisation.name)))


def serves(organisation_id: int | None, municipality_id: int) -> bool:
    return db.session.scalar(select(func.count()).select_from(organisation_municipalities).where(
        organisation_municipalities.c.organisation_id == organisation_id,
        organisation_municipalities.c.municipality_id == municipality_id)) > 0


def may_hold_meetings(user: User, municipality: Municipality) -> bool:
    """The CJG serving the municipality opens its meetings and records their actions."""
    return user.role == "cjg" and serves(user.organisation_id, municipality.id)


def municipality_meetings(user: User, municipality: Municipality) -> list:
    """The meetings of a municipality in the user's region, latest first."""
    from .models import Meeting
    if user.role not in INBOX_ROLES or municipality.region_id != user.organisation.region_id:
        return []
    return list(db.session.scalars(select(Meeting).where(Meeting.municipality_id == municipality.id)
                                   .order_by(Meeting.held_on.desc(), Meeting.created_at.desc())))


def find_meeting(user: User, meeting_id) -> "Meeting":
    """A meeting of a municipality in the user's region (JGZ, VE, CJG); NotFound otherwise."""
    from ..cases.util import parse_case_id
    from ..errors import N_, NotFound, NotPermitted
    from .models import Meeting
    if user.role not in INBOX_ROLES:
        raise NotPermitted(N_("Alleen JGZ, VE-aanbieders en CJG nemen deel aan het bereik-overleg."))
    mid = parse_case_id(meeting_id) if isinstance(meeting_id, str) else meeting_id
    meeting = db.session.get(Meeting, mid) if isinstance(mid, uuid.UUID) else None
    if meeting is None or db.session.get(Municipality, meeting.municipality_id).region_id != user.organisation.region_id:
        raise NotFound(N_("Overleg niet gevonden."))
    return meeting


def visible_actions(user: User, meeting) -> list[tuple]:
    """(action, case) of the meeting's actions about children in the user's scope, by child."""
    from ..cases.util import scoped_cases
    from .models import MeetingAction
    in_scope = scoped_cases(user).with_only_columns(Case.id).scalar_subquery()
    q = (select(MeetingAction, Case).join(Case, MeetingAction.case_id == Case.id)
         .where(MeetingAction.meeting_id == meeting.id, Case.id.in_(in_scope))
         .order_by(Case.id, MeetingAction.created_at, MeetingAction.id))
    return [tuple(row) for row in db.session.execute(q)]


def action_status(action) -> str:
    """done, cancelled (the case closed before it was done) or open."""
    if action.done_at is not None:
        return "done"
    if action.reminder is not None and action.reminder.state == "cancelled":
        return "cancelled"
    return "open"


def case_actions(case: Case, user: User) -> list[dict]:
    """The actions agreed about this child in meetings, for the case page's timeline (the case's
    scope was checked before this runs; a provider the child left reads them up to that step)."""
    from ..cases.util import left_provider_at
    from .models import Meeting, MeetingAction
    q = (select(MeetingAction, Meeting, User.name, User.role).join(Meeting, MeetingAction.meeting_id == Meeting.id)
         .join(User, MeetingAction.created_by_id == User.id)
         .where(MeetingAction.case_id == case.id).order_by(MeetingAction.created_at, MeetingAction.id))
    left = left_provider_at(case, user)
    if left is not None:
        q = q.where(MeetingAction.created_at < left.recorded_at)
    return [{"kind": "action", "at": action.created_at, "user": name, "role": role,
             "organisation": db.session.get(Organisation, meeting.organisation_id).name,
             "owner": action.owner.name, "text": action.text,
             "due_on": action.due_on, "held_on": meeting.held_on, "meeting_id": meeting.id,
             "municipality_id": meeting.municipality_id, "status": action_status(action)}
            for action, meeting, name, role in db.session.execute(q).all()]
