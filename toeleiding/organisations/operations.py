"""Changing the region's configuration: regions, organisations, locations, definitions."""
from __future__ import annotations

import datetime as dt
import re
from typing import Callable

from sqlalchemy import func, select

from decimal import Decimal, InvalidOperation

from .. import clock
from ..dates import parse_date
from ..errors import N_, ValidationError
from ..extensions import db
from ..numbers import parse_whole_number, whole_number
from .models import (ORGANISATION_KINDS, TARGET_KINDS, FiguresChange, Location, Municipality, MunicipalityFigures,
                     Organisation, Region, RegionMembership, RegionTarget, TargetGroupDefinition)

LRK_RE = re.compile(r"^[0-9]{9,12}$")


def get_region(slug: str) -> Region:
    region = db.session.scalar(select(Region).where(Region.slug == slug))
    if region is None:
        raise ValidationError(N_("Onbekende regio %(slug)r."), "region", params={"slug": slug})
    return region


def create_organisation(name: str, kind: str, region: Region, municipalities: list[Municipality] = ()) -> Organisation:
    if not name or not name.strip():
        raise ValidationError(N_("Naam is verplicht."), "name")
    if kind not in ORGANISATION_KINDS:
        raise ValidationError(N_("Onbekende soort; kies uit %(choices)s."), "kind",
                              params={"choices": ", ".join(ORGANISATION_KINDS)})
    for m in municipalities:
        if m.region_id != region.id:
            raise ValidationError(N_("%(municipality)s hoort niet bij regio %(region)s."), "municipality",
                                  params={"municipality": m.name, "region": region.name})
    org = Organisation(name=name.strip(), kind=kind, region=region, municipalities=list(municipalities))
    db.session.add(org)
    db.session.flush()
    return org


def create_location(provider: Organisation, municipality: Municipality, name: str, lrk_number: str,
                    address: str = "") -> Location:
    if provider.kind != "ve_provider":
        raise ValidationError(N_("Alleen een VE-aanbieder heeft VE-locaties."), "provider")
    if not name or not name.strip():
        raise ValidationError(N_("Naam is verplicht."), "name")
    if not LRK_RE.match(lrk_number or ""):
        raise ValidationError(N_("LRK-nummer: 9 tot 12 cijfers."), "lrk_number")
    if db.session.scalar(select(Location.id).where(Location.lrk_number == lrk_number)):
        raise ValidationError(N_("Dit LRK-nummer is al geregistreerd."), "lrk_number")
    loc = Location(provider=provider, municipality=municipality, name=name, lrk_number=lrk_number, address=address)
    db.session.add(loc)
    db.session.flush()
    return loc


def add_definition(municipality: Municipality, name: str, valid_from: dt.date, valid_until: dt.date | None,
                   min_age_months: int, criteria: list[dict]) -> TargetGroupDefinition:
    """A new policy period's definition; periods of one municipality may not overlap."""
    if not name or not name.strip():
        raise ValidationError(N_("Naam is verplicht."), "name")
    if min_age_months not in (24, 30):
        raise ValidationError(N_("Minimumleeftijd is 24 of 30 maanden."), "min_age_months")
    if valid_until is not None and valid_until < valid_from:
        raise ValidationError(N_("Einddatum ligt vóór de begindatum."), "valid_until")
    if not criteria or any(not c.get("code") or not c.get("label") for c in criteria):
        raise ValidationError(N_("Ten minste één criterium met code en omschrijving."), "criteria")
    for d in municipality.definitions:
        if (d.valid_until is None or d.valid_until >= valid_from) and (valid_until is None or valid_until >= d.valid_from):
            raise ValidationError(N_("Overlapt met de definitie %(name)s (%(date)s…)."), "valid_from",
                                  params={"name": d.name, "date": d.valid_from})
    d = TargetGroupDefinition(municipality=municipality, name=name, valid_from=valid_from, valid_until=valid_until,
                              min_age_months=min_age_months, criteria=criteria)
    db.session.add(d)
    db.session.flush()
    return d


