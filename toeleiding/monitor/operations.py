"""What changes the monitor's own data: publishing a region's monitor, recoding 'other' reasons."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import and_, false, or_, select

from .. import clock
from ..cases.models import Case, CaseEvent
from ..cases.operations import log_access
from ..cases.util import scoped_cases
from ..errors import N_, Conflict, NotFound, NotPermitted, ValidationError
from ..extensions import db
from ..organisations.models import Municipality, Region
from ..users.models import User
from ..workflow import current_workflow
from .models import MonitorPublication, MonitorSnapshotCell, RecodeCategory, Recoding
from .access import parse_peildatum, region_for
from .util import CLOSED_REASON, FIGURE_COLUMNS, compute_monitor

CATEGORY_CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def publish_monitor(user: User, region_slug: Any, peildatum: Any) -> MonitorPublication:
    """Freeze the region's monitor at ``peildatum`` (admin only); one publication per reference date."""
    if user.role != "admin":
        raise NotPermitted(N_("Alleen de beheerder publiceert de monitor."))
    region, day = region_for(user, region_slug), parse_peildatum(peildatum)
    if db.session.scalar(select(MonitorPublication.id).where(MonitorPublication.region_id == region.id,
                                                             MonitorPublication.peildatum == day)):
        raise Conflict(N_("De monitor van %(region)s op %(date)s is al gepubliceerd."), "peildatum",
                       params={"region": region.name, "date": day})
    from flask import current_app
    data = compute_monitor(region, day)
    pub = MonitorPublication(region=region, peildatum=day, published_at=clock.now(), published_by_id=user.id,
                             threshold=current_app.config["SUPPRESSION_THRESHOLD"])
    for row, cells in data.counts.items():
        for column, value in cells.items():
            pub.cells.append(MonitorSnapshotCell(part="monitor", row=row, column=column, value=value))
    for row, figures in data.figures.items():
        for column in FIGURE_COLUMNS:
            pub.cells.append(MonitorSnapshotCell(part="figures", row=row, column=column, value=figures[column]))
        for column in ("cbs_suppressed", "entered"):
            pub.cells.append(MonitorSnapshotCell(part="figures", row=row, column=column, value=int(figures[column])))
    for kind, pct in data.targets.items():   # the targets in force at P, as drawn and reported then
        pub.cells.append(MonitorSnapshotCell(part="targets", row="total", column=kind, value=pct))
    for row, cols in data.flows.items():
        for column, value in cols.items():
            pub.cells.append(MonitorSnapshotCell(part="flows", row=row, column=column, value=value))
    for row, cells in data.capacity.items():   # capacity (issue 12.4); places as entered at publication
        for column, value in cells.items():
            pub.cells.append(MonitorSnapshotCell(part="capacity", row=row, column=column, value=value))
    db.session.add(pub)
    db.session.flush()
    return pub


def _may_recode(user: User) -> None:
    if user.role not in ("cjg", "admin"):
        raise NotPermitted(N_("Alleen het CJG en de beheerder hercoderen 'anders'."))


def create_category(user: User, region_slug: Any, code: Any, label: Any) -> RecodeCategory:
    """A new non-reach category of the region, for recoding 'other' (CJG or admin)."""
    _may_recode(user)
    region = region_for(user, region_slug)
    if not isinstance(code, str) or not CATEGORY_CODE_RE.match(code):
        raise ValidationError(N_("Code: kleine letters, cijfers en _, 2 tot 40 tekens."), "code")
    if code in current_workflow().reasons or code == CLOSED_REASON:
        raise ValidationError(N_("Deze code is al een reden van de werkwijze."), "code")
    if not isinstance(label, str) or not label.strip() or len(label.strip()) > 120:
        raise ValidationError(N_("Omschrijving is verplicht (hoogstens 120 tekens)."), "label")
    if db.session.scalar(select(RecodeCategory.id).where(RecodeCategory.region_id == region.id,
                                                         RecodeCategory.code == code)):
        raise ValidationError(N_("Deze categorie bestaat al."), "code")
    cat = RecodeCategory(region=region, code=code, label=label.strip())
    db.session.add(cat)
    db.session.flush()
    return cat


