"""Read-only: a case's contact attempts, as its timeline and page show them, and the workflow check
that counts them."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from ..errors import N_, ValidationError
from ..extensions import db
from ..users.models import User
from ..workflow import current_workflow
from ..workflow.labels import label
from .models import ContactAttempt

OUTREACH_ROLES = ("jgz", "ve", "cjg")
CHECK = "minimum_contact_attempts"


def methods() -> dict[str, str]:
    """The contact methods' codes and labels in the reader's language (the workflow file's list)."""
    rules = current_workflow().contact_attempts
    if rules is None:
        return {}
    codes = current_workflow().choice_lists[rules.methods]
    return {code: label(f"choice:{rules.methods}", code) for code in codes}


def attempts_of(case, user: User) -> list[ContactAttempt]:
    """The case's attempts, oldest first. Whoever may open the case reads them (the scope was
    checked by ``find_case``); a provider the child was referred away from reads those recorded
    before that step, like the history (cases.util.left_provider_at)."""
    from ..cases.util import left_provider_at
    q = (select(ContactAttempt).where(ContactAttempt.case_id == case.id)
         .order_by(ContactAttempt.attempt_date, ContactAttempt.recorded_at, ContactAttempt.id))
    left = left_provider_at(case, user)
    if left is not None:
        q = q.where(ContactAttempt.recorded_at < left.recorded_at)
    return list(db.session.scalars(q))


def attempt_json(a: ContactAttempt) -> dict:
    return {"id": str(a.id), "case_id": str(a.case_id), "date": a.attempt_date.isoformat(), "method": a.method,
            "method_label": methods().get(a.method, a.method), "interpreter": a.interpreter,
            "outcome": a.outcome, "organisation": a.organisation.name, "role": a.role,
            "recorded_at": a.recorded_at.isoformat()}


def timeline_entries(case, user: User) -> list[dict]:
    """The attempts in the case page's timeline, each at the moment it was recorded."""
    names = dict(db.session.execute(select(User.id, User.name).where(
        User.id.in_(select(ContactAttempt.user_id).where(ContactAttempt.case_id == case.id)))).all())
    shown = methods()
    return [{"kind": "contact_attempt", "at": a.recorded_at, "date": a.attempt_date,
             "method": shown.get(a.method, a.method), "interpreter": a.interpreter, "outcome": a.outcome,
             "user": names.get(a.user_id, ""), "role": a.role, "organisation": a.organisation.name}
            for a in attempts_of(case, user)]


def case_page(case, user: User) -> dict | None:
    """What the case page needs for its form: None when the user may not record attempts."""
    from ..cases.checks import is_current_provider
    if user.role not in OUTREACH_ROLES or current_workflow().contact_attempts is None:
        return None
    if not is_current_provider(case, user) or case.given_name is None:
        return None
    return {"methods": methods(), "count": count_until(case.id, None)}


def count_until(case_id, day: dt.date | None) -> int:
    q = select(func.count()).select_from(ContactAttempt).where(ContactAttempt.case_id == case_id)
    if day is not None:
        q = q.where(ContactAttempt.attempt_date <= day)
    return db.session.scalar(q) or 0


def minimum_contact_attempts(case, user, values: dict) -> None:
    """The workflow check: a step whose ``when`` field has one of the listed codes (e.g. not
    reached because there was no contact) needs the minimum of attempts dated up to its date."""
    wf = current_workflow()
    rules = wf.contact_attempts
    if rules is None or rules.when_field is None or values.get(rules.when_field) not in rules.when_codes:
        return
    day = None
    for t in wf.transitions.values():
        if CHECK in t.checks and t.effective_date and isinstance(values.get(t.effective_date), dt.date) \
                and rules.when_field in t.fields:
            day = values[t.effective_date]
            break
    found = count_until(case.id, day)
    if found < rules.minimum:
        t = next(t for t in wf.transitions.values() if CHECK in t.checks and rules.when_field in t.fields)
        kind = wf.choice_kind(t.fields[rules.when_field])
        raise ValidationError(
            N_("Voor de reden '%(reason)s' zijn eerst minstens %(minimum)s contactpogingen nodig "
               "(vastgelegd: %(found)s). Leg de pogingen vast onder 'Contactpogingen'."), rules.when_field,
            params={"reason": label(kind, values[rules.when_field]), "minimum": rules.minimum, "found": found})


def export_section(case) -> list[dict]:
    """Every contact attempt about one child, for the parents' export (AVG right of access)."""
    rows = db.session.scalars(select(ContactAttempt).where(ContactAttempt.case_id == case.id)
                              .order_by(ContactAttempt.attempt_date, ContactAttempt.recorded_at))
    return [attempt_json(a) for a in rows]
