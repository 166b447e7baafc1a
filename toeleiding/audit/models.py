"""One row per access to a child's record, or refused attempt. No personal data, ever.

Rows are chained: ``hash = sha256(prev_hash | fields)``, in id order, so an edit, a deletion or
an insertion behind the application's back breaks the chain at that row. The database refuses
UPDATE and (for rows younger than the five-year retention) DELETE with a trigger.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import uuid

from sqlalchemy import ForeignKey, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ..crypto.fields import Encrypted
from ..extensions import UTCDateTime, db

GENESIS = "0" * 64


class AccessLogEntry(db.Model):
    __tablename__ = "access_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str | None] = mapped_column(String(20))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    on_behalf_of: Mapped[str | None] = mapped_column(String(80))   # e.g. "break_glass:12"
    emergency: Mapped[bool] = mapped_column(default=False)         # access under break-the-glass
    case_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)   # no FK: the log outlives erasure
    action: Mapped[str] = mapped_column(String(40))
    result: Mapped[str] = mapped_column(String(10), default="allowed")
    client: Mapped[str] = mapped_column(String(10))                # api, web, cli, job, import (cases import)
    ip: Mapped[str | None] = mapped_column(String(45))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"<AccessLogEntry {self.id} {self.action} {self.result}>"


FIELDS = ("at", "user_id", "role", "organisation_id", "on_behalf_of", "emergency", "case_id", "action",
          "result", "client", "ip")


def chain_hash(prev_hash: str, row: dict) -> str:
    """The hash of a row given its predecessor's; ``row`` maps FIELDS to values."""
    def text(value) -> str:
        if isinstance(value, dt.datetime):
            return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return "" if value is None else str(value)
    payload = prev_hash + "|" + "|".join(text(row[f]) for f in FIELDS)
    return hashlib.sha256(payload.encode()).hexdigest()


# Who may access a record outside the normal scope: kept with the log of who did, below the
# features, since the case scope (cases/util.py) and every log row ask for it; privacy grants it.
class BreakGlassGrant(db.Model):
    """Break the glass: an admin's time-limited, reasoned access to one child's record."""
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