def update_location(location: Location, name: str, address: str, active: bool,
                    weeks_open: int | None = None) -> Location:
    """Rename, move or (de)activate a VE location; cases keep pointing at it. ``weeks_open``
    (1..52; None keeps it): the weeks a year it is open, for the monitor's projected VE hours."""
    if not name or not name.strip():
        raise ValidationError(N_("Naam is verplicht."), "name")
    if len(name) > 200 or len(address or "") > 200:
        raise ValidationError(N_("Hoogstens 200 tekens."), "name" if len(name) > 200 else "address")
    if active and not location.active and not db.session.get(Organisation, location.provider_id).active:
        raise ValidationError(N_("De aanbieder van deze locatie is gedeactiveerd; activeer die eerst."), "active")
    if weeks_open is not None and not 1 <= weeks_open <= 52:
        raise ValidationError(N_("Vul een getal van %(min)s tot en met %(max)s in."), "weeks_open",
                              params={"min": 1, "max": 52})
    location.name, location.address, location.active = name.strip(), (address or "").strip(), bool(active)
    if weeks_open is not None:
        location.weeks_open = weeks_open
    db.session.flush()
    return location


PUBLIC_TEXT_FIELDS = ("public_intro", "public_apply", "public_contact")
PUBLIC_TEXT_MAX = 2000
# Bidi embeddings, overrides and isolates reorder the text shown around them (as in cases.validation).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def update_public_text(municipality: Municipality, texts: dict) -> Municipality:
    """The words parents read on the municipality's public page; each optional, plain text (line
    breaks kept, no markup: the page escapes it), at most PUBLIC_TEXT_MAX characters."""
    clean = {}
    for name in PUBLIC_TEXT_FIELDS:
        raw = texts.get(name) or ""
        if not isinstance(raw, str):
            raise ValidationError(N_("Vul tekst in."), name)
        value = raw.replace("\r\n", "\n").strip()
        if len(value) > PUBLIC_TEXT_MAX:
            raise ValidationError(N_("Hoogstens %(max)s tekens."), name, params={"max": PUBLIC_TEXT_MAX})
        if any((ord(c) < 32 and c not in "\n\t") or c in _BIDI_CONTROLS for c in value):
            raise ValidationError(N_("De tekst bevat onzichtbare stuurtekens."), name)
        clean[name] = value
    for name, value in clean.items():
        setattr(municipality, name, value)
    db.session.flush()
    return municipality


# What features above organisations keep in use, registered at start-up so organisations imports
# none of them: fn(organisation) -> its active users (users); fn(definition, until) raises when
# ending the definition on ``until`` would change something frozen (monitor: a publication).
ACTIVE_USERS: dict[str, Callable[[Organisation], int]] = {}
DEFINITION_END_CHECKS: dict[str, Callable[[TargetGroupDefinition, dt.date], None]] = {}


def end_definition(definition: TargetGroupDefinition, until: dt.date) -> TargetGroupDefinition:
    """End a policy period on ``until`` (inclusive), so that the next period can be added after it.

    The monitor computes a municipality's target group from the definition in force on the
    reference date; a publication froze those figures. Ending a period before a published
    reference date it covered would make the live monitor for that date disagree with what was
    published, so that is refused (the monitor's check, DEFINITION_END_CHECKS).
    """
    if until < definition.valid_from:
        raise ValidationError(N_("De einddatum ligt vóór de begindatum (%(date)s)."), "valid_until",
                              params={"date": definition.valid_from})
    if definition.valid_until is not None and until > definition.valid_until:
        raise ValidationError(N_("Deze periode eindigt al op %(date)s; een periode verlengen kan niet."),
                              "valid_until", params={"date": definition.valid_until})
    for check in DEFINITION_END_CHECKS.values():
        check(definition, until)
    definition.valid_until = until
    db.session.flush()
    return definition


def update_organisation(organisation: Organisation, name: str) -> Organisation:
    """Rename an organisation; its users, locations and cases keep pointing at it."""
    if not name or not name.strip():
        raise ValidationError(N_("Naam is verplicht."), "name")
    if len(name.strip()) > 200:
        raise ValidationError(N_("Hoogstens 200 tekens."), "name")
    organisation.name = name.strip()
    db.session.flush()
    return organisation


def deactivate_organisation(organisation: Organisation) -> Organisation:
    """Take an organisation out of use. Its active users and locations must go first: deactivating
    them here silently would lock people out or hide a location from referrals without anyone
    deciding so."""
    users = sum(count(organisation) for count in ACTIVE_USERS.values())
    locations = db.session.scalar(select(func.count()).select_from(Location).where(
        Location.provider_id == organisation.id, Location.active.is_(True))) or 0
    if users or locations:
        raise ValidationError(N_("%(name)s heeft nog %(users)s actieve gebruiker(s) en %(locations)s actieve "
                                 "locatie(s); deactiveer die eerst."), "organisation",
                              params={"name": organisation.name, "users": users, "locations": locations})
    organisation.active = False
    db.session.flush()
    return organisation


