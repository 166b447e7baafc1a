"""A signal: a VE provider or the CJG signalled a child to JGZ, with a note.

Who signalled (organisation, user, role) and when stay in clear: the signaller's list and JGZ's
work list are queries on them. The note is free text about a family, so it is encrypted, bound to
its row, and erased with the case's other personal data (nullable: the retention job nulls it).
Assessed: JGZ's first step on the case after the signal (when, by whom); the step itself is the
case's, and the signaller is never told which one.
"""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..crypto.fields import Encrypted
from ..extensions import UTCDateTime, db
from ..organisations.models import Organisation


class CaseSignal(db.Model):
    __tablename__ = "case_signals"
    __table_args__ = (Index("ix_case_signals_organisation_at", "organisation_id", "signalled_at"),
                      Index("ix_case_signals_case_id", "case_id"))
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(20))
    signalled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    _note: Mapped[bytes | None] = mapped_column("note", LargeBinary, nullable=True)
    note = Encrypted()
    assessed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    assessed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    organisation: Mapped[Organisation] = relationship(lazy="joined")

    def __init__(self, **kwargs):
        # The id is the encryption's associated data, so it must exist before the note is set.
        self.id = kwargs.pop("id", None) or uuid.uuid4()
        super().__init__(**kwargs)

    def __repr__(self) -> str:
        return f"<CaseSignal {self.id} case={self.case_id} org={self.organisation_id} assessed={self.assessed_at is not None}>"
