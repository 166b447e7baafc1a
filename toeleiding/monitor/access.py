"""Who may read the monitor: which roles, which region, which reference dates, and whether the
numbers come suppressed (the README's *Reference dates* and *Suppression*)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from .. import clock
from ..errors import N_, NotPermitted, ValidationError
from ..extensions import db
from ..organisations.models import Region
from .util import publications_of


# Who reads the monitor (aggregates only): the municipality, the region's administrator, and the
# CJG that recodes the 'other' reasons it shows.
MONITOR_ROLES = ("gemeente", "admin", "cjg")


def region_for(user, slug) -> Region:
    """The region ``slug`` if ``user`` may read its monitor: only their own region."""
    if user.role not in MONITOR_ROLES:
        raise NotPermitted(N_("Uw rol heeft geen toegang tot de monitor."))
    if not isinstance(slug, str) or not slug.strip():
        raise ValidationError(N_("Regio is verplicht (bijv. ijmond)."), "region")
    region = db.session.scalar(select(Region).where(Region.slug == slug.strip().lower()))
    if region is None:
        raise ValidationError(N_("Onbekende regio %(slug)r."), "region", params={"slug": slug[:40]})
    if region.id != user.organisation.region_id:
        raise NotPermitted(N_("U kunt alleen de monitor van uw eigen regio inzien."))
    return region


# Who reads the declines per provider: the municipality and the administrator (not the CJG,
# which reads the monitor to recode reasons, not to compare providers).
DECLINE_ROLES = ("gemeente", "admin")


def require_decline_reader(user) -> None:
    if user.role not in DECLINE_ROLES:
        raise NotPermitted(N_("Uw rol heeft geen toegang tot de afwijzingen per aanbieder."))


def threshold_for(user, want_suppressed: bool = False) -> int | None:
    """The suppression threshold applied for ``user``: none for an admin (unless asked for)."""
    from flask import current_app
    if user.role == "admin" and not want_suppressed:
        return None
    return current_app.config["SUPPRESSION_THRESHOLD"]


# No reference date before this one: the monitor of the target-group policy (GOAB, VVE) has
# nothing to count earlier, and a date such as 0081-06-30 is a typing error, not a question.
EARLIEST_PEILDATUM = dt.date(2000, 1, 1)


def parse_peildatum(raw) -> dt.date:
    """A reference date from EARLIEST_PEILDATUM to today: the monitor counts what happened, never
    a forecast."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise ValidationError(N_("Peildatum is verplicht (JJJJ-MM-DD)."), "peildatum")
    try:
        day = raw if isinstance(raw, dt.date) else dt.date.fromisoformat(raw.strip())
    except (AttributeError, ValueError):
        # Every message names the peildatum: the page and the CLI show the message alone.
        raise ValidationError(N_("Ongeldige peildatum; gebruik JJJJ-MM-DD."), "peildatum") from None
    if day > clock.today():
        raise ValidationError(N_("De peildatum mag niet in de toekomst liggen."), "peildatum")
    if day < EARLIEST_PEILDATUM:
        raise ValidationError(N_("De peildatum mag niet voor %(date)s liggen."), "peildatum",
                              params={"date": EARLIEST_PEILDATUM})
    return day


def is_month_end(day: dt.date) -> bool:
    return (day + dt.timedelta(days=1)).day == 1


def readable_peildatum(user, region: Region, raw) -> dt.date:
    """The reference date ``user`` asks for, if they may read the live monitor of ``region`` at it.

    The admin reads any date. Everyone else reads the live numbers only at a date that has passed
    and is the last day of a month, or at a date the region published: two counts at arbitrary
    neighbouring days would differ by the one child who entered or left between them, each count
    shown in full because it is at least the threshold. The README (The regional monitor, Reference
    dates) gives the reasoning.
    """
    day = parse_peildatum(raw)
    if user.role == "admin" or (is_month_end(day) and day < clock.today()) or _published(region, day):
        return day
    raise ValidationError(N_("Kies als peildatum de laatste dag van een verstreken maand of een "
                             "gepubliceerde peildatum."), "peildatum")


def _published(region: Region, day: dt.date) -> bool:
    from .models import MonitorPublication
    return db.session.scalar(select(MonitorPublication.id).where(MonitorPublication.region_id == region.id,
                                                                 MonitorPublication.peildatum == day)) is not None


def last_month_end(before: dt.date) -> dt.date:
    """The last day of the month before ``before``'s month."""
    return before.replace(day=1) - dt.timedelta(days=1)


def default_peildatum(user, region: Region) -> dt.date:
    """The page's date when none is asked: the latest publication, else today (admin) or the end of
    last month (everyone else)."""
    latest = publications_of(region)
    if latest:
        return latest[0].peildatum
    return clock.today() if user.role == "admin" else last_month_end(clock.today())


def peildatum_choices(region: Region, shown: dt.date, months: int = 36) -> list[dt.date]:
    """The dates a non-admin can pick on the page: the ends of the last ``months`` months, the
    region's publications and the date ``shown``, latest first."""
    ends, day = [], last_month_end(clock.today())
    while len(ends) < months and day >= EARLIEST_PEILDATUM:
        ends.append(day)
        day = last_month_end(day)
    return sorted(set(ends) | {p.peildatum for p in publications_of(region)} | {shown}, reverse=True)
