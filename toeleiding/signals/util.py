"""Read-only: a signaller's own signals, the work list's filter, and what JGZ sees of a signal.

What a signaller reads of its signal is what it typed (the child's name and date of birth, the
note) and one state, assessed or not: never the case's state, steps or indication.
"""
from __future__ import annotations

from sqlalchemy import exists, func, select

from ..cases.models import Case
from ..extensions import db
from ..users.models import User
from ..workflow import current_workflow
from .models import CaseSignal


def may_signal(user: User) -> bool:
    return user.role in current_workflow().registration.signal


def may_assess(user: User) -> bool:
    return user.role in current_workflow().registration.register


def own_signals(user: User, page: int = 1, per_page: int = 50, assessed: bool | None = None):
    """The signals of the user's organisation, newest first, with their cases (for the name
    typed), and how many there are in all. Colleagues of one organisation share their signals,
    as they share a work list."""
    q = select(CaseSignal).where(CaseSignal.organisation_id == user.organisation_id)
    if assessed is not None:
        q = q.where(CaseSignal.assessed_at.is_not(None) if assessed else CaseSignal.assessed_at.is_(None))
    total = db.session.scalar(q.with_only_columns(func.count())) or 0
    rows = list(db.session.execute(
        q.add_columns(Case).join(Case, Case.id == CaseSignal.case_id)
        .order_by(CaseSignal.signalled_at.desc(), CaseSignal.id).limit(per_page).offset((page - 1) * per_page)))
    return [(signal, case) for signal, case in rows], total


def signal_json(signal: CaseSignal, case: Case) -> dict:
    """The signaller's view: what it typed and whether JGZ assessed it (not how)."""
    erased = case.given_name is None   # the retention job erased the child's data
    return {"id": str(signal.id), "signalled_at": signal.signalled_at.isoformat(),
            "organisation": signal.organisation.name, "role": signal.role,
            "child": None if erased else {"given_name": case.given_name, "family_name": case.family_name,
                                          "birth_date": case.birth_date.isoformat()},
            "municipality": case.municipality.code, "note": signal.note,
            "assessed": signal.assessed_at is not None,
            "assessed_at": signal.assessed_at.isoformat() if signal.assessed_at else None}


def unassessed_criterion():
    """The cases of JGZ's signals tab (work list ``only_signalled``): an open signal on them."""
    return exists(select(CaseSignal.id).where(CaseSignal.case_id == Case.id, CaseSignal.assessed_at.is_(None)))


def signals_of_case(case) -> list[CaseSignal]:
    return list(db.session.scalars(select(CaseSignal).where(CaseSignal.case_id == case.id)
                                   .order_by(CaseSignal.signalled_at, CaseSignal.id)))


def case_page(case, user: User) -> list[dict] | None:
    """The case page's signals, for the role that assesses them (JGZ): who signalled, when, the
    note, assessed or not. Others who see the case (a provider it was later referred to) do not."""
    if not may_assess(user):
        return None
    from ..crypto.keyring import KeyringError
    out = []
    for s in signals_of_case(case):
        try:
            note = s.note
        except KeyringError:   # one damaged note must not take the case page down
            note = None
        out.append({"organisation": s.organisation.name, "role": s.role, "at": s.signalled_at, "note": note,
                    "assessed_at": s.assessed_at})
    return out or None


def assessor_json(s: CaseSignal) -> dict:
    """What JGZ reads of a signal: who, when, the note, assessed or not."""
    return {"id": str(s.id), "signalled_at": s.signalled_at.isoformat(), "organisation": s.organisation.name,
            "role": s.role, "note": s.note, "assessed": s.assessed_at is not None,
            "assessed_at": s.assessed_at.isoformat() if s.assessed_at else None}


def export_section(case) -> list[dict]:
    """Every signal about one child, for the parents' export (AVG right of access)."""
    return [assessor_json(s) for s in signals_of_case(case)]
