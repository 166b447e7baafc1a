"""Configuration of the region: who works where, and each municipality's target-group definition."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (CheckConstraint, Column, Date, ForeignKey, Integer, JSON, Numeric, String, true as sa_true,
                        Table, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..errors import N_
from ..extensions import UTCDateTime, db

ORGANISATION_KINDS = ("jgz", "ve_provider", "cjg", "municipality", "school")
# A location's setting and VE programme (issue 12.4): reference data of the region's locations,
# code -> Dutch label (English in the translations). "anders": a programme not in the list.
LOCATION_SETTINGS = {"peuteropvang": N_("Peuteropvang"), "kinderdagverblijf": N_("Kinderdagverblijf")}
VE_PROGRAMMES = {"piramide": "Piramide", "uk_en_puk": "Uk & Puk", "kaleidoscoop": "Kaleidoscoop",
                 "startblokken": "Startblokken", "ko_totaal": "Ko-totaal", "anders": N_("Ander programma")}
WEEKDAY_LABELS = {1: N_("maandag"), 2: N_("dinsdag"), 3: N_("woensdag"), 4: N_("donderdag"), 5: N_("vrijdag"),
                  6: N_("zaterdag"), 7: N_("zondag")}

# The municipalities an organisation serves: a CJG's working area, a school's location.
organisation_municipalities = Table(
    "organisation_municipalities", db.metadata,
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    Column("municipality_id", ForeignKey("municipalities.id", ondelete="CASCADE"), primary_key=True),
)


class Region(db.Model):
    __tablename__ = "regions"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    municipalities: Mapped[list["Municipality"]] = relationship(back_populates="region", order_by="Municipality.name")

    def __repr__(self) -> str:
        return f"<Region {self.slug}>"


class Municipality(db.Model):
    __tablename__ = "municipalities"
    __table_args__ = (CheckConstraint("code LIKE 'GM____'", name="cbs_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)   # CBS code, e.g. GM0375
    name: Mapped[str] = mapped_column(String(120))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    inhabitants: Mapped[int | None]
    # The words parents read on the public page (/ve/<code>), entered by the functional
    # administrator: what VE is here, how to apply, how to reach the JGZ. Empty: the general text.
    public_intro: Mapped[str] = mapped_column(Text, default="", server_default="")
    public_apply: Mapped[str] = mapped_column(Text, default="", server_default="")
    public_contact: Mapped[str] = mapped_column(Text, default="", server_default="")
    region: Mapped[Region] = relationship(back_populates="municipalities")
    definitions: Mapped[list["TargetGroupDefinition"]] = relationship(
        back_populates="municipality", order_by="TargetGroupDefinition.valid_from")

    def definition_on(self, day: dt.date) -> "TargetGroupDefinition | None":
        """The target-group definition in force on ``day``."""
        for d in reversed(self.definitions):
            if d.valid_from <= day and (d.valid_until is None or day <= d.valid_until):
                return d
        return None

    def __repr__(self) -> str:
        return f"<Municipality {self.code} {self.name}>"


class MunicipalityFigures(db.Model):
    """Yearly figures entered by the region (admin page, API, ``flask figures import``): the CBS
    target-group count, JGZ count, GOAB budget, toddlers aged 2.5-4 and VE places. The row holds the
    current values; every change is also kept in FiguresChange (who, when, what)."""
    __tablename__ = "municipality_figures"
    __table_args__ = (UniqueConstraint("municipality_id", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"))
    year: Mapped[int]
    cbs_target_group: Mapped[int | None]
    cbs_suppressed: Mapped[bool] = mapped_column(default=False)   # CBS published "<10"
    jgz_target_group: Mapped[int | None]
    goab_budget: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    toddlers: Mapped[int | None]      # all children aged 2.5-4 (30-47 months), for the all-toddler target
    ve_places: Mapped[int | None]     # recognised VE places in the municipality
    # Who entered the current values, and when (the user id, not a relationship: users sit above
    # organisations; NULL for the demo loader or a CLI import without --by).
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    municipality: Mapped["Municipality"] = relationship()


class FiguresChange(db.Model):
    """One change of a municipality's yearly figures: the values after it, who and when (history)."""
    __tablename__ = "municipality_figures_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    figures_id: Mapped[int] = mapped_column(ForeignKey("municipality_figures.id", ondelete="CASCADE"), index=True)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(20))        # page, api, import, demo
    values: Mapped[dict] = mapped_column(JSON)             # the figures after the change