def reactivate_organisation(organisation: Organisation) -> Organisation:
    organisation.active = True
    db.session.flush()
    return organisation


# --- Yearly figures (issue 12.1) ---------------------------------------------------------------

# The figures a region enters per municipality and year, in the order of the page, the API and the
# import's columns. ``cbs_suppressed``: CBS published "<10" instead of a count.
FIGURE_FIELDS = ("cbs_target_group", "cbs_suppressed", "jgz_target_group", "goab_budget", "toddlers", "ve_places")
_COUNT_FIELDS = ("cbs_target_group", "jgz_target_group", "toddlers", "ve_places")
MAX_COUNT = 1_000_000
MAX_BUDGET = Decimal("9999999999.99")
YEARS = (2000, 2100)


def parse_year(raw, field: str = "year") -> int:
    return parse_whole_number(raw, field, minimum=YEARS[0], maximum=YEARS[1],
                              message=N_("Jaar: een getal van %(min)s tot en met %(max)s."))


def _parse_figures(values: dict) -> dict:
    """The figures of ``values`` (strings from a form or CSV, or JSON values), checked; a field that
    is empty or absent is "not entered" (None). Raises a ValidationError naming the first bad field."""
    out: dict = {}
    for name in _COUNT_FIELDS:
        raw = values.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            out[name] = None
        else:
            out[name] = parse_whole_number(raw, name, minimum=0, maximum=MAX_COUNT,
                                           message=N_("Vul een aantal van %(min)s tot en met %(max)s in."))
    raw = values.get("cbs_suppressed")
    if raw is None or raw == "" or raw is False or (isinstance(raw, str) and raw.strip().lower() in ("0", "false", "nee", "no")):
        out["cbs_suppressed"] = False
    elif raw is True or (isinstance(raw, str) and raw.strip().lower() in ("1", "true", "ja", "yes", "on", "<10")):
        out["cbs_suppressed"] = True
    else:
        raise ValidationError(N_("CBS <10: ja of nee."), "cbs_suppressed")
    if out["cbs_suppressed"] and out["cbs_target_group"] is not None:
        raise ValidationError(N_("Vul bij CBS <10 geen aantal in."), "cbs_target_group")
    raw = values.get("goab_budget")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        out["goab_budget"] = None
    else:
        try:
            if isinstance(raw, bool) or not isinstance(raw, (str, int, float, Decimal)):
                raise InvalidOperation
            budget = Decimal(raw.strip().replace(",", ".") if isinstance(raw, str) else str(raw))
            if not budget.is_finite() or budget < 0 or budget > MAX_BUDGET or budget != budget.quantize(Decimal("0.01")):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            raise ValidationError(N_("GOAB-budget: een bedrag in euro's (bijv. 125000 of 125000.50)."),
                                  "goab_budget") from None
        out["goab_budget"] = budget.quantize(Decimal("0.01"))
    return out


def figures_of(municipality: Municipality, year: int) -> MunicipalityFigures | None:
    return db.session.scalar(select(MunicipalityFigures).where(MunicipalityFigures.municipality_id == municipality.id,
                                                               MunicipalityFigures.year == year))


def figures_dict(f: MunicipalityFigures | None) -> dict:
    """The figures as JSON values (budget as a string of euros and cents)."""
    if f is None:
        return dict.fromkeys(FIGURE_FIELDS) | {"cbs_suppressed": False}
    return {"cbs_target_group": f.cbs_target_group, "cbs_suppressed": bool(f.cbs_suppressed),
            "jgz_target_group": f.jgz_target_group,
            "goab_budget": None if f.goab_budget is None else f"{Decimal(f.goab_budget):.2f}",
            "toddlers": f.toddlers, "ve_places": f.ve_places}


def figures_entered(f: MunicipalityFigures | None) -> bool:
    """Whether a municipality's figures of a year are entered: a row with at least one figure (a
    row whose figures were all cleared, its history kept, counts as "not entered" again)."""
    return f is not None and (bool(f.cbs_suppressed) or any(v is not None for k, v in figures_dict(f).items()
                                                            if k != "cbs_suppressed"))


def check_figures(values: dict) -> dict:
    """``values`` checked as set_figures would, without storing anything (the import's dry run)."""
    return _parse_figures(values)


