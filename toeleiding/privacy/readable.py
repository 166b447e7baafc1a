"""The parents' export as a parent reads it: labels instead of codes, names instead of ids, the
pages' date format, Dutch local time and a sentence per event.

Built from the export itself (operations.export_case), so the readable version holds what the JSON
holds: nothing left out, only said in words. The JSON download stays for whoever wants the data.
"""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import select

from ..cases.fieldtypes import TYPES, Shown
from ..cases.models import Case
from ..dates import format_day, format_moment
from ..extensions import db
from ..organisations.models import Location, Municipality, Organisation
from ..workflow import current_workflow
from ..workflow.definition import MOVE_EVENT, REGISTER_EVENT, RENAME_EVENT
from ..workflow.labels import field_label, outcome_label, reason_label, role_label, state_label, trigger_label

# What an access-log action means, as a parent reads it (the log keeps the code).
_ACTIONS = {
    "read": _l("heeft het dossier bekeken"),
    "list": _l("zag het kind in een werklijst"),
    "search": _l("vond het kind bij het zoeken"),
    "create": _l("heeft het kind aangemeld"),
    "export": _l("heeft dit inzageoverzicht gemaakt"),
    "move": _l("heeft een verhuizing vastgelegd"),
    "meeting_note": _l("heeft een afspraak uit het bereik-overleg vastgelegd"),
    "bereik-overleg": _l("zag het kind in het bereik-overleg"),
    "break_glass": _l("nam noodtoegang tot het dossier"),
    "erase": _l("wiste de persoonsgegevens na de bewaartermijn"),
    "audit_read": _l("bekeek het toegangslog van het dossier"),
    "audit_export": _l("downloadde het toegangslog van het dossier"),
    "break_glass_export": _l("downloadde de noodtoegang tot het dossier"),
    "break_glass_review": _l("bekeek de noodtoegang tot het dossier"),
    "read_other_reasons": _l("las de toelichting bij 'Anders'"),
    "recode_other": _l("deelde de toelichting bij 'Anders' in"),
    "recode_other_undo": _l("maakte het indelen van de toelichting ongedaan"),
    "reminder:done": _l("handelde een herinnering af"),
    "reminder:snooze": _l("stelde een herinnering uit"),
    "workflow_rename": _l("paste de naam van een stap aan"),
}
_REMINDER_STATES = {"pending": _l("wacht"), "open": _l("open"), "snoozed": _l("uitgesteld"), "done": _l("afgehandeld"),
                    "cancelled": _l("vervallen")}


def _parse_moment(raw: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(raw) if raw else None


def _names(model, ids) -> dict:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)))}


