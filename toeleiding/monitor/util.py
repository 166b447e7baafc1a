"""The monitor's numbers, computed in the database from the case history (read-only).

Definitions (the README's data dictionary repeats them): for a reference date P and a
municipality M, each child counts in its municipality of residence at P, reading the history by
effective date, not by the time things were recorded.

- *History at P*: the case's events with ``effective_date <= P``. Transitions after the
  registration have non-decreasing effective dates (the services refuse anything else), so the
  state at P is ``to_state`` of the event with the highest ``seq`` among them (moves excepted:
  they do not change the state; nor do renames of a stored name,
  ``flask workflow rename-*``). Ordering by ``seq`` rather than by date matters for one case
  only: the registration event, dated the day it was typed in, may postdate the indication a
  nurse back-dated to the visit.
- *Residence at P*: the municipality of the latest ``move`` with ``effective_date <= P``, else
  the municipality the child was registered in.
- *Age at P*: completed months from the first day of the birth month to P. Only the birth
  month is stored in clear; the day of birth stays encrypted. A child can therefore look up to
  one month older than it is, never younger.

One query per monitor: a single GROUP BY over the history per case (the state event is picked
with an arg-max: the highest ``seq * 2**SHIFT + payload``; each history row carries the birth
month, so the cases are not read), grouped again by municipality. No decryption, no Python loop over cases: Python only
turns the few dozen aggregate rows into cells.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import BigInteger, and_, case, cast, func, literal, or_, select, text

from .. import clock
from ..cases.models import CaseEvent
from ..cases.residence import MOVE_TRIGGER
from ..errors import N_, NotPermitted, ValidationError
from ..extensions import db
from ..organisations.models import Location, Municipality, MunicipalityFigures, Region
from ..workflow import current_workflow
from ..workflow.definition import Status
from ..workflow.definition import RENAME_EVENT as RENAME_TRIGGER
from .models import RecodeCategory, Recoding

MAX_AGE_MONTHS = 48

# What the state at P means for the monitor is the workflow file's (states: monitor): the
# statuses below, by their codes in the packed value. A case in a final state counts by its
# outcome (outcomes: monitor): closed without placement (after an indication) counts as not
# reached with the reason ``closed``; any other outcome, or closing before any indication, is
# outside the target group (not target group, moved out of the region, left for school).
OUTSIDE, NOT_YET_PLACED, WAITLISTED, PLACED, NOT_REACHED = 0, 1, 2, 3, 4
STATUS_CODES = {Status.OUTSIDE: OUTSIDE, Status.NOT_YET_PLACED: NOT_YET_PLACED, Status.WAITLISTED: WAITLISTED,
                Status.PLACED: PLACED, Status.NOT_REACHED: NOT_REACHED}
CLOSED_REASON = "closed"   # the monitor's own reason cell (not_reached_closed), not a workflow name

# Layout of the packed arg-max value: seq | status (3 bits) | reason (8 bits) | location id (32 bits).
_LOC_BITS, _REASON_BITS, _STATUS_BITS = 32, 8, 3
_REASON_SHIFT = 2 ** _LOC_BITS
_STATUS_SHIFT = 2 ** (_LOC_BITS + _REASON_BITS)
_SEQ_SHIFT = 2 ** (_LOC_BITS + _REASON_BITS + _STATUS_BITS)
_HOME_SHIFT = 2 ** 32


def _big(n: int):
    """A 64-bit literal: PostgreSQL would type a bare bind parameter as a 32-bit integer."""
    return literal(n, BigInteger)

# Who reads the monitor (aggregates only): the municipality, the region's administrator, and the
# CJG that recodes the 'other' reasons it shows.
MONITOR_ROLES = ("gemeente", "admin", "cjg")

COUNT_CELLS_HEAD = ("target_group", "placed", "waitlisted", "not_reached")
COUNT_CELLS_TAIL = ("not_yet_placed", "placed_elsewhere")
FIGURE_CELLS = ("reach_pct", "cbs_target_group", "goab_budget", "budget_per_target_child")


@dataclass
class MonitorData:
    """The unsuppressed numbers of one region at one reference date."""
    region: Region
    peildatum: dt.date
    municipalities: list[tuple[str, str]]        # (code, name), by name
    reasons: list[str]                            # reason keys, in column order
    reason_labels: dict[str, str]
    counts: dict[str, dict[str, int]]             # row (code or "total") -> count cell -> value
    flows: dict[str, dict[str, int]]              # residence code -> location municipality code -> placed
    figures: dict[str, dict] = field(default_factory=dict)   # code or "total" -> cbs/goab figures

    @property
    def rows(self) -> list[str]:
        return [code for code, _ in self.municipalities] + ["total"]

    @property
    def count_cells(self) -> list[str]:
        return count_cells(self.reasons)


def count_cells(reasons: list[str]) -> list[str]:
    return [*COUNT_CELLS_HEAD, *(f"not_reached_{r}" for r in reasons), *COUNT_CELLS_TAIL]


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


def reason_keys(region: Region) -> tuple[list[str], dict[str, str]]:
    """The workflow's reasons, the region's own categories, then ``closed``; with Dutch labels."""
    labels = dict(current_workflow().reasons)
    for cat in db.session.scalars(select(RecodeCategory).where(RecodeCategory.region_id == region.id)
                                  .order_by(RecodeCategory.code)):
        labels.setdefault(cat.code, cat.label)
    labels[CLOSED_REASON] = "Afgesloten zonder plaatsing"
    return list(labels), labels


def monitor_query(peildatum: dt.date, municipality_ids: list[int], youngest: dict[int, dt.date],
                  reasons: list[str], category_codes: dict[int, str]):
    """The one query: counts per (residence, status, reason, municipality of the location).

    ``youngest`` maps each municipality to the latest birth month its definition in force at P
    admits (no definition: absent, and the municipality counts no one).
    """
    e = CaseEvent.__table__.alias("e")
    r = Recoding.__table__.alias("r")
    on_p = e.c.effective_date <= peildatum
    reason_index = {key: i + 1 for i, key in enumerate(reasons)}

    recoded = [r.c.reason]
    if category_codes:
        recoded.append(case(*((r.c.category_id == cid, literal(code)) for cid, code in category_codes.items())))
    wf = current_workflow()
    # A reason no longer in the file counts as the catch-all (check-data keeps that from happening).
    fallback = reason_index[(wf.explained_reasons() or tuple(wf.reasons))[-1]]
    reason_code = case(
        *((e.c.trigger == trigger,
           case(*((func.coalesce(*recoded, e.c.data[field].as_string()) == key, idx)
                  for key, idx in reason_index.items()), else_=fallback))
          for trigger, field in wf.reason_fields().items()),
        (e.c.to_state.in_(wf.final_states), reason_index[CLOSED_REASON]),
        else_=0)
    outcome = next((f.name for t in wf.transitions.values() for f in t.fields.values()
                    if f.case_attribute == "outcome"), None)
    closed_unplaced = wf.outcomes_meaning("closed_without_placement")
    status = case(
        *((e.c.to_state == state, STATUS_CODES[meaning]) for state, meaning in wf.monitor_status.items()),
        *(((and_(e.c.to_state.in_(wf.final_states), e.c.from_state != wf.initial,
                 e.c.data[outcome].as_string().in_(closed_unplaced)), NOT_REACHED),) if outcome else ()),
        else_=OUTSIDE)
    state_key = func.max(case(
        (and_(e.c.trigger.not_in((MOVE_TRIGGER, RENAME_TRIGGER)), on_p),
         cast(e.c.seq, BigInteger) * _big(_SEQ_SHIFT) + status * _big(_STATUS_SHIFT)
         + reason_code * _big(_REASON_SHIFT) + func.coalesce(e.c.location_id, 0)),
        else_=None)).label("state_key")
    home_key = func.max(case(
        (or_(e.c.seq == 1, and_(e.c.trigger == MOVE_TRIGGER, on_p)), cast(e.c.seq, BigInteger) * _big(_HOME_SHIFT) + e.c.municipality_id),
        else_=None)).label("home_key")

    oldest = clock.add_months(peildatum.replace(day=1), -(MAX_AGE_MONTHS - 1))
    latest = max(youngest.values())
    # The history alone, no join with the cases: each row carries the birth month, and its
    # municipality of residence at the time, which always lies in the case's region (a move out
    # of the region closes the case), so filtering rows on it keeps whole histories.
    per_case = (select(e.c.case_id, e.c.birth_month, state_key, home_key)
                .select_from(e.outerjoin(r, r.c.case_event_id == e.c.id))
                .where(e.c.birth_month >= oldest, e.c.birth_month <= latest,
                       e.c.municipality_id.in_(municipality_ids), or_(on_p, e.c.seq == 1),
                       # Exact: every event of a child in the age window lies on or after its
                       # birth, so on or after `oldest`.
                       e.c.effective_date >= oldest)
                .group_by(e.c.case_id, e.c.birth_month)
                .subquery("per_case"))

    home = (per_case.c.home_key % _big(_HOME_SHIFT)).label("home")
    status_col = ((per_case.c.state_key // _big(_STATUS_SHIFT)) % (2 ** _STATUS_BITS)).label("status")
    reason_col = ((per_case.c.state_key // _big(_REASON_SHIFT)) % (2 ** _REASON_BITS)).label("reason")
    location_col = per_case.c.state_key % _big(_REASON_SHIFT)
    admits = case(*((home == mid, literal(day)) for mid, day in youngest.items()), else_=None)
    located = (select(home, status_col, reason_col, Location.municipality_id.label("location_municipality"),
                      func.count().label("n"))
               .select_from(per_case.outerjoin(Location, Location.id == location_col))
               .where(per_case.c.state_key.is_not(None), per_case.c.birth_month <= admits)
               .group_by(home, status_col, reason_col, Location.municipality_id))
    return located


def compute_monitor(region: Region, peildatum: dt.date) -> MonitorData:
    """The live, unsuppressed monitor of ``region`` at ``peildatum``."""
    return compute_monitors([region], peildatum)[0]


def compute_monitors(regions: list[Region], peildatum: dt.date) -> list[MonitorData]:
    """The monitors of several regions at ``peildatum``, all municipalities in one query."""
    prepared, ids, youngest, reasons, categories = [], [], {}, [], {}
    for region in regions:
        municipalities = list(db.session.scalars(select(Municipality).where(Municipality.region_id == region.id)
                                                 .order_by(Municipality.name)))
        region_reasons, labels = reason_keys(region)
        prepared.append((region, municipalities, region_reasons, labels))
        reasons += [r for r in region_reasons if r not in reasons]
        for m in municipalities:
            ids.append(m.id)
            d = m.definition_on(peildatum)
            if d is not None:
                youngest[m.id] = clock.add_months(peildatum.replace(day=1), -d.min_age_months)
        categories.update(db.session.execute(select(RecodeCategory.id, RecodeCategory.code)
                                             .where(RecodeCategory.region_id == region.id)).all())
    rows = []
    if youngest:
        _tune_session()
        rows = db.session.execute(monitor_query(peildatum, ids, youngest, reasons, categories)).all()
    out = []
    for region, municipalities, region_reasons, labels in prepared:
        counts, flows = _empty_tables(municipalities, region_reasons)
        _fill(counts, flows, rows, {m.id: m.code for m in municipalities}, reasons)
        data = MonitorData(region=region, peildatum=peildatum, municipalities=[(m.code, m.name) for m in municipalities],
                           reasons=region_reasons, reason_labels=labels, counts=counts, flows=flows)
        data.figures = figures_for(municipalities, peildatum.year)
        out.append(data)
    return out


def _tune_session() -> None:
    """PostgreSQL settings for this transaction only: JIT would spend seconds compiling the packed
    CASE expressions (bench: 3.2 s of 4.3 s at a million cases) to save far less, and the per-case
    aggregate fits in memory instead of spilling its sort to disk."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))
        db.session.execute(text("SET LOCAL work_mem = '128MB'"))