def _explained_report():
    """History rows reporting a non-reach reason that needs an explanation ("anders")."""
    wf = current_workflow()
    return or_(false(), *(and_(CaseEvent.trigger == trigger, CaseEvent.data[field].as_string().in_(wf.explained_reasons()))
                          for trigger, field in wf.reason_fields().items()))


def other_reports_query(user: User, region: Region):
    """The region's 'other' non-reach reports the user may recode: a CJG its own scope, an admin all."""
    q = (select(CaseEvent).join(Case, Case.id == CaseEvent.case_id)
         .join(Municipality, Municipality.id == CaseEvent.municipality_id)
         .where(_explained_report(), Municipality.region_id == region.id)
         .order_by(CaseEvent.effective_date, CaseEvent.id))
    if user.role == "cjg":
        q = q.where(Case.id.in_(scoped_cases(user).with_only_columns(Case.id)))
    return q


def recode_other(user: User, event_id: Any, reason: Any = None, category: Any = None) -> Recoding:
    """Recode one 'other' report into a workflow reason or a category of the region (replaces an earlier recoding)."""
    _may_recode(user)
    if isinstance(event_id, bool) or not isinstance(event_id, int):
        raise ValidationError(N_("Kies een melding 'anders'."), "event_id")
    region_id = user.organisation.region_id
    region = db.session.get(Region, region_id)
    event = db.session.scalar(other_reports_query(user, region).where(CaseEvent.id == event_id))
    if event is None:
        raise NotFound(N_("Melding niet gevonden."))
    if (reason is None) == (category is None):
        raise ValidationError(N_("Kies een reden of een categorie (één van beide)."), "reason")
    cat = None
    if reason is not None:
        wf = current_workflow()
        if reason not in wf.reasons or reason in wf.explained_reasons():
            raise ValidationError(N_("Onbekende reden."), "reason")
    else:
        cat = db.session.scalar(select(RecodeCategory).where(RecodeCategory.region_id == region_id,
                                                             RecodeCategory.code == category))
        if cat is None:
            raise ValidationError(N_("Onbekende categorie van de regio."), "category")
    row = db.session.scalar(select(Recoding).where(Recoding.case_event_id == event.id))
    if row is None:
        row = Recoding(case_event_id=event.id)
        db.session.add(row)
    row.reason, row.category, row.category_id = reason, cat, cat.id if cat else None
    row.recoded_at, row.recoded_by_id = clock.now(), user.id
    log_access(user, "recode_other", [event.case_id])
    db.session.flush()
    return row


def undo_recoding(user: User, event_id: Any) -> None:
    """Put a recoded report back under 'other'."""
    _may_recode(user)
    region = db.session.get(Region, user.organisation.region_id)
    event = db.session.scalar(other_reports_query(user, region).where(CaseEvent.id == event_id)) \
        if isinstance(event_id, int) and not isinstance(event_id, bool) else None
    row = db.session.scalar(select(Recoding).where(Recoding.case_event_id == event.id)) if event else None
    if row is None:
        raise NotFound(N_("Geen hercodering gevonden."))
    db.session.delete(row)
    log_access(user, "recode_other_undo", [event.case_id])
    db.session.flush()



def recodings_for(event_ids: list[int]) -> dict[int, dict]:
    """The recoding of each event that has one: ``{"reason": ...}`` or ``{"category": ...}``."""
    if not event_ids:
        return {}
    rows = db.session.scalars(select(Recoding).where(Recoding.case_event_id.in_(event_ids)))
    return {r.case_event_id: ({"reason": r.reason} if r.reason else {"category": r.category.code}) for r in rows}
