"""What the monitor keeps: frozen publications, and the region's recodings of 'other' reasons.

The live monitor itself is never stored: it is computed from the case history whenever it is
asked for. A publication freezes the unsuppressed cells of one region at one reference date, so
the published figures stay what they were while corrections keep arriving in the history.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import UTCDateTime, db
from ..organisations.models import Region


class MonitorPublication(db.Model):
    """One region's monitor at one reference date, published by an admin and frozen from then on."""
    __tablename__ = "monitor_publications"
    __table_args__ = (UniqueConstraint("region_id", "peildatum"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    peildatum: Mapped[dt.date] = mapped_column(Date)
    threshold: Mapped[int] = mapped_column(Integer)   # the suppression threshold in force when published
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    published_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    region: Mapped[Region] = relationship()
    cells: Mapped[list["MonitorSnapshotCell"]] = relationship(back_populates="publication",
                                                              cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<MonitorPublication {self.region_id} {self.peildatum}>"


class MonitorSnapshotCell(db.Model):
    """One unsuppressed cell of a publication; suppression is re-applied from these on display.

    ``row`` is a municipality's CBS code, or ``total`` for the region. ``part`` says which table:
    ``monitor`` (the cells of the API) or ``flows`` (placements by municipality of the location,
    column ``GMxxxx``).
    """
    __tablename__ = "monitor_snapshot_cells"
    __table_args__ = (UniqueConstraint("publication_id", "part", "row", "column"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("monitor_publications.id", ondelete="CASCADE"))
    part: Mapped[str] = mapped_column(String(10))
    row: Mapped[str] = mapped_column(String(10))
    column: Mapped[str] = mapped_column(String(80))
    value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    publication: Mapped[MonitorPublication] = relationship(back_populates="cells")


class RecodeCategory(db.Model):
    """A non-reach category the region added after reading its 'other' explanations."""
    __tablename__ = "monitor_recode_categories"
    __table_args__ = (UniqueConstraint("region_id", "code"),
                      CheckConstraint("code <> 'other' AND code <> 'closed'", name="code_not_reserved"))
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(120))
    region: Mapped[Region] = relationship()

    def __repr__(self) -> str:
        return f"<RecodeCategory {self.region_id} {self.code}>"


class Recoding(db.Model):
    """An 'other' non-reach report, recoded into a workflow reason or a category of the region.

    Keyed by the case event that reported it, so the history itself is never rewritten and a
    recoding can be changed or withdrawn.
    """
    __tablename__ = "monitor_recodings"
    __table_args__ = (CheckConstraint("(reason IS NULL) <> (category_id IS NULL)", name="reason_or_category"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_event_id: Mapped[int] = mapped_column(ForeignKey("case_events.id", ondelete="CASCADE"), unique=True)
    reason: Mapped[str | None] = mapped_column(String(40))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("monitor_recode_categories.id"), index=True)
    recoded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    recoded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    category: Mapped[RecodeCategory | None] = relationship()
