"""A contact attempt: one try by JGZ, a VE provider or the CJG to reach a child's family.

The date, method and whether an interpreter was used stay in clear (the monitor counts attempts
before a child was reported not reached); what came of it is free text about the family, so it is
encrypted, bound to its row, and erased with the case's other personal data (nullable: the
retention job nulls it and the anonymous attempt stays).
"""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Date, ForeignKey, Index, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..crypto.fields import Encrypted
from ..extensions import UTCDateTime, db
from ..organisations.models import Organisation


class ContactAttempt(db.Model):
    __tablename__ = "contact_attempts"
    __table_args__ = (Index("ix_contact_attempts_case_date", "case_id", "attempt_date"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    attempt_date: Mapped[dt.date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(40))            # a code of the workflow's methods list
    interpreter: Mapped[bool] = mapped_column(default=False)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    _outcome: Mapped[bytes | None] = mapped_column("outcome", LargeBinary, nullable=True)
    outcome = Encrypted()

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    user = relationship("User")

    def __init__(self, **kwargs):
        # The id is the encryption's associated data, so it must exist before the outcome is set.
        self.id = kwargs.pop("id", None) or uuid.uuid4()
        super().__init__(**kwargs)

    def __repr__(self) -> str:
        return f"<ContactAttempt {self.id} case={self.case_id} {self.attempt_date} {self.method}>"
