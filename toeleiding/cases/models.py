"""A case is one child's referral; every change appends a CaseEvent.

Identifying data (names, BSN, date of birth, address, parents, free text) is only ever
stored encrypted, bound to its row. What the monitor counts (municipality, state, reason,
effective dates, ages in months) stays in clear so it can be aggregated in SQL.
"""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (JSON, CheckConstraint, Date, ForeignKey, Index, Integer, LargeBinary, String,
                        UniqueConstraint, Uuid)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..crypto.fields import Encrypted
from ..extensions import UTCDateTime, db
from ..organisations.models import Location, Municipality, Organisation


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        # A state's required columns, enforced by the database, not only by the service.
        CheckConstraint("state NOT IN ('referred','waitlisted','placed') OR location_id IS NOT NULL",
                        name="location_when_referred"),
        CheckConstraint("state <> 'not_reached' OR not_reached_reason IS NOT NULL", name="reason_when_not_reached"),
        CheckConstraint("state <> 'closed' OR outcome IS NOT NULL", name="outcome_when_closed"),
        Index("ix_cases_municipality_state", "municipality_id", "state"),
        Index("ix_cases_state_state_since", "state", "state_since"),   # the work lists' urgency order
    )
    # Random UUIDs: a case id in a URL reveals nothing and cannot be guessed.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"))
    state: Mapped[str] = mapped_column(String(30), index=True)
    version: Mapped[int] = mapped_column(Integer)
    state_since: Mapped[dt.date] = mapped_column(Date)   # effective date the current state began
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    registered_by_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    not_reached_reason: Mapped[str | None] = mapped_column(String(40))
    outcome: Mapped[str | None] = mapped_column(String(40))
    ever_not_reached: Mapped[bool] = mapped_column(default=False)   # CJG's scope
    # The trigger of the last transition: reminder rules may apply only after a given step
    # (reminders: after_step), e.g. JGZ's reminder to refer again after a provider declined.
    last_trigger: Mapped[str | None] = mapped_column(String(40))
    bsn_index: Mapped[str | None] = mapped_column(String(64), index=True)  # keyed HMAC of the BSN
    # Set when the retention job erased the personal data; the anonymous history stays.
    erased_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Keyed HMAC of the normalised family name, for search by name without decrypting the region.
    name_index: Mapped[str | None] = mapped_column(String(64), index=True)
    # First day of the birth month, in clear: lets the monitor compute ages in SQL without
    # decrypting. The day of birth stays encrypted; README 'Privacy' explains the trade-off.
    birth_month: Mapped[dt.date] = mapped_column(Date)

    _given_name: Mapped[bytes | None] = mapped_column("given_name", LargeBinary)
    _family_name: Mapped[bytes | None] = mapped_column("family_name", LargeBinary)
    _bsn: Mapped[bytes | None] = mapped_column("bsn", LargeBinary)
    _birth_date: Mapped[bytes | None] = mapped_column("birth_date", LargeBinary)
    _postcode: Mapped[bytes | None] = mapped_column("postcode", LargeBinary)
    _house_number: Mapped[bytes | None] = mapped_column("house_number", LargeBinary)
    _parents: Mapped[bytes | None] = mapped_column("parents", LargeBinary)

    given_name = Encrypted()
    family_name = Encrypted()
    bsn = Encrypted()
    birth_date = Encrypted("date")
    postcode = Encrypted()
    house_number = Encrypted()
    parents = Encrypted("json")   # [{"name", "phone", "email"}]

    municipality: Mapped[Municipality] = relationship()
    location: Mapped[Location | None] = relationship()
    school: Mapped[Organisation | None] = relationship(foreign_keys=[school_id])
    events: Mapped[list["CaseEvent"]] = relationship(back_populates="case", order_by="CaseEvent.seq")

    # SQLAlchemy adds "AND version = :old" to every UPDATE and raises StaleDataError when a
    # concurrent writer got there first: the database, not a read-then-check, prevents lost updates.
    __mapper_args__ = {"version_id_col": version}

    def __init__(self, **kwargs):
        # The id must exist before encrypted attributes are set: it is part of their associated data.
        self.id = kwargs.pop("id", None) or uuid.uuid4()
        super().__init__(**kwargs)

    def __repr__(self) -> str:
        return f"<Case {self.id} {self.state} v{self.version}>"


class CaseLocation(db.Model):
    """Every location a case was ever referred to or placed at: a provider's scope."""
    __tablename__ = "case_locations"
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), primary_key=True, index=True)
    # From this day on the location's provider no longer sees the case (a step with ends_access:
    # it declined the referral, or the child was placed with another provider); None: it does.
    access_ends_on: Mapped[dt.date | None] = mapped_column(Date)


class CaseNameToken(db.Model):
    """One blind-index token of a case's family name: a keyed HMAC of a normalised name part or
    of one of its prefixes of 3+ letters (cases/util.py, ``name_tokens``). Lets a user find
    "van den Berg-Jansen" by "Berg" or "jans" without any name stored in clear; README
    'Privacy' says what the tokens leak."""
    __tablename__ = "case_name_tokens"
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    token: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)   # a search looks tokens up


class CaseEvent(db.Model):
    """One transition, append-only: who, as what, for which organisation, when, and its data."""
    __tablename__ = "case_events"
    __table_args__ = (UniqueConstraint("case_id", "seq"), Index("ix_case_events_trigger_effective", "trigger", "effective_date"))
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    trigger: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(30))
    effective_date: Mapped[dt.date] = mapped_column(Date)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"))   # residence at the time
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    # The case's birth month (in clear there too), so the monitor reads the history alone.
    birth_month: Mapped[dt.date] = mapped_column(Date)
    age_months: Mapped[int | None] = mapped_column(Integer)   # child's age at the effective date
    data: Mapped[dict] = mapped_column(JSON)                  # non-identifying fields, in clear
    _secret: Mapped[bytes | None] = mapped_column("secret", LargeBinary)
    secret = Encrypted("json", bind=lambda row: f"{row.case_id}:{row.seq}")   # free-text fields

    case: Mapped[Case] = relationship(back_populates="events")
    user = relationship("User")   # not joined: history() reads the names alone
    organisation: Mapped[Organisation] = relationship()

    def __repr__(self) -> str:
        return f"<CaseEvent {self.case_id}#{self.seq} {self.trigger} {self.from_state}->{self.to_state}>"
