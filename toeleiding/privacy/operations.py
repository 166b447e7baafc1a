"""Break the glass, export everything held on a child, erase what is past its retention."""
from __future__ import annotations

import datetime as dt
from typing import Any, Callable

from flask import current_app
from sqlalchemy import delete, select, update

from .. import clock
from ..audit.models import AccessLogEntry, BreakGlassGrant
from ..audit.operations import audited, log_access, log_log_read
from ..audit.util import entry_json
from .util import find_subject, grants_in_region
from ..cases.models import Case, CaseNameToken
from ..cases.util import find_case
from ..crypto.fields import REGISTRY
from ..errors import N_, NotPermitted, ValidationError
from ..extensions import db
from ..reminders.util import export_section
from ..outreach.util import export_section as outreach_export
from ..signals.util import export_section as signals_export
from ..workflow import current_workflow
from ..users.models import User

# The parents' export holds everything on a child: each feature below privacy that keeps
# something about a child gives a section (name -> function(case) -> JSON-able).
EXPORT_SECTIONS: dict[str, Callable[[Case], Any]] = {"reminders": export_section}
EXPORT_SECTIONS["contact_attempts"] = outreach_export   # the outreach log
EXPORT_SECTIONS["signals"] = signals_export   # signals from VE and CJG, with their notes


@audited("break_glass")
def break_glass(user: User, case_id: Any, reason: Any, minutes: int | None = None) -> BreakGlassGrant:
    """An admin opens one child's record outside the normal scope, for a stated reason, for a
    while; only a child of their own region (another region's is NotFound, as an absent one)."""
    if user.role != "admin":
        raise NotPermitted(N_("Alleen de functioneel beheerder kan noodtoegang nemen."))
    case = find_case(user, case_id, break_glass=True)
    if not isinstance(reason, str) or len(reason.strip()) < 10:
        raise ValidationError(N_("Geef een reden van ten minste 10 tekens."), "reason")
    limit = current_app.config["BREAK_GLASS_MINUTES"]
    minutes = limit if minutes is None else minutes
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= limit:
        raise ValidationError(N_("Duur: 1 tot en met %(max)s minuten."), "minutes", params={"max": limit})
    now = clock.now()
    grant = BreakGlassGrant(user_id=user.id, case_id=case.id, granted_at=now,
                            expires_at=now + dt.timedelta(minutes=minutes))
    grant.reason = reason.strip()
    db.session.add(grant)
    db.session.flush()
    log_access(user, "break_glass", [case.id], emergency=True, on_behalf_of=f"break_glass:{grant.id}")
    return grant


@audited("export")
def export_case(user: User, case_id: Any) -> dict:
    """Everything held on one child (AVG right of access): data, history, extras, and who accessed it."""
    from ..cases.serializers import case_detail   # the same shapes as the API's case answer
    case = find_case(user, case_id)
    if user.role not in ("jgz", "admin"):
        raise NotPermitted(N_("Een inzageverzoek van ouders wordt door de JGZ behandeld."))
    out = case_detail(case, user)   # the BSN in it for JGZ only, as everywhere else
    for name, section in EXPORT_SECTIONS.items():
        out[name] = section(case)
    out["access_log"] = [entry_json(e) for e in db.session.scalars(
        select(AccessLogEntry).where(AccessLogEntry.case_id == case.id).order_by(AccessLogEntry.id))]
    out["exported_at"] = clock.now().isoformat()
    log_access(user, "export", [case.id])
    return out


