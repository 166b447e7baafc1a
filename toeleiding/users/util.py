"""Read-only questions about users."""
from __future__ import annotations

from sqlalchemy import func, select

from ..extensions import db
from ..organisations.models import Organisation
from .models import User


def active_users_of(organisation: Organisation) -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(
        User.organisation_id == organisation.id, User.active.is_(True))) or 0
