"""Reminders are rows derived from a case: one per occurrence of a workflow rule, swept when due.

The scheduler holds no state: every reminder lives here with its due time, its addressee and
its state, so two sweeping processes, a crash or a restart change nothing about what is owed.
"""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, LargeBinary, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..crypto.fields import Encrypted
from ..extensions import UTCDateTime, db
from ..organisations.models import Organisation

# pending: waiting for its due time; open: delivered to the addressee's inbox; snoozed: back in
# the inbox at snoozed_until; done: handled by a person; cancelled: the case moved on.
STATES = ("pending", "open", "snoozed", "done", "cancelled")
LIVE_STATES = ("pending", "open", "snoozed")


class Reminder(db.Model):
    __tablename__ = "reminders"
    __table_args__ = (
        CheckConstraint("state IN ('pending','open','snoozed','done','cancelled')", name="state"),
        # wake_at is what the sweep looks at: set exactly while the row still needs it.
        CheckConstraint("(state IN ('pending','snoozed')) = (wake_at IS NOT NULL)", name="wake_when_waiting"),
        CheckConstraint("state <> 'snoozed' OR snoozed_until IS NOT NULL", name="until_when_snoozed"),
        CheckConstraint("occurrence >= 1", name="occurrence"),
        # One next occurrence per case and rule: a second sweep or sync cannot add another.
        Index("ix_reminders_one_pending", "case_id", "rule", unique=True,
              sqlite_where=text("state = 'pending'"), postgresql_where=text("state = 'pending'")),
        Index("ix_reminders_inbox", "organisation_id", "role", "state"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(40))
    # The stay in the state the chain belongs to (seq of the event that entered it; 0 for age
    # milestones, which span states) and the day its offsets count from.
    stay: Mapped[int] = mapped_column(Integer)
    anchor: Mapped[dt.date] = mapped_column(Date)
    occurrence: Mapped[int] = mapped_column(Integer)          # 1 = first reminder of the chain
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    state: Mapped[str] = mapped_column(String(12), default="pending")
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    wake_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    deliveries: Mapped[int] = mapped_column(Integer, default=0)   # 1 + times back from a snooze
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    snoozed_until: Mapped[dt.date | None] = mapped_column(Date)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    _snooze_reason: Mapped[bytes | None] = mapped_column("snooze_reason", LargeBinary)
    snooze_reason = Encrypted()   # free text: may say anything about the family

    organisation: Mapped[Organisation | None] = relationship()

    def __repr__(self) -> str:
        return f"<Reminder {self.id} {self.rule}#{self.occurrence} {self.state} {self.role}>"


MEETING, CASE_PAGE = "meeting", "case"   # MeetingNote.context


class MeetingNote(db.Model):
    """What the bereik-overleg agreed about a child; the text is encrypted like all free text."""
    __tablename__ = "meeting_notes"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    # Where it was written: "meeting" (the bereik-overleg) or "case" (the case page's note form).
    context: Mapped[str] = mapped_column(String(20), default=MEETING, server_default=MEETING)
    _text: Mapped[bytes] = mapped_column("text", LargeBinary)
    text = Encrypted()

    organisation: Mapped[Organisation] = relationship(lazy="joined")

    def __init__(self, **kwargs):
        # The id is the encryption's associated data, so it must exist before the text is set.
        self.id = kwargs.pop("id", None) or uuid.uuid4()
        super().__init__(**kwargs)

    def __repr__(self) -> str:
        return f"<MeetingNote {self.id} case={self.case_id}>"


class DigestRun(db.Model):
    """One row per day the e-mail digest went out: the primary key makes it once a day."""
    __tablename__ = "reminder_digests"
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    messages: Mapped[int] = mapped_column(Integer, default=0)


# Bereik-overleg as meetings (issue 11.8): a meeting of one municipality, held on a day, with the
# organisations that took part; for each child discussed, agreed actions with an owner and a due
# day. Each action is delivered as a reminder to its owner; completing either completes both.
meeting_organisations = db.Table(
    "meeting_organisations",
    db.Column("meeting_id", Uuid, ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    db.Column("organisation_id", ForeignKey("organisations.id"), primary_key=True),
)


class Meeting(db.Model):
    """One bereik-overleg of a municipality, opened by its CJG. Holds no personal data itself."""
    __tablename__ = "meetings"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), index=True)
    held_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))   # the CJG that opened it

    organisations: Mapped[list[Organisation]] = relationship(secondary=meeting_organisations,
                                                             order_by=Organisation.name)
    actions: Mapped[list["MeetingAction"]] = relationship(back_populates="meeting", order_by="MeetingAction.created_at")

    def __repr__(self) -> str:
        return f"<Meeting {self.id} municipality={self.municipality_id} {self.held_on}>"


class MeetingAction(db.Model):
    """What a meeting agreed to do for one child: by whom and by when; the text is encrypted."""
    __tablename__ = "meeting_actions"
    __table_args__ = (
        CheckConstraint("(done_at IS NULL) = (done_by_id IS NULL)", name="done_by_when_done"),
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    due_on: Mapped[dt.date] = mapped_column(Date)
    reminder_id: Mapped[int | None] = mapped_column(ForeignKey("reminders.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    _text: Mapped[bytes] = mapped_column("text", LargeBinary)
    text = Encrypted()   # free text about the family

    meeting: Mapped[Meeting] = relationship(back_populates="actions")
    owner: Mapped[Organisation] = relationship(lazy="joined")
    reminder: Mapped[Reminder | None] = relationship()

    def __init__(self, **kwargs):
        # The id is the encryption's associated data, so it must exist before the text is set.
        self.id = kwargs.pop("id", None) or uuid.uuid4()
        super().__init__(**kwargs)

    def __repr__(self) -> str:
        return f"<MeetingAction {self.id} case={self.case_id} due={self.due_on} done={self.done_at is not None}>"