def set_figures(municipality: Municipality, year, by: int | None = None, source: str = "page",
                **values) -> tuple[MunicipalityFigures, bool]:
    """Enter or correct the figures of ``municipality`` for ``year``: every field is replaced (an
    absent one becomes "not entered"). Keeps who (user id ``by``) and when, and a history row for
    each change; storing the same values again changes nothing (returns ``changed`` False), so an
    import can be run twice."""
    year = parse_year(year)
    unknown = sorted(set(values) - set(FIGURE_FIELDS))
    if unknown:
        raise ValidationError(N_("Onbekend veld %(name)s."), unknown[0], params={"name": unknown[0]})
    parsed = _parse_figures(values)
    f = figures_of(municipality, year)
    if f is None:
        f = MunicipalityFigures(municipality_id=municipality.id, year=year)
        db.session.add(f)
    elif figures_dict(f) == figures_dict(MunicipalityFigures(**parsed)):
        return f, False
    for name, value in parsed.items():
        setattr(f, name, value)
    f.updated_at, f.updated_by_id = clock.now(), by
    db.session.flush()
    db.session.add(FiguresChange(figures_id=f.id, changed_at=f.updated_at, changed_by_id=by, source=source[:20],
                                 values=figures_dict(f)))
    db.session.flush()
    return f, True


def figures_history(f: MunicipalityFigures | None) -> list[FiguresChange]:
    if f is None:
        return []
    return list(db.session.scalars(select(FiguresChange).where(FiguresChange.figures_id == f.id)
                                   .order_by(FiguresChange.changed_at.desc(), FiguresChange.id.desc())))


# --- Municipalities and dated region memberships (issue 12.2) -----------------------------------

# The start of a membership that existed before memberships were dated: from the beginning.
SINCE_EVER = dt.date(1900, 1, 1)
CODE_RE = re.compile(r"^GM[0-9]{4}$")


def memberships_of(municipality: Municipality, store: bool = True) -> list[RegionMembership]:
    """The municipality's memberships by date; one without any row belongs to its ``region_id``
    since ever (installs before dated memberships), made explicit (stored) before it is changed;
    ``store=False`` only shows it (pages and listings do not write)."""
    rows = list(db.session.scalars(select(RegionMembership).where(RegionMembership.municipality_id == municipality.id)
                                   .order_by(RegionMembership.valid_from)))
    if not rows:
        implicit = RegionMembership(municipality_id=municipality.id, region_id=municipality.region_id,
                                    valid_from=SINCE_EVER)
        if store:
            db.session.add(implicit)
            db.session.flush()
        else:
            implicit.region = municipality.region
        rows = [implicit]
    return rows


def sync_current_region(municipality: Municipality, today: dt.date | None = None) -> None:
    """Keep ``municipalities.region_id`` the region of the membership in force today (else the next
    one to start, else the last one): code that asks for a municipality's region now reads it."""
    today = today or clock.today()
    rows = memberships_of(municipality)
    now = next((m for m in rows if m.covers(today)), None) or next((m for m in rows if m.valid_from > today), None)
    municipality.region_id = (now or rows[-1]).region_id
    db.session.flush()


def sync_current_regions(today: dt.date | None = None) -> int:
    """``sync_current_region`` for every municipality with dated memberships (the nightly job: a
    membership starting today becomes the current region); returns how many changed."""
    changed = 0
    dated = select(RegionMembership.municipality_id)
    for m in db.session.scalars(select(Municipality).where(Municipality.id.in_(dated))):
        before = m.region_id
        sync_current_region(m, today)
        changed += m.region_id != before
    return changed


def join_region(municipality: Municipality, region: Region, valid_from) -> RegionMembership:
    """``municipality`` belongs to ``region`` from ``valid_from``; an open membership of another
    region ends the day before. Monitors before ``valid_from`` keep their municipalities."""
    day = parse_date(valid_from, "valid_from")
    rows = memberships_of(municipality)
    for m in rows:
        if m.valid_from >= day:
            raise ValidationError(N_("%(municipality)s heeft al een indeling vanaf %(date)s; kies een latere datum."),
                                  "valid_from", params={"municipality": municipality.name,
                                                        "date": m.valid_from.isoformat()})
    current = rows[-1]
    if current.valid_until is None or current.valid_until >= day:
        if current.region_id == region.id:
            raise ValidationError(N_("%(municipality)s hoort op %(date)s al bij %(region)s."), "region",
                                  params={"municipality": municipality.name, "date": day.isoformat(),
                                          "region": region.name})
        current.valid_until = day - dt.timedelta(days=1)
    membership = RegionMembership(municipality_id=municipality.id, region_id=region.id, valid_from=day)
    db.session.add(membership)
    db.session.flush()
    sync_current_region(municipality)
    return membership