def readable_export(data: dict) -> dict:
    """The export ``data`` in words (see the module's docstring); the page and its download show it."""
    case = db.session.get(Case, uuid.UUID(data["id"]))
    wf = current_workflow()
    municipalities = {m.code: m.name for m in db.session.scalars(select(Municipality))}

    def field_of(trigger, key):
        t = wf.transitions.get(trigger)
        return t.fields.get(key) if t else None

    def ids(kind):
        return {v for h in data["history"] for k, v in h["data"].items()
                if (f := field_of(h["trigger"], k)) is not None and f.type == kind and v}
    locations = _names(Location, ids("location") | {data.get("location_id")})
    schools = _names(Organisation, ids("school") | {data.get("school_id")})
    shown = Shown(case, locations=locations, schools={k: o.name for k, o in schools.items()})

    child = data.get("child") or {}
    status = state_label(data["state"])
    since = format_day(data.get("state_since"))
    place = []
    if data.get("location_id") in locations:
        place.append((_("VE-locatie"), TYPES["location"].show(None, data["location_id"], shown)["value"]))
    if data.get("school_id") in schools:
        place.append((_("School"), schools[data["school_id"]].name))
    if data.get("not_reached_reason"):
        place.append((_("Reden niet bereikt"), reason_label(data["not_reached_reason"])))
    if data.get("outcome"):
        place.append((_("Uitkomst"), outcome_label(data["outcome"])))

    events = []
    for h in data["history"]:
        day = format_day(h["effective_date"])
        who = _("%(user)s (%(role)s, %(organisation)s)", user=h["user"], role=role_label(h["role"]) if h["role"] else "–",
                organisation=h["organisation"])
        if h["trigger"] == REGISTER_EVENT:
            sentence = _("Op %(day)s heeft %(who)s het kind aangemeld.", day=day, who=who)
        elif h["trigger"] == MOVE_EVENT:
            sentence = _("Op %(day)s is het kind verhuisd van %(from)s naar %(to)s; vastgelegd door %(who)s.",
                         day=day, who=who, **{"from": municipalities.get(h["data"].get("from"), h["data"].get("from")),
                                              "to": municipalities.get(h["data"].get("to"), h["data"].get("to"))})
        elif h["trigger"] == RENAME_EVENT:
            sentence = _("Op %(day)s heeft %(who)s de naam van een stap aangepast.", day=day, who=who)
        else:
            sentence = _("Op %(day)s heeft %(who)s de stap ‘%(step)s’ gezet. De status werd ‘%(state)s’.",
                         day=day, who=who, step=trigger_label(h["trigger"]), state=state_label(h["to"]))
        details = []
        if h["trigger"] != MOVE_EVENT:
            shown.on = dt.date.fromisoformat(h["effective_date"]) if h["effective_date"] else None
            for key, value in h["data"].items():
                f = field_of(h["trigger"], key)
                text = TYPES[f.type].show(f, _native(f.type, value), shown) if f is not None else {"value": str(value)}
                details.append((field_label(key), format_day(text["date"]) if "date" in text else text["value"]))
        events.append({"sentence": sentence, "details": details,
                       "recorded": format_moment(_parse_moment(h["recorded_at"]))})

    organisations = _names(Organisation, {e.get("organisation_id") for e in data["access_log"]})
    access = []
    for e in data["access_log"]:
        action = e["action"]
        if action.startswith("transition:"):
            what = _("zette de stap ‘%(step)s’", step=trigger_label(action.removeprefix("transition:")))
        else:
            what = str(_ACTIONS[action]) if action in _ACTIONS else _("deed iets met het dossier (%(code)s)", code=action)
        org = organisations.get(e.get("organisation_id"))
        who = (role_label(e["role"]) if e.get("role") else _("Het systeem"))
        if org is not None:
            who = _("%(role)s van %(organisation)s", role=who, organisation=org.name)
        sentence = _("%(who)s %(what)s.", who=who, what=what)
        if e.get("emergency"):
            sentence += " " + _("Dit was noodtoegang.")
        if e.get("result") != "allowed":
            sentence += " " + _("Dit werd geweigerd.")
        access.append({"at": format_moment(_parse_moment(e["at"])), "sentence": sentence})

    reminders = data.get("reminders") or {}
    return {
        "exported_at": format_moment(_parse_moment(data["exported_at"])),
        "child": [(_("Naam"), " ".join(p for p in (child.get("given_name"), child.get("family_name")) if p) or "–"),
                  *([(_("BSN"), child["bsn"] or "–")] if "bsn" in child else []),
                  (_("Geboortedatum"), format_day(child.get("birth_date")) or "–"),
                  (_("Adres"), " ".join(str(p) for p in (child.get("postcode"), child.get("house_number")) if p) or "–"),
                  (_("Woongemeente"), municipalities.get(data["municipality"], data["municipality"])),
                  (_("Status"), _("%(state)s, sinds %(day)s", state=status, day=since) if since else status),
                  *place],
        "parents": [", ".join(p for p in (parent.get("name"), parent.get("phone"), parent.get("email")) if p)
                    for parent in data.get("parents") or []],
        "events": events,
        "reminders": [_reminder(r) for r in reminders.get("reminders", [])],
        "notes": [{"at": format_moment(_parse_moment(n["created_at"])), "organisation": n["organisation"],
                   "text": n["text"]} for n in reminders.get("meeting_notes", [])]
        # The actions agreed in meetings (issue 11.8): owner and due day with the text.
        + [{"at": format_day(a["meeting_held_on"]), "organisation": a["owner"],
            "text": _("%(text)s (uiterlijk %(d)s)", text=a["text"], d=format_day(a["due_on"]))}
           for a in reminders.get("meeting_actions", [])],
        "has_reminders": "reminders" in data,
        "access": access,
    }


def _native(kind: str, value: Any) -> Any:
    """A history value as its field type shows it (the export's JSON keeps dates as ISO text)."""
    if kind == "date" and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _reminder(r: dict) -> str:
    state = str(_REMINDER_STATES[r["state"]]) if r.get("state") in _REMINDER_STATES else r.get("state", "")
    parts = [r.get("label") or r.get("rule", ""), state]
    if r.get("due_at"):
        parts.append(_("gepland op %(day)s", day=format_day(_parse_moment(r["due_at"]))))
    if r.get("done_at"):
        parts.append(_("afgehandeld op %(day)s", day=format_day(_parse_moment(r["done_at"]))))
    if r.get("snoozed_until"):
        parts.append(_("uitgesteld tot %(day)s", day=format_day(_parse_moment(r["snoozed_until"]))))
    text = ", ".join(p for p in parts if p)
    return f"{text}: {r['snooze_reason']}" if r.get("snooze_reason") else text
