"""Pages: the inbox (done, snooze) and the bereik-overleg per municipality. Thin: services do the work."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user

from ..cases.models import Case
from ..cases.operations import log_access
from ..cases.util import parse_case_id
from .. import clock
from ..dates import format_day
from ..errors import AppError, NotFound
from ..extensions import db
from ..web.auth import roles_required
from ..web.errors import refused
from .models import Reminder
from .operations import add_case_note, add_meeting_note, complete_reminder, snooze_reminder
from .util import INBOX_ROLES, inbox_query, inbox_rows, local_day, meeting_municipalities, meeting_overview, rule_label

bp = Blueprint("reminders", __name__, url_prefix="/reminders")
TABS = {"open": _l("Open"), "snoozed": _l("Uitgesteld"), "done": _l("Afgehandeld")}
@bp.after_request
def _no_store(response):
    # These pages list children; they must not linger in a shared browser's cache.
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.app_template_global()
def reminder_rule_label(name: str) -> str:
    """The rule's label in the page's language, from the workflow file."""
    return rule_label(name)


@bp.get("/")
@roles_required(*INBOX_ROLES)
def inbox():
    state = request.args.get("status", "open")
    if state not in TABS:
        state = "open"
    rows = inbox_rows(current_user, state)
    items = _inbox_items(rows)
    named = [row.case.id for row in rows if row.visible]
    if named:   # the children named on the page, as the work list logs its rows
        log_access(current_user, "list", list(dict.fromkeys(named)))
    counts = {tab: db.session.scalar(inbox_query(current_user, tab).with_only_columns(db.func.count()).order_by(None))
              for tab in TABS}
    return render_template("reminders/inbox.html", items=items, state=state, tabs=TABS, counts=counts)


def _inbox_items(rows) -> list[dict]:
    """Each row's text: the child's name (decrypted for this page only), how long the case has
    waited in its state, and the reminder; formatted here once, as the work list does."""
    from flask_babel import get_translations
    from ..crypto.keyring import KeyringError
    from ..web.i18n import nldate
    tr = get_translations()
    erased, unreadable = _("(gegevens verwijderd)"), _("(niet te ontsleutelen: meld het de beheerder)")
    hidden = _("(niet meer in uw dossiers)")
    items = []
    for row in rows:
        c = row.case
        if not row.visible:
            name = hidden
        else:
            try:
                # The retention job erases the personal data of long-closed cases.
                name = f"{c.given_name} {c.family_name}" if c.given_name is not None else erased
            except KeyringError:   # one damaged record must not take the inbox down
                name = unreadable
        items.append({"reminder": row.reminder, "case_id": c.id, "name": name, "visible": row.visible,
                      "days": tr.ngettext("%(num)s dag", "%(num)s dagen", row.days_waited) % {"num": row.days_waited},
                      "since": nldate(c.state_since), "due": nldate(local_day(row.reminder.due_at))})
    return items


def _back():
    return redirect(url_for("reminders.inbox", status=request.form.get("status") or None))


@bp.post("/<id:reminder_id>/afgehandeld")
@roles_required(*INBOX_ROLES)
def done(reminder_id):
    try:
        complete_reminder(current_user, reminder_id)
        flash(_("Herinnering afgehandeld."), "success")
    except AppError as exc:
        refused(exc)
        flash(exc.message, "error")
    return _back()


@bp.post("/<id:reminder_id>/uitstellen")
@roles_required(*INBOX_ROLES)
def snooze(reminder_id):
    try:
        r = snooze_reminder(current_user, reminder_id, request.form.get("until", ""), request.form.get("reason", ""))
        until = r.snoozed_until
        flash(_("Herinnering uitgesteld tot %(d)s.", d=format_day(until)), "success")
    except AppError as exc:
        refused(exc)
        flash(exc.message, "error")
    return _back()


@bp.get("/overleg")
@roles_required(*INBOX_ROLES)
def meetings():
    return render_template("reminders/meetings.html", municipalities=meeting_municipalities(current_user))


@bp.get("/overleg/<code>")
@roles_required(*INBOX_ROLES)
def meeting(code):
    try:
        overview = meeting_overview(current_user, code)
    except (NotFound, AppError) as exc:
        refused(exc)
        return render_template("reminders/meetings.html", municipalities=meeting_municipalities(current_user),
                               unknown=code[:10]), 404
    log_access(current_user, "bereik-overleg", [item.case.id for item in overview.items])
    return render_template("reminders/meeting.html", overview=overview, **_meetings_panel(overview.municipality))


@bp.post("/overleg/<code>/notities")
@roles_required(*INBOX_ROLES)
def add_note(code):
    case_id = request.form.get("case_id", "")
    try:
        add_meeting_note(current_user, code, case_id, request.form.get("text", ""))
        flash(_("Afspraak vastgelegd."), "success")
    except AppError as exc:
        refused(exc)
        flash(exc.message, "error")
    # Back to the child's row: the anchor is the parsed id, since posted text with a line break
    # would make the Location header invalid (a 500).
    anchor = parse_case_id(case_id.strip())
    return redirect(url_for("reminders.meeting", code=code) + (f"#kind-{anchor}" if anchor else ""))


@bp.post("/dossiers/<case_id>/notities", endpoint="case_note")
@roles_required(*INBOX_ROLES)
def case_note(case_id):
    """A note from the case page; it shows in the case's timeline."""
    try:
        add_case_note(current_user, case_id, request.form.get("text", ""))
        flash(_("Notitie opgeslagen."), "success")
    except NotFound:
        raise
    except AppError as exc:
        refused(exc)
        flash(exc.message, "error")
    anchor = parse_case_id(case_id)
    return redirect(url_for("cases.show", case_id=anchor) + ("#history-title" if anchor else ""))