def _empty_tables(municipalities, reasons):
    cells = count_cells(reasons)
    counts = {row: dict.fromkeys(cells, 0) for row in [m.code for m in municipalities] + ["total"]}
    codes = [m.code for m in municipalities]
    flows = {row: dict.fromkeys(codes, 0) for row in codes + ["total"]}
    return counts, flows


def _fill(counts, flows, rows, code_of: dict[int, str], reasons: list[str]) -> None:
    """Aggregate rows (a few per municipality) into the cells, row totals and the region total."""
    status_cell = {NOT_YET_PLACED: "not_yet_placed", WAITLISTED: "waitlisted", PLACED: "placed",
                   NOT_REACHED: "not_reached"}
    for home, status, reason, location_municipality, n in rows:
        code = code_of.get(home)
        if code is None or status == OUTSIDE:
            continue
        for row in (code, "total"):
            target = counts[row]
            target["target_group"] += n
            target[status_cell[status]] += n
            if status == NOT_REACHED:
                target[f"not_reached_{reasons[reason - 1]}"] += n
            if status == PLACED and location_municipality != home:
                target["placed_elsewhere"] += n
        if status == PLACED:
            where = code_of.get(location_municipality)
            if where is not None:
                flows[code][where] += n
                flows["total"][where] += n