class RegionMembership(db.Model):
    """A municipality belongs to a region from ``valid_from`` to ``valid_until`` (inclusive; open
    when NULL). The monitor of a reference date P reads the memberships in force at P, so a
    municipality joining or leaving changes no monitor before that date."""
    __tablename__ = "region_memberships"
    __table_args__ = (CheckConstraint("valid_until IS NULL OR valid_until >= valid_from", name="period"),
                      UniqueConstraint("municipality_id", "valid_from"))
    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    municipality: Mapped["Municipality"] = relationship()
    region: Mapped[Region] = relationship()

    def covers(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


TARGET_KINDS = ("target_group_placed", "all_toddlers")


class RegionTarget(db.Model):
    """A region's target for a period: the share of the target group placed (``target_group_placed``,
    reach_pct) or of all toddlers aged 2.5-4 for whom there is a VE place (``all_toddlers``)."""
    __tablename__ = "region_targets"
    __table_args__ = (CheckConstraint("kind IN ('target_group_placed','all_toddlers')", name="kind"),
                      CheckConstraint("valid_until IS NULL OR valid_until >= valid_from", name="period"),
                      UniqueConstraint("region_id", "kind", "valid_from"))
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    pct: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    set_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    region: Mapped[Region] = relationship()


class Organisation(db.Model):
    __tablename__ = "organisations"
    __table_args__ = (CheckConstraint("kind IN ('jgz','ve_provider','cjg','municipality','school')", name="kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    # An organisation that stopped is deactivated, not deleted: cases and history point at it.
    active: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    region: Mapped[Region] = relationship()
    municipalities: Mapped[list[Municipality]] = relationship(secondary=organisation_municipalities,
                                                              order_by="Municipality.name")
    locations: Mapped[list["Location"]] = relationship(back_populates="provider", order_by="Location.name")

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.kind} {self.name!r}>"


class Location(db.Model):
    """A VE location of a provider, registered in the LRK. Public information, stored in clear."""
    __tablename__ = "locations"
    # The law's dose (issue 11): weeks a year the location is open, for the projected VE hours.
    __table_args__ = (CheckConstraint("weeks_open BETWEEN 1 AND 52", name="weeks_open"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    lrk_number: Mapped[str] = mapped_column(String(12), unique=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    weeks_open: Mapped[int] = mapped_column(Integer, default=40, server_default="40")
    # Capacity (issue 12.4), kept by the provider and the admin: public facts, no history; the
    # last change's who (user id) and when. ve_places NULL: not entered. opening_days: weekday
    # numbers 1 (Monday) to 7, comma-separated ("1,2,4"). setting and ve_programme: codes of
    # LOCATION_SETTINGS and VE_PROGRAMMES (organisations' reference data, not workflow names).
    ve_places: Mapped[int | None]
    opening_days: Mapped[str] = mapped_column(String(20), default="", server_default="")
    setting: Mapped[str | None] = mapped_column(String(30))
    ve_programme: Mapped[str | None] = mapped_column(String(40))
    capacity_updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    capacity_updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    provider: Mapped[Organisation] = relationship(back_populates="locations")
    municipality: Mapped[Municipality] = relationship()

    def __repr__(self) -> str:
        return f"<Location {self.id} {self.lrk_number} {self.name!r}>"


class TargetGroupDefinition(db.Model):
    """A municipality's *doelgroepdefinitie* for one policy period."""
    __tablename__ = "target_group_definitions"
    __table_args__ = (
        CheckConstraint("min_age_months IN (24, 30)", name="min_age"),
        CheckConstraint("valid_until IS NULL OR valid_until >= valid_from", name="period"),
        UniqueConstraint("municipality_id", "valid_from"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)   # inclusive; open-ended when NULL
    min_age_months: Mapped[int] = mapped_column(Integer)
    criteria: Mapped[list[dict]] = mapped_column(JSON)         # [{"code": ..., "label": ...}]
    municipality: Mapped[Municipality] = relationship(back_populates="definitions")

    @property
    def criteria_codes(self) -> set[str]:
        return {c["code"] for c in self.criteria}

    def __repr__(self) -> str:
        return f"<TargetGroupDefinition {self.municipality_id} {self.valid_from}..{self.valid_until}>"