def leave_region(municipality: Municipality, region: Region, valid_from) -> RegionMembership:
    """``municipality`` no longer belongs to ``region`` from ``valid_from`` (its last day is the day before)."""
    day = parse_date(valid_from, "valid_from")
    rows = memberships_of(municipality)
    current = next((m for m in rows if m.region_id == region.id and m.covers(day - dt.timedelta(days=1))), None)
    if current is None or day <= current.valid_from:
        raise ValidationError(N_("%(municipality)s hoort op %(date)s niet bij %(region)s."), "valid_from",
                              params={"municipality": municipality.name, "date": day.isoformat(),
                                      "region": region.name})
    if any(m.valid_from > current.valid_from for m in rows):
        raise ValidationError(N_("%(municipality)s heeft al een latere indeling; beëindig die eerst."), "valid_from",
                              params={"municipality": municipality.name})
    current.valid_until = day - dt.timedelta(days=1)
    db.session.flush()
    sync_current_region(municipality)
    return current


def create_municipality(code, name, region: Region, valid_from) -> Municipality:
    """A municipality new to the application, member of ``region`` from ``valid_from``."""
    code = (code or "").strip().upper() if isinstance(code, str) else ""
    if not CODE_RE.match(code):
        raise ValidationError(N_("CBS-code: GM en vier cijfers, bijv. GM0716."), "code")
    if db.session.scalar(select(Municipality.id).where(Municipality.code == code)):
        raise ValidationError(N_("Gemeente %(code)s bestaat al."), "code", params={"code": code})
    if not isinstance(name, str) or not name.strip():
        raise ValidationError(N_("Naam is verplicht."), "name")
    if len(name.strip()) > 120:
        raise ValidationError(N_("Hoogstens 120 tekens."), "name")
    day = parse_date(valid_from, "valid_from")
    m = Municipality(code=code, name=name.strip(), region_id=region.id)
    db.session.add(m)
    db.session.flush()
    db.session.add(RegionMembership(municipality_id=m.id, region_id=region.id, valid_from=day))
    db.session.flush()
    return m


# --- Region targets (issue 12.3) ----------------------------------------------------------------

def set_target(region: Region, kind, pct, valid_from, valid_until=None, by: int | None = None) -> RegionTarget:
    """A target of ``region`` from ``valid_from`` (to ``valid_until``, inclusive, or open). An open
    target of the same kind that started earlier ends the day before; periods may not overlap."""
    if kind not in TARGET_KINDS:
        raise ValidationError(N_("Onbekend doel; kies uit %(choices)s."), "kind",
                              params={"choices": ", ".join(TARGET_KINDS)})
    try:
        if isinstance(pct, bool) or not isinstance(pct, (str, int, float, Decimal)):
            raise InvalidOperation
        value = Decimal(pct.strip().replace(",", ".").rstrip("%") if isinstance(pct, str) else str(pct))
        if not value.is_finite() or not 0 < value <= 100:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise ValidationError(N_("Doel: een percentage groter dan 0 en hoogstens 100."), "pct") from None
    start = parse_date(valid_from, "valid_from")
    end = None if valid_until in (None, "") else parse_date(valid_until, "valid_until")
    if end is not None and end < start:
        raise ValidationError(N_("Einddatum ligt vóór de begindatum."), "valid_until")
    existing = list(db.session.scalars(select(RegionTarget).where(RegionTarget.region_id == region.id,
                                                                  RegionTarget.kind == kind)
                                       .order_by(RegionTarget.valid_from)))
    for t in existing:
        if t.valid_until is None and t.valid_from < start:
            t.valid_until = start - dt.timedelta(days=1)   # the new period takes over
        elif (t.valid_until is None or t.valid_until >= start) and (end is None or end >= t.valid_from):
            raise ValidationError(N_("Overlapt met het doel vanaf %(date)s."), "valid_from",
                                  params={"date": t.valid_from.isoformat()})
    target = RegionTarget(region_id=region.id, kind=kind, pct=value.quantize(Decimal("0.1")), valid_from=start,
                          valid_until=end, set_at=clock.now(), set_by_id=by)
    db.session.add(target)
    db.session.flush()
    return target