def figures_for(municipalities, year: int) -> dict[str, dict]:
    """CBS target group and GOAB budget of ``year`` per municipality, and their region totals.

    A region total is only given when every municipality has its figure; a CBS "<10" makes the
    CBS total unknown too.
    """
    rows = {f.municipality_id: f for f in db.session.scalars(
        select(MunicipalityFigures).where(MunicipalityFigures.year == year,
                                          MunicipalityFigures.municipality_id.in_([m.id for m in municipalities])))}
    out: dict[str, dict] = {}
    for m in municipalities:
        f = rows.get(m.id)
        out[m.code] = {"cbs_target_group": f.cbs_target_group if f else None,
                       "cbs_suppressed": bool(f and f.cbs_suppressed), "goab_budget": f.goab_budget if f else None}
    entries = list(out.values())
    cbs_known = bool(entries) and all(x["cbs_target_group"] is not None and not x["cbs_suppressed"] for x in entries)
    goab_known = bool(entries) and all(x["goab_budget"] is not None for x in entries)
    out["total"] = {"cbs_target_group": sum(x["cbs_target_group"] for x in entries) if cbs_known else None,
                    "cbs_suppressed": False,
                    "goab_budget": sum((x["goab_budget"] for x in entries), Decimal(0)) if goab_known else None}
    return out


