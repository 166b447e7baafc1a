"""Read-only questions about push targets and their deliveries."""
from __future__ import annotations

from sqlalchemy import func, select

from ..extensions import db
from .models import PushDelivery, PushTarget


def list_targets() -> list[PushTarget]:
    return list(db.session.scalars(select(PushTarget).order_by(PushTarget.region_id, PushTarget.id)))


def delivery_counts() -> dict[int, dict[str, int]]:
    """Per target: how many deliveries are pending, sent and failed."""
    out: dict[int, dict[str, int]] = {}
    for target_id, state, n in db.session.execute(select(PushDelivery.target_id, PushDelivery.state, func.count())
                                                  .group_by(PushDelivery.target_id, PushDelivery.state)):
        out.setdefault(target_id, {"pending": 0, "sent": 0, "failed": 0})[state] = n
    return out


def deliveries_of(target_id: int, limit: int = 50) -> list[PushDelivery]:
    return list(db.session.scalars(select(PushDelivery).where(PushDelivery.target_id == target_id)
                                   .order_by(PushDelivery.id.desc()).limit(limit)))