@audited(lambda args: "break_glass_export" if args.get("export") else "break_glass_review", case_arg="case_id")
def review_grants(officer: User, case_id: Any = None, user_id: int | None = None,
                  export: bool = False, limit: int = 500) -> list[dict]:
    """Break-the-glass grants for the privacy officer's review, newest first, reasons decrypted.

    For one case, one user, or (neither given) the latest, of the officer's region only (another
    region's child or user is NotFound). Reading a reason is reading about that child, so it is
    logged per case, like any other access.
    """
    if officer.role != "admin":
        raise NotPermitted(N_("Alleen de functioneel beheerder (privacy officer) ziet het toegangslog."))
    region = find_subject(officer, case_id, user_id)
    q = (select(BreakGlassGrant).where(grants_in_region(region))
         .order_by(BreakGlassGrant.granted_at.desc()).limit(limit))
    if case_id is not None:
        q = q.where(BreakGlassGrant.case_id == case_id)
    if user_id is not None:
        q = q.where(BreakGlassGrant.user_id == user_id)
    grants = db.session.scalars(q).all()
    if grants:
        log_log_read(officer, "break_glass_export" if export else "break_glass_review",
                     list(dict.fromkeys(g.case_id for g in grants)), user_id)
    out = []
    for grant in grants:
        holder = db.session.get(User, grant.user_id)
        out.append({"id": str(grant.id), "user_id": grant.user_id,
                    "organisation_id": holder.organisation_id if holder else None,
                    "case_id": str(grant.case_id), "reason": grant.reason,   # None once erased
                    "granted_at": grant.granted_at.isoformat(), "expires_at": grant.expires_at.isoformat()})
    return out


GRANT_COLUMNS = ["id", "user_id", "organisation_id", "case_id", "reason", "granted_at", "expires_at"]


def apply_retention(progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    """All that retention removes, for the nightly job and ``flask retention run`` alike: the
    personal data of long-closed cases, and sign-in attempts past the throttle's window (they
    hold client addresses and count for nothing). Returns (cases erased, attempts deleted)."""
    from ..users import throttle
    erased = erase_expired(progress=progress)
    purged = throttle.purge()
    db.session.commit()
    return erased, purged


def erase_expired(batch: int = 200, progress: Callable[[int], None] | None = None) -> int:
    """Erase personal data of cases closed longer than the retention period; returns how many.

    Ciphertexts and blind indexes go; state, dates, municipality and codes stay, so published
    and recomputed monitors do not change. Each erasure is in the access log. Commits per batch
    (a job owns its units of work), so a crash loses at most one batch and a rerun continues.
    """
    cutoff = clock.today() - dt.timedelta(days=current_app.config["RETENTION_DAYS"])
    case_columns = {enc.name: None for model, enc in REGISTRY if model is Case}
    index_columns = {c.name: None for c in Case.__table__.columns if c.name.endswith("_index")}
    erased = 0
    while True:
        # SKIP LOCKED: two scheduler processes never erase (and log) the same case twice.
        ids = list(db.session.scalars(select(Case.id).where(
            Case.state.in_(current_workflow().final_states), Case.state_since < cutoff, Case.erased_at.is_(None))
            .limit(batch).with_for_update(skip_locked=True)))
        if not ids:
            return erased
        # Table-level updates: erasure is not a change of the case's workflow version.
        db.session.execute(update(Case.__table__).where(Case.__table__.c.id.in_(ids))
                           .values(**case_columns, **index_columns, erased_at=clock.now()))
        _erase_case_ciphertexts(ids)
        # The family name's part tokens are blind indexes too: they go with the name.
        db.session.execute(delete(CaseNameToken).where(CaseNameToken.case_id.in_(ids)))
        log_access(None, "erase", ids)
        db.session.commit()
        erased += len(ids)
        if progress:
            progress(len(ids))


def _erase_case_ciphertexts(ids: list) -> None:
    """Every other encrypted column about these cases, found through the Encrypted registry, so
    a feature that adds one is covered without touching this job: nulled where the column
    allows it, else the row (free text and nothing else) is deleted."""
    tables: dict = {}
    for model, enc in REGISTRY:
        if model is not Case and "case_id" in model.__table__.c:
            tables.setdefault(model.__table__, []).append(enc.name)
    for table, columns in tables.items():
        where = table.c.case_id.in_(ids)
        if all(table.c[c].nullable for c in columns):
            db.session.execute(update(table).where(where).values({c: None for c in columns}))
        else:
            db.session.execute(table.delete().where(where))