# --- Presentation: cells as the API, the page and the downloads show them ---------------------

def _count_display(v: int) -> str:
    return str(v)


def _pct(numerator: int, denominator: int) -> float | None:
    return None if not denominator else round(100 * numerator / denominator, 1)


def _euros(v) -> str:
    return f"€ {Decimal(v).quantize(Decimal(1)):f}"


def monitor_lines(data: MonitorData) -> list:
    """Every sum the published tables show, for suppression: rows, columns, region total, flows."""
    from .suppression import Line, table_lines
    municipalities = [code for code, _ in data.municipalities]
    groups = [("target_group", ("placed", "waitlisted", "not_reached", "not_yet_placed")),
              ("not_reached", tuple(f"not_reached_{r}" for r in data.reasons))]
    lines = table_lines(municipalities, groups, data.count_cells)
    # Placements by municipality of the location: each row sums to the municipality's `placed`,
    # of which the part outside it is `placed_elsewhere`.
    for home in municipalities:
        lines.append(Line(("monitor", home, "placed"), tuple(("flows", home, loc) for loc in municipalities)))
        lines.append(Line(("monitor", home, "placed"), (("flows", home, home), ("monitor", home, "placed_elsewhere"))))
    for loc in municipalities:
        lines.append(Line(("flows", "total", loc), tuple(("flows", home, loc) for home in municipalities)))
    lines.append(Line(("monitor", "total", "placed"), tuple(("flows", "total", loc) for loc in municipalities)))
    return lines


def monitor_values(data: MonitorData) -> dict:
    values = {("monitor", row, cell): v for row, cells in data.counts.items() for cell, v in cells.items()}
    values.update({("flows", row, col): v for row, cols in data.flows.items() for col, v in cols.items()})
    return values


