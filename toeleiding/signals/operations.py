"""What changes signals: a partner signals a child, and JGZ's next step assesses it. Only
flushes; the caller commits."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from .. import clock
from ..audit.operations import audited, log_access
from ..cases.models import CaseEvent
from ..cases.operations import register_child
from ..errors import N_, DuplicateCase, ErrorCollector, NotPermitted, ValidationError
from ..extensions import db
from ..users.models import User
from ..workflow import current_workflow
from .models import CaseSignal

NOTE_MAX = 2000


@audited("signal", case_arg=None)   # a refusal is a denied row
def signal_case(user: User, municipality_code: Any, child: Any, parents: Any = None, note: Any = None) -> CaseSignal:
    """A VE provider or the CJG (the workflow's registration.signal) signals a child to JGZ: the
    registration form and a note. The child is registered in the initial state, as JGZ would."""
    if user.role not in current_workflow().registration.signal:
        raise NotPermitted(N_("Uw rol kan geen kinderen signaleren."))
    text: list[str | None] = [None]

    def check_note(errors: ErrorCollector) -> None:
        with errors.check():
            if note is not None and not isinstance(note, str):
                raise ValidationError(N_("Toelichting is tekst."), "note")
            if note is None or not note.strip():
                raise ValidationError(N_("Toelichting is verplicht."), "note")
            if len(note) > NOTE_MAX:
                raise ValidationError(N_("Toelichting is te lang (hoogstens %(max)s tekens)."), "note",
                                      params={"max": NOTE_MAX})
            text[0] = note.strip()

    try:
        case = register_child(user, municipality_code, child, parents, more_checks=check_note)
    except DuplicateCase as exc:
        # One message whether the open case is in the region or elsewhere: the signaller learns
        # no more than that the child is known, and whom to ask.
        raise DuplicateCase(N_("Voor dit kind is al een open dossier; neem contact op met de JGZ."), "child.bsn",
                            **({"case_id": exc.extra["case_id"]} if exc.extra.get("case_id") else {})) from None
    row = CaseSignal(case_id=case.id, organisation_id=user.organisation_id, user_id=user.id, role=user.role,
                     signalled_at=clock.now())
    row.note = text[0]
    db.session.add(row)
    log_access(user, "signal", [case.id])
    db.session.flush()
    return row


def assess_in_memory(case, seq: int, rows: dict, batch: dict) -> None:
    """assess_on_step's twin for the bulk import: a case the import creates has no signals, so
    there is nothing to assess (and the import keeps its set-based path)."""


def assess_on_step(case, seq: int) -> None:
    """The step hook: a step of a registering role (JGZ) after the signal assesses every open
    signal of the case, whatever the step (indicate, reject, close: the workflow decides)."""
    if seq <= 1:
        return   # the registration itself, which the signal follows
    open_signals = list(db.session.scalars(select(CaseSignal).where(CaseSignal.case_id == case.id,
                                                                    CaseSignal.assessed_at.is_(None))))
    if not open_signals:
        return
    event = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.seq == seq))
    if event is None or event.role not in current_workflow().registration.register:
        return
    for row in open_signals:
        row.assessed_at = event.recorded_at
        row.assessed_by_user_id = event.user_id
    db.session.flush()
