"""Break-the-glass grants: an admin's time-limited, reasoned access to one child's record."""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, LargeBinary, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ..crypto.fields import Encrypted
from ..extensions import UTCDateTime, db


class BreakGlassGrant(db.Model):
    __tablename__ = "break_glass_grants"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    _reason: Mapped[bytes | None] = mapped_column("reason", LargeBinary)   # NULL once erased
    reason = Encrypted()   # free text: may mention the family

    def __init__(self, **kwargs):
        self.id = kwargs.pop("id", None) or uuid.uuid4()
        super().__init__(**kwargs)