def present(data: MonitorData, threshold: int | None) -> dict:
    """Cells ``{"value", "display"}`` per row (and flows); ``threshold=None`` shows everything (admin).

    Returns ``{"rows": {row: {cell: ...}}, "flows": {row: {location code: ...}}}``.
    """
    from .suppression import LARGE, SMALL, suppress
    values = monitor_values(data)
    hidden = suppress(values, monitor_lines(data), threshold) if threshold is not None else {}

    def cell(key) -> dict:
        v = values[key]
        if key in hidden:
            return {"value": None, "display": {SMALL: f"<{threshold}", LARGE: "x"}.get(hidden[key], ".")}
        return {"value": v, "display": _count_display(v)}

    rows = {}
    for row in data.rows:
        cells = {name: cell(("monitor", row, name)) for name in data.count_cells}
        counts = data.counts[row]
        pct = _pct(counts["placed"], counts["target_group"])
        if ("monitor", row, "placed") in hidden or ("monitor", row, "target_group") in hidden:
            cells["reach_pct"] = {"value": None, "display": "x"}
        else:
            cells["reach_pct"] = {"value": pct, "display": "-" if pct is None else f"{pct:.1f}%"}
        fig = data.figures.get(row, {})
        if fig.get("cbs_suppressed"):
            cells["cbs_target_group"] = {"value": None, "display": "<10"}   # CBS's own publication
        elif fig.get("cbs_target_group") is None:
            cells["cbs_target_group"] = {"value": None, "display": "-"}
        else:
            cells["cbs_target_group"] = {"value": fig["cbs_target_group"], "display": str(fig["cbs_target_group"])}
        budget = fig.get("goab_budget")
        cells["goab_budget"] = ({"value": None, "display": "-"} if budget is None
                                else {"value": int(Decimal(budget).quantize(Decimal(1))), "display": _euros(budget)})
        if budget is not None and ("monitor", row, "target_group") in hidden:
            # The budget is public: beside it, the amount per child (or "-" for no child) would
            # give the count away.
            cells["budget_per_target_child"] = {"value": None, "display": "x"}
        elif budget is None or not counts["target_group"]:
            cells["budget_per_target_child"] = {"value": None, "display": "-"}
        else:
            per_child = (Decimal(budget) / counts["target_group"]).quantize(Decimal(1))
            cells["budget_per_target_child"] = {"value": int(per_child), "display": _euros(per_child)}
        rows[row] = cells
    flows = {row: {col: cell(("flows", row, col)) for col in data.flows[row]} for row in data.flows}
    return {"rows": rows, "flows": flows, "hidden": len(hidden)}


CELL_ORDER_FIGURES = FIGURE_CELLS


def cell_names(reasons: list[str]) -> list[str]:
    """Every cell of a row, in the documented column order of the API and the downloads."""
    head = list(COUNT_CELLS_HEAD)
    return [*head, *(f"not_reached_{r}" for r in reasons), "not_yet_placed", "reach_pct", "placed_elsewhere",
            "cbs_target_group", "goab_budget", "budget_per_target_child"]


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
                              params={"date": f"{EARLIEST_PEILDATUM:%d-%m-%Y}"})
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


def monitor_json(data: MonitorData, threshold: int | None, presented: dict | None = None) -> dict:
    """The API's shape: ``{"peildatum", "region", "threshold", "municipalities", "total"}``."""
    presented = presented or present(data, threshold)
    names = cell_names(data.reasons)
    return {
        "peildatum": data.peildatum.isoformat(),
        "region": data.region.slug,
        "threshold": threshold,
        "municipalities": [{"code": code, "name": name,
                            "cells": {c: presented["rows"][code][c] for c in names}}
                           for code, name in data.municipalities],
        "total": {"cells": {c: presented["rows"]["total"][c] for c in names}},
    }


def flows_json(data: MonitorData, threshold: int | None, presented: dict | None = None) -> dict:
    """Placed children by municipality of residence (rows) and of the VE location (cells)."""
    presented = presented or present(data, threshold)
    rows = presented["rows"]
    codes = [code for code, _ in data.municipalities]

    def cells(row):
        out = {code: presented["flows"][row][code] for code in codes}
        out["placed"] = rows[row]["placed"]
        return out
    return {"peildatum": data.peildatum.isoformat(), "region": data.region.slug, "threshold": threshold,
            "municipalities": [{"code": code, "name": name, "cells": cells(code)} for code, name in data.municipalities],
            "total": {"cells": cells("total")}}


