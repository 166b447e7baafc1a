"""Push targets of a region and the deliveries owed to them (one per publication)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..crypto.fields import Encrypted
from ..extensions import UTCDateTime, db
from ..monitor.models import MonitorPublication
from ..organisations.models import Region

KINDS = ("directory", "https")
FORMATS = ("csv", "xlsx", "json")
STATES = ("pending", "sent", "failed")


class PushTarget(db.Model):
    """Where a region's published monitor goes: a directory or an HTTPS endpoint, in one format."""
    __tablename__ = "push_targets"
    __table_args__ = (CheckConstraint("kind IN ('directory','https')", name="kind"),
                      CheckConstraint("format IN ('csv','xlsx','json')", name="format"))
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    destination: Mapped[str] = mapped_column(String(500))
    format: Mapped[str] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(default=True)
    # Publications from this moment on are owed to the target; older ones only when asked (--since).
    owed_from: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # The HMAC key: a credential, so encrypted at rest under the keyring (and rotated with it).
    _secret: Mapped[bytes] = mapped_column("secret", LargeBinary)
    secret = Encrypted()
    region: Mapped[Region] = relationship()

    def __repr__(self) -> str:
        return f"<PushTarget {self.id} {self.kind} {self.format}>"


class PushDelivery(db.Model):
    """One publication owed to one target: pending (with its next try), sent, or failed for good."""
    __tablename__ = "push_deliveries"
    __table_args__ = (UniqueConstraint("target_id", "publication_id"),
                      CheckConstraint("state IN ('pending','sent','failed')", name="state"),
                      CheckConstraint("(state = 'pending') = (next_attempt_at IS NOT NULL)", name="next_when_pending"))
    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("push_targets.id", ondelete="CASCADE"), index=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("monitor_publications.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # What went wrong last: an HTTP status or an exception type, never a response body.
    last_error: Mapped[str | None] = mapped_column(String(200))
    target: Mapped[PushTarget] = relationship()
    publication: Mapped[MonitorPublication] = relationship()

    def __repr__(self) -> str:
        return f"<PushDelivery {self.id} {self.state} attempt {self.attempts}>"
