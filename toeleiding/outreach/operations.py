"""What changes the outreach log: recording a contact attempt. Only flushes; the caller commits."""
from __future__ import annotations

from typing import Any

from .. import clock
from ..audit.operations import audited
from ..cases.checks import require_current_provider
from ..cases.operations import log_access
from ..cases.util import find_case
from ..dates import parse_date
from ..errors import N_, ErrorCollector, NotPermitted, ValidationError
from ..extensions import db
from ..users.models import User
from ..workflow import current_workflow
from .models import ContactAttempt
from .util import OUTREACH_ROLES

OUTCOME_MAX = 2000


@audited("contact_attempt")   # a refusal is a denied row
def record_contact_attempt(user: User, case_id: Any, data: Any) -> ContactAttempt:
    """JGZ, a VE provider (the child's current one) or the CJG records a try to reach the family:
    ``{date, method, interpreter, outcome}``; every field at fault is named at once."""
    case = find_case(user, case_id)   # 404 outside the scope, before anything else is said
    if user.role not in OUTREACH_ROLES:
        raise NotPermitted(N_("Alleen JGZ, VE-aanbieders en CJG leggen contactpogingen vast."))
    require_current_provider(case, user)   # a provider the child left sees it, but has no say any more
    rules = current_workflow().contact_attempts
    if rules is None:
        raise NotPermitted(N_("Deze workflow legt geen contactpogingen vast."))
    if case.given_name is None:
        raise NotPermitted(N_("De gegevens van dit kind zijn verwijderd."))
    if not isinstance(data, dict):
        raise ValidationError(N_("Verwacht een object met de velden van de contactpoging."), "data")
    errors = ErrorCollector()
    day = method = outcome = None
    interpreter = False
    with errors.check():
        raw = data.get("date")
        if raw in (None, ""):
            raise ValidationError(N_("Datum is verplicht."), "date")
        day = parse_date(raw, "date")
        if day > clock.today():
            raise ValidationError(N_("De datum mag niet in de toekomst liggen."), "date")
        if case.birth_date is not None and day < case.birth_date:
            raise ValidationError(N_("De datum ligt voor de geboortedatum van het kind."), "date")
    with errors.check():
        method = data.get("method")
        if method in (None, ""):
            raise ValidationError(N_("Manier van contact is verplicht."), "method")
        if not isinstance(method, str) or method not in current_workflow().choice_lists[rules.methods]:
            raise ValidationError(N_("Onbekende manier van contact."), "method")
    with errors.check():
        raw = data.get("interpreter", False)
        if raw in (None, ""):
            raw = False
        if not isinstance(raw, bool):
            raise ValidationError(N_("Tolk ingezet is waar of onwaar."), "interpreter")
        interpreter = raw
    with errors.check():
        raw = data.get("outcome")
        if raw is not None and not isinstance(raw, str):
            raise ValidationError(N_("Uitkomst is tekst."), "outcome")
        if raw is not None and len(raw) > OUTCOME_MAX:
            raise ValidationError(N_("Uitkomst is te lang (hoogstens %(max)s tekens)."), "outcome",
                                  params={"max": OUTCOME_MAX})
        outcome = raw.strip() if raw and raw.strip() else None
    errors.raise_if_any()
    row = ContactAttempt(case_id=case.id, attempt_date=day, method=method, interpreter=interpreter,
                         recorded_at=clock.now(), user_id=user.id, role=user.role,
                         organisation_id=user.organisation_id)
    row.outcome = outcome
    db.session.add(row)
    log_access(user, "contact_attempt", [case.id])
    db.session.flush()
    return row