def list_targets(region: Region) -> list[RegionTarget]:
    return list(db.session.scalars(select(RegionTarget).where(RegionTarget.region_id == region.id)
                                   .order_by(RegionTarget.kind, RegionTarget.valid_from)))


# --- Capacity per location (issue 12.4) ---------------------------------------------------------

# What a provider (its own locations) and the admin (all of the region's) keep per location, in the
# order of the page and the API. No history: the location keeps who changed it last and when.
CAPACITY_FIELDS = ("ve_places", "opening_days", "setting", "ve_programme")
MAX_PLACES = 1000
WEEKDAYS = (1, 2, 3, 4, 5, 6, 7)   # ISO weekday numbers, Monday 1


def _parse_opening_days(raw) -> str:
    """Weekday numbers as a list (the form's checkboxes, JSON) or a text "1,2,4"; stored sorted."""
    if raw is None or raw == "":
        return ""
    items = raw.replace(" ", ",").split(",") if isinstance(raw, str) else raw
    if not isinstance(items, (list, tuple)):
        raise ValidationError(N_("Openingsdagen: weekdagen 1 (maandag) tot en met 7 (zondag)."), "opening_days")
    days = set()
    for item in items:
        if isinstance(item, str) and not item.strip():
            continue
        day = whole_number(item, WEEKDAYS[0], WEEKDAYS[-1])
        if day is None:
            raise ValidationError(N_("Openingsdagen: weekdagen 1 (maandag) tot en met 7 (zondag)."), "opening_days")
        days.add(day)
    return ",".join(str(d) for d in sorted(days))


def _parse_code(raw, choices: dict, field: str):
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or raw not in choices:
        raise ValidationError(N_("Onbekende keuze; kies uit %(choices)s."), field,
                              params={"choices": ", ".join(choices)})
    return raw


def check_location_capacity(values: dict) -> dict:
    """The capacity fields of ``values`` (form strings or JSON values), checked; empty or absent is
    "not entered". Raises a ValidationError naming the first bad field."""
    from .models import LOCATION_SETTINGS, VE_PROGRAMMES
    unknown = sorted(set(values) - set(CAPACITY_FIELDS) - {"weeks_open"})
    if unknown:
        raise ValidationError(N_("Onbekend veld %(name)s."), unknown[0], params={"name": unknown[0]})
    out = {}
    if "weeks_open" in values:   # the law's dose (issue 11): optional here, absent keeps the location's
        raw = values["weeks_open"]
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            raise ValidationError(N_("Weken open per jaar is verplicht."), "weeks_open")
        out["weeks_open"] = parse_whole_number(raw, "weeks_open", minimum=1, maximum=52)
    raw = values.get("ve_places")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        places = None
    else:
        places = parse_whole_number(raw, "ve_places", minimum=0, maximum=MAX_PLACES,
                                    message=N_("Vul een aantal van %(min)s tot en met %(max)s in."))
    return {"ve_places": places, "opening_days": _parse_opening_days(values.get("opening_days")),
            "setting": _parse_code(values.get("setting"), LOCATION_SETTINGS, "setting"),
            "ve_programme": _parse_code(values.get("ve_programme"), VE_PROGRAMMES, "ve_programme"), **out}


def capacity_dict(location: Location) -> dict:
    """A location's capacity as JSON values (opening days as a list of weekday numbers)."""
    return {"ve_places": location.ve_places,
            "opening_days": [int(d) for d in (location.opening_days or "").split(",") if d],
            "setting": location.setting, "ve_programme": location.ve_programme, "weeks_open": location.weeks_open}


def set_location_capacity(location: Location, by: int | None = None, **values) -> tuple[Location, bool]:
    """Enter or correct a location's capacity: every field is replaced (absent: not entered; but an
    absent ``weeks_open`` keeps the location's, as it is never "not entered"). Keeps
    who (user id ``by``) and when; the same values again change nothing (``changed`` False)."""
    parsed = check_location_capacity(values)
    if all(getattr(location, k) == v or (k == "opening_days" and (location.opening_days or "") == v)
           for k, v in parsed.items()):
        return location, False
    for name, value in parsed.items():
        setattr(location, name, value)
    location.capacity_updated_at, location.capacity_updated_by_id = clock.now(), by
    db.session.flush()
    return location, True