def child_name(case: Case) -> str:
    return f"{case.given_name} {case.family_name}"


def reminder_day(moment) -> str:
    """A reminder's moment as the Dutch calendar day it falls on."""
    return format_day(local_day(moment))


bp.add_app_template_filter(child_name, "child_name")
bp.add_app_template_filter(reminder_day, "reminder_day")


# --- Bereik-overleg as meetings (issue 11.8) ------------------------------------------------------

def _meetings_panel(municipality) -> dict:
    """The overleg page's list of the municipality's meetings and, for its CJG, the form to open one."""
    from .util import may_hold_meetings, meeting_participants, municipality_meetings
    holder = may_hold_meetings(current_user, municipality)
    return {"past_meetings": municipality_meetings(current_user, municipality), "may_hold": holder,
            "participants": meeting_participants(municipality.region_id) if holder else [],
            "today_iso": clock.today().isoformat()}


@bp.post("/overleg/<code>/vergaderingen")
@roles_required(*INBOX_ROLES)
def open_meeting(code):
    from .operations import open_meeting as open_
    m = _attempt(lambda: open_(current_user, code, request.form.get("held_on", ""), request.form.getlist("organisation_ids")),
                 _("Overleg vastgelegd."))
    if m is not None:
        return redirect(url_for("reminders.meeting_record", meeting_id=m.id))
    return redirect(url_for("reminders.meeting", code=code[:10]) + "#overleggen")


def _attempt(step, done: str):
    """``step()``'s result with ``done`` flashed; or None with the refusal flashed (and logged).
    A 404 is not a refusal to show on the page: it stays a 404."""
    try:
        result = step()
    except NotFound:
        raise
    except AppError as exc:
        refused(exc)
        flash(exc.message, "error")
        return None
    flash(done, "success")
    return result


@bp.get("/vergaderingen/<meeting_id>")
@roles_required(*INBOX_ROLES)
def meeting_record(meeting_id):
    """One meeting: who took part and the actions agreed per child (printable)."""
    from ..organisations.models import Municipality
    from .util import action_status, find_meeting, may_hold_meetings, meeting_overview, visible_actions
    meeting = find_meeting(current_user, meeting_id)
    municipality = db.session.get(Municipality, meeting.municipality_id)
    rows = visible_actions(current_user, meeting)
    children: dict = {}
    for action, case in rows:
        children.setdefault(case.id, {"case": case, "actions": []})["actions"].append(
            {"action": action, "status": action_status(action),
             "may_complete": action.owner_id == current_user.organisation_id
             or meeting.organisation_id == current_user.organisation_id})
    holder = may_hold_meetings(current_user, municipality)
    candidates = [item.case for item in meeting_overview(current_user, municipality.code).items] if holder else []
    named = list(dict.fromkeys([*children, *(c.id for c in candidates)]))
    if named:
        log_access(current_user, "bereik-overleg", named)
    return render_template("reminders/meeting_record.html", meeting=meeting, municipality=municipality,
                           children=list(children.values()), may_hold=holder, candidates=candidates)


@bp.post("/vergaderingen/<meeting_id>/afspraken")
@roles_required(*INBOX_ROLES)
def add_action(meeting_id):
    from .operations import add_action as add
    from .util import find_meeting
    meeting = find_meeting(current_user, meeting_id)   # 404 for a meeting out of reach
    f = request.form
    _attempt(lambda: add(current_user, meeting.id, f.get("case_id", ""), f.get("owner_id", ""), f.get("due_on", ""),
                         f.get("text", "")), _("Afspraak vastgelegd."))
    return redirect(url_for("reminders.meeting_record", meeting_id=meeting_id) + "#afspraak-toevoegen")


@bp.post("/afspraken/<action_id>/gedaan")
@roles_required(*INBOX_ROLES)
def action_done(action_id):
    from .operations import complete_action
    action = _attempt(lambda: complete_action(current_user, action_id), _("Afspraak afgehandeld."))
    if action is not None:
        return redirect(url_for("reminders.meeting_record", meeting_id=action.meeting_id))
    return redirect(url_for("reminders.meetings"))