def publications_of(region: Region) -> list:
    from .models import MonitorPublication
    return list(db.session.scalars(select(MonitorPublication).where(MonitorPublication.region_id == region.id)
                                   .order_by(MonitorPublication.peildatum.desc())))


def find_publication(region: Region, peildatum: dt.date):
    from ..errors import NotFound
    from .models import MonitorPublication
    pub = db.session.scalar(select(MonitorPublication).where(MonitorPublication.region_id == region.id,
                                                             MonitorPublication.peildatum == peildatum))
    if pub is None:
        raise NotFound(N_("Geen gepubliceerde monitor van %(region)s op %(date)s."),
                       params={"region": region.name, "date": f"{peildatum:%d-%m-%Y}"})
    return pub


def published_data(pub) -> MonitorData:
    """The frozen numbers of a publication, as they were computed when it was published."""
    municipalities = list(db.session.scalars(select(Municipality).where(Municipality.region_id == pub.region_id)
                                             .order_by(Municipality.name)))
    current, labels = reason_keys(pub.region)
    counts: dict = defaultdict(dict)
    flows: dict = defaultdict(dict)
    figures: dict = defaultdict(dict)
    for c in pub.cells:
        value = c.value
        if c.part == "monitor":
            counts[c.row][c.column] = int(value)
        elif c.part == "flows":
            flows[c.row][c.column] = int(value)
        elif c.column == "cbs_suppressed":
            figures[c.row][c.column] = bool(value)
        else:
            figures[c.row][c.column] = (None if value is None else
                                        int(value) if c.column == "cbs_target_group" else value)
    stored = {col.removeprefix("not_reached_") for cells in counts.values() for col in cells
              if col.startswith("not_reached_")}
    reasons = [r for r in current if r in stored] + sorted(stored - set(current))
    known = [(m.code, m.name) for m in municipalities if m.code in counts]
    return MonitorData(region=pub.region, peildatum=pub.peildatum, municipalities=known, reasons=reasons,
                       reason_labels={r: labels.get(r, r) for r in reasons}, counts=dict(counts),
                       flows=dict(flows), figures=dict(figures))


def differences(live: MonitorData, published: MonitorData, threshold: int | None,
                published_threshold: int | None) -> dict:
    """Live minus published per count cell, for a reader who sees the live monitor suppressed at
    ``threshold`` and the publication at ``published_threshold`` (both None: the admin).

    A difference is shown in full where both sides are shown, since the reader can subtract them
    anyway, and is hidden (``x``) where either side is: a small difference between two shown counts
    is no secret, the protection lies in which live dates may be read (readable_peildatum).
    """
    live_cells = present(live, threshold)["rows"]
    pub_cells = present(published, published_threshold)["rows"]
    names = published.count_cells
    out = {}
    for row in published.rows:
        cells = {}
        for name in names:
            a = live_cells.get(row, {}).get(name, {"value": 0}) if name in live.count_cells else {"value": 0}
            b = pub_cells[row][name]
            if a["value"] is None or b["value"] is None:
                cells[name] = {"value": None, "display": "x"}
                continue
            d = a["value"] - b["value"]
            cells[name] = {"value": d, "display": f"{d:+d}" if d else "0"}
        out[row] = cells
    return out


def refuse_ending_a_published_definition(definition, until: dt.date) -> None:
    """The monitor computes a municipality's target group from the definition in force on the
    reference date; a publication froze those figures. Ending a period before a published
    reference date it covered would make the live monitor for that date disagree with what was
    published (registered with organisations' DEFINITION_END_CHECKS)."""
    from .models import MonitorPublication
    covered = select(func.max(MonitorPublication.peildatum)).where(
        MonitorPublication.region_id == definition.municipality.region_id,
        MonitorPublication.peildatum > until, MonitorPublication.peildatum >= definition.valid_from)
    if definition.valid_until is not None:
        covered = covered.where(MonitorPublication.peildatum <= definition.valid_until)
    published = db.session.scalar(covered)
    if published is not None:
        raise ValidationError(N_("De monitor is gepubliceerd op peildatum %(date)s met deze definitie; "
                                 "laat de periode niet eerder eindigen."), "valid_until",
                              params={"date": published.isoformat()})
