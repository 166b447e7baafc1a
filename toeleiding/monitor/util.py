"""The monitor's numbers, computed in the database from the case history (read-only). Who may
read which reference date is access.py; how the numbers are shown, suppressed, is presentation.py.

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

from sqlalchemy import BigInteger, Date, Integer, and_, case, cast, func, literal, or_, select, text

from .. import clock
from ..cases.dose import (DAYS_PER_YEAR_OF_WEEKS, DEFAULT_WEEKS_OPEN, END_MONTHS, LATE_START_MONTHS, LEGAL_HOURS,
                          LEGAL_HOURS_PER_WEEK, WEEK_CAP)
from ..cases.models import CaseEvent
from ..cases.residence import MOVE_TRIGGER
from ..errors import N_, ValidationError
from ..extensions import db
from ..organisations.models import Location, Municipality, MunicipalityFigures, Region
from ..organisations.operations import figures_entered
from ..organisations.util import municipalities_on, targets_on
from ..workflow import current_workflow
from ..workflow.definition import HOURS_FIELD, STEP_MEANINGS, Status
from ..workflow.definition import CORRECT_EVENT, RENAME_EVENT as RENAME_TRIGGER
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

# Layout of the packed arg-max value: seq | stopped early (1 bit) | status (3 bits) | reason (8 bits)
# | location id (32 bits). "Stopped early": the state event is a step the workflow file marks so
# (transitions: monitor: stopped_early).
_LOC_BITS, _REASON_BITS, _STATUS_BITS, _FLAG_BITS = 32, 8, 3, 1
_REASON_SHIFT = 2 ** _LOC_BITS
_STATUS_SHIFT = 2 ** (_LOC_BITS + _REASON_BITS)
_FLAG_SHIFT = 2 ** (_LOC_BITS + _REASON_BITS + _STATUS_BITS)
_SEQ_SHIFT = 2 ** (_LOC_BITS + _REASON_BITS + _STATUS_BITS + _FLAG_BITS)
_HOME_SHIFT = 2 ** 32


def _big(n: int):
    """A 64-bit literal: PostgreSQL would type a bare bind parameter as a 32-bit integer."""
    return literal(n, BigInteger)


COUNT_CELLS_HEAD = ("target_group", "placed", "waitlisted", "not_reached")
COUNT_CELLS_TAIL = ("not_yet_placed", "placed_elsewhere")
# Counts of steps (issue 11): children of the target group whose referral a provider declined by
# P; children not reached at P because they stopped VE early. The workflow file's step meanings
# (transitions: monitor) say which triggers these are. A publication made before these cells
# existed has none (MonitorData.count_cells leaves them out there).
STEP_CELLS = ("referrals_declined", "stopped_early")
# The law's dose (issue 11): placed children projected below 960 hours of VE by age 4, those who
# started VE older than 30 months, those placed for fewer than 16 hours a week at P (cases/dose.py
# defines the projection; _dose_per_case computes it here in SQL). Each is a part of `placed`.
DOSE_CELLS = ("below_960_hours", "started_after_30_months", "below_16_hours_per_week")
# CBS counts the target group aged 2.5 to 4 (issue 12): the target group split at 30 months, so
# a definition that starts at 24 months is still compared with CBS over the same ages. The two
# parts sum to `target_group` (a suppression line).
CBS_BAND_MONTHS = 30
CBS_BAND_CELLS = ("target_group_from_30_months", "target_group_under_30_months")
# Cells a publication made before they existed lacks.
OPTIONAL_CELLS = (*STEP_CELLS, *DOSE_CELLS, *CBS_BAND_CELLS)
DECLINED_MEANING, STOPPED_MEANING = STEP_MEANINGS
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
    targets: dict[str, Decimal] = field(default_factory=dict)   # target kind -> percentage in force at P
    # Capacity (issue 12.4): code or "total" -> location_places, waitlist_length, waitlist_median_days
    # (and, in "total", waitlist_other: waiting at locations outside the region). Empty in a
    # publication made before these cells existed.
    capacity: dict[str, dict] = field(default_factory=dict)

    @property
    def rows(self) -> list[str]:
        return [code for code, _ in self.municipalities] + ["total"]

    @property
    def count_cells(self) -> list[str]:
        present = self.counts.get("total", {})
        return [c for c in count_cells(self.reasons) if c not in OPTIONAL_CELLS or c in present]


def count_cells(reasons: list[str]) -> list[str]:
    return [*COUNT_CELLS_HEAD, *(f"not_reached_{r}" for r in reasons), *COUNT_CELLS_TAIL, *STEP_CELLS, *DOSE_CELLS,
            *CBS_BAND_CELLS]


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
    """The one query: counts per (residence, status, reason, municipality of the location, ...);
    for children on the waiting list at P also per day their state's step took effect (the
    capacity cells, issue 12.4).

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
    stopped = wf.triggers_meaning(STOPPED_MEANING)
    flag = case((e.c.trigger.in_(stopped), 1), else_=0) if stopped else literal(0)
    state_key = func.max(case(
        (and_(e.c.trigger.not_in((MOVE_TRIGGER, RENAME_TRIGGER, CORRECT_EVENT)), on_p),
         cast(e.c.seq, BigInteger) * _big(_SEQ_SHIFT) + flag * _big(_FLAG_SHIFT) + status * _big(_STATUS_SHIFT)
         + reason_code * _big(_REASON_SHIFT) + func.coalesce(e.c.location_id, 0)),
        else_=None)).label("state_key")
    declining = wf.triggers_meaning(DECLINED_MEANING)
    declined_key = (func.max(case((and_(e.c.trigger.in_(declining), on_p), 1), else_=0)) if declining
                    else literal(0)).label("declined")
    # The day the latest step into a waiting-list state took effect: for a child waiting at P that
    # is its state's step (effective dates never decrease along the history).
    waiting_states = [state for state, meaning in wf.monitor_status.items() if STATUS_CODES[meaning] == WAITLISTED]
    waiting_since = func.max(case(
        (and_(e.c.to_state.in_(waiting_states), e.c.trigger.not_in((MOVE_TRIGGER, RENAME_TRIGGER, CORRECT_EVENT)), on_p),
         e.c.effective_date), else_=None)).label("waiting_since")
    home_key = func.max(case(
        (or_(e.c.seq == 1, and_(e.c.trigger == MOVE_TRIGGER, on_p)), cast(e.c.seq, BigInteger) * _big(_HOME_SHIFT) + e.c.municipality_id),
        else_=None)).label("home_key")

    oldest = clock.add_months(peildatum.replace(day=1), -(MAX_AGE_MONTHS - 1))
    latest = max(youngest.values())
    # The history alone, no join with the cases: each row carries the birth month, and its
    # municipality of residence at the time, which always lies in the case's region (a move out
    # of the region closes the case), so filtering rows on it keeps whole histories.
    per_case = (select(e.c.case_id, e.c.birth_month, state_key, home_key, declined_key, waiting_since)
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
    flag_col = ((per_case.c.state_key // _big(_FLAG_SHIFT)) % (2 ** _FLAG_BITS)).label("stopped")
    admits = case(*((home == mid, literal(day)) for mid, day in youngest.items()), else_=None)
    dose = _dose_per_case(wf, peildatum, municipality_ids, oldest, latest)
    below_960, late_start, below_16 = _dose_flags(dose, func.coalesce(Location.weeks_open, DEFAULT_WEEKS_OPEN))
    # At least 30 months old at P by birth month, as the definition's own minimum age is read.
    in_band = case((per_case.c.birth_month <= clock.add_months(peildatum.replace(day=1), -CBS_BAND_MONTHS), 1),
                   else_=0).label("cbs_band")
    waiting_col = case((status_col == WAITLISTED, per_case.c.waiting_since), else_=None).label("waiting_since")
    located = (select(home, status_col, reason_col, Location.municipality_id.label("location_municipality"),
                      flag_col, per_case.c.declined, below_960, late_start, below_16, in_band, waiting_col,
                      func.count().label("n"))
               .select_from(per_case.outerjoin(Location, Location.id == location_col)
                            .outerjoin(dose, dose.c.case_id == per_case.c.case_id))
               .where(per_case.c.state_key.is_not(None), per_case.c.birth_month <= admits)
               .group_by(home, status_col, reason_col, Location.municipality_id, flag_col, per_case.c.declined,
                         below_960, late_start, below_16, in_band, waiting_col))
    return located


def _day_count(later, earlier):
    """Days from ``earlier`` to ``later`` (dates) in SQL: PostgreSQL subtracts dates, SQLite has julianday."""
    if db.session.get_bind().dialect.name == "postgresql":
        return later - earlier
    return cast(func.julianday(later) - func.julianday(earlier), Integer)


def _end_of_ve(birth_month):
    """cases/dose.py end_of_ve in SQL: the birth month plus END_MONTHS months."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(birth_month + func.make_interval(0, END_MONTHS), Date)
    return func.date(birth_month, f"+{END_MONTHS} months")


def _dose_per_case(wf, peildatum: dt.date, municipality_ids: list[int], oldest: dt.date, latest: dt.date):
    """Per case, from the steps recording hours a week and those ending a placement, with an
    effective date up to P (cases/dose.py): ``hour_days`` (sum of min(hours, 30) x days to the end
    of VE), ``age_at_start`` (completed months at the first placement) and ``hours_now``.

    Only these steps are read (by the trigger index), each paired with the next by one window."""
    steps, ending = wf.hours_triggers()
    h = CaseEvent.__table__.alias("h")
    if not steps:
        return (select(h.c.case_id, literal(0).label("hour_days"), literal(None, Integer).label("age_at_start"),
                       literal(None, Integer).label("hours_now")).where(literal(False)).subquery("dose"))
    hours = case((h.c.trigger.in_(steps), func.coalesce(h.c.data[HOURS_FIELD].as_integer(), 0)), else_=0)
    seg = (select(h.c.case_id, h.c.seq, h.c.effective_date.label("start"), h.c.birth_month, hours.label("hours"),
                  case((h.c.trigger.in_(steps), h.c.age_months), else_=None).label("age_months"),
                  func.lead(h.c.effective_date).over(partition_by=h.c.case_id, order_by=h.c.seq).label("next"))
           .where(h.c.trigger.in_((*steps, *ending)), h.c.effective_date <= peildatum, h.c.birth_month >= oldest,
                  h.c.birth_month <= latest, h.c.municipality_id.in_(municipality_ids))
           .subquery("seg"))
    end = _end_of_ve(seg.c.birth_month)
    until = case((seg.c.next < end, seg.c.next), else_=end)
    days = _day_count(until, seg.c.start)
    capped = case((seg.c.hours > WEEK_CAP, WEEK_CAP), else_=seg.c.hours)
    counted = case((days > 0, capped * days), else_=0)
    return (select(seg.c.case_id, func.sum(counted).label("hour_days"), func.min(seg.c.age_months).label("age_at_start"),
                   (func.max(cast(seg.c.seq, BigInteger) * 64 + seg.c.hours) % 64).label("hours_now"))
            .group_by(seg.c.case_id).subquery("dose"))


def _dose_flags(dose, weeks_open):
    """The three dose flags of a case (0/1), from its row of _dose_per_case (none: all 0)."""
    below_960 = case((dose.c.hour_days * weeks_open < LEGAL_HOURS * DAYS_PER_YEAR_OF_WEEKS, 1), else_=0)
    late = case((dose.c.age_at_start > LATE_START_MONTHS, 1), else_=0)
    below_16 = case((dose.c.hours_now < LEGAL_HOURS_PER_WEEK, 1), else_=0)
    return below_960.label("below_960"), late.label("late_start"), below_16.label("below_16")


def compute_monitor(region: Region, peildatum: dt.date) -> MonitorData:
    """The live, unsuppressed monitor of ``region`` at ``peildatum``."""
    return compute_monitors([region], peildatum)[0]


def compute_monitors(regions: list[Region], peildatum: dt.date) -> list[MonitorData]:
    """The monitors of several regions at ``peildatum``, all municipalities in one query."""
    prepared, ids, youngest, reasons, categories = [], [], {}, [], {}
    for region in regions:
        # The municipalities of the region at P (dated memberships): one that joins later, or left
        # earlier, changes no monitor before that date.
        municipalities = municipalities_on(region.id, peildatum)
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
    # The waiting children by residence, municipality of the location and first day on the list.
    waits = [(row.home, row.location_municipality, row.waiting_since, row.n) for row in rows
             if row.status == WAITLISTED]
    out = []
    for region, municipalities, region_reasons, labels in prepared:
        counts, flows = _empty_tables(municipalities, region_reasons)
        _fill(counts, flows, rows, {m.id: m.code for m in municipalities}, reasons)
        data = MonitorData(region=region, peildatum=peildatum, municipalities=[(m.code, m.name) for m in municipalities],
                           reasons=region_reasons, reason_labels=labels, counts=counts, flows=flows)
        data.figures = figures_for(municipalities, peildatum.year)
        data.targets = targets_for(region, peildatum)
        data.capacity = capacity_for(municipalities, waits, peildatum, {m.id: m.code for m in municipalities})
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
    for home, status, reason, location_municipality, stopped, declined, below_960, late_start, below_16, in_band, \
            _waiting_since, n in rows:
        code = code_of.get(home)
        if code is None or status == OUTSIDE:
            continue
        for row in (code, "total"):
            target = counts[row]
            target["target_group"] += n
            target[CBS_BAND_CELLS[0] if in_band else CBS_BAND_CELLS[1]] += n
            target[status_cell[status]] += n
            if status == NOT_REACHED:
                target[f"not_reached_{reasons[reason - 1]}"] += n
            if status == PLACED and location_municipality != home:
                target["placed_elsewhere"] += n
            if declined:
                target[STEP_CELLS[0]] += n
            if stopped and status == NOT_REACHED:
                target[STEP_CELLS[1]] += n
            if status == PLACED:
                for flag, cell in zip((below_960, late_start, below_16), DOSE_CELLS):
                    if flag:
                        target[cell] += n
        if status == PLACED:
            where = code_of.get(location_municipality)
            if where is not None:
                flows[code][where] += n
                flows["total"][where] += n


# Figures entered per municipality and year (organisations.MunicipalityFigures), as the monitor
# shows them; ``entered`` is False for a municipality without a row for the year ("niet ingevoerd").
FIGURE_COLUMNS = ("cbs_target_group", "goab_budget", "jgz_target_group", "toddlers", "ve_places")
# Without a target of the region the reach is drawn against 100% of the target group placed, the
# line the monitor always had.
DEFAULT_TARGETS = {"target_group_placed": Decimal(100)}


def figures_for(municipalities, year: int) -> dict[str, dict]:
    """The figures of ``year`` per municipality, and their region totals.

    A region total is only given when every municipality has its figure; a CBS "<10" makes the
    CBS total unknown too.
    """
    rows = {f.municipality_id: f for f in db.session.scalars(
        select(MunicipalityFigures).where(MunicipalityFigures.year == year,
                                          MunicipalityFigures.municipality_id.in_([m.id for m in municipalities])))}
    out: dict[str, dict] = {}
    for m in municipalities:
        f = rows.get(m.id)
        out[m.code] = {**{c: getattr(f, c) if f else None for c in FIGURE_COLUMNS},
                       "cbs_suppressed": bool(f and f.cbs_suppressed), "entered": figures_entered(f)}
    entries = list(out.values())
    total = {"cbs_suppressed": False, "entered": bool(entries) and all(x["entered"] for x in entries)}
    for c in FIGURE_COLUMNS:
        known = bool(entries) and all(x[c] is not None for x in entries)
        if c == "cbs_target_group":
            known = known and not any(x["cbs_suppressed"] for x in entries)
        total[c] = sum((x[c] for x in entries), Decimal(0) if c == "goab_budget" else 0) if known else None
    out["total"] = total
    return out


def targets_for(region: Region, peildatum: dt.date) -> dict[str, Decimal]:
    """The region's targets in force at P; without any, the default line (100% placed)."""
    return targets_on(region.id, peildatum) or dict(DEFAULT_TARGETS)


# --- Presentation: cells as the API, the page and the downloads show them ---------------------


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
                       params={"region": region.name, "date": peildatum})
    return pub


def published_data(pub) -> MonitorData:
    """The frozen numbers of a publication, as they were computed when it was published."""
    # The municipalities the publication has rows for (those of the region at its reference date).
    codes = {c.row for c in pub.cells if c.part == "monitor"}
    municipalities = list(db.session.scalars(select(Municipality).where(Municipality.code.in_(codes))
                                             .order_by(Municipality.name)))
    current, labels = reason_keys(pub.region)
    counts: dict = defaultdict(dict)
    flows: dict = defaultdict(dict)
    figures: dict = defaultdict(dict)
    targets: dict = {}
    capacity: dict = defaultdict(dict)
    for c in pub.cells:
        value = c.value
        if c.part == "targets":
            targets[c.column] = value
        elif c.part == "monitor":
            counts[c.row][c.column] = int(value)
        elif c.part == "flows":
            flows[c.row][c.column] = int(value)
        elif c.part == "capacity":
            capacity[c.row][c.column] = (None if value is None else float(value) if c.column == "waitlist_median_days"
                                         else int(value))
        elif c.column in ("cbs_suppressed", "entered"):
            figures[c.row][c.column] = bool(value)
        else:
            figures[c.row][c.column] = (None if value is None else
                                        value if c.column == "goab_budget" else int(value))
    stored = {col.removeprefix("not_reached_") for cells in counts.values() for col in cells
              if col.startswith("not_reached_")}
    reasons = [r for r in current if r in stored] + sorted(stored - set(current))
    known = [(m.code, m.name) for m in municipalities if m.code in counts]
    return MonitorData(region=pub.region, peildatum=pub.peildatum, municipalities=known, reasons=reasons,
                       reason_labels={r: labels.get(r, r) for r in reasons}, counts=dict(counts),
                       flows=dict(flows), figures=dict(figures), capacity=dict(capacity),
                       # A publication from before targets were data was drawn against 100%.
                       targets=targets or dict(DEFAULT_TARGETS))


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
                              params={"date": published})


# --- Declined referrals per provider (issue 11) ---------------------------------------------


@dataclass
class DeclineTable:
    """Referrals declined by each provider, by reason: every decline (a step the workflow file
    marks ``monitor: referral_declined``) with an effective date up to P, of a child of the region
    (its residence then) who is under 4 at P. One child declined twice counts twice."""
    region: Region
    peildatum: dt.date
    providers: list[tuple[str, str]]            # (organisation id as text, name), by name
    reasons: list[str]                           # the decline reasons' codes, in the file's order
    counts: dict[str, dict[str, int]]            # provider id or "total" -> reason or "total" -> n


def decline_reason_field(wf) -> tuple[str | None, list[str]]:
    """The choice field in which the declining steps record their reason, and its codes."""
    for trigger in wf.triggers_meaning(DECLINED_MEANING):
        for f in wf.transitions[trigger].fields.values():
            if f.type == "choice":
                return f.name, list(wf.choices_for(f))
    return None, []


def compute_declines(region: Region, peildatum: dt.date) -> DeclineTable:
    from ..organisations.models import Organisation
    wf = current_workflow()
    field_name, reasons = decline_reason_field(wf)
    declining = wf.triggers_meaning(DECLINED_MEANING)
    e = CaseEvent.__table__
    oldest = clock.add_months(peildatum.replace(day=1), -(MAX_AGE_MONTHS - 1))
    rows = []
    if declining:
        reason = e.c.data[field_name].as_string() if field_name else literal(None)
        q = (select(e.c.organisation_id, reason.label("reason"), func.count().label("n"))
             .where(e.c.trigger.in_(declining), e.c.effective_date <= peildatum, e.c.birth_month >= oldest,
                    e.c.municipality_id.in_(select(Municipality.id).where(Municipality.region_id == region.id)))
             .group_by(e.c.organisation_id, reason))
        rows = db.session.execute(q).all()
    names = dict(db.session.execute(select(Organisation.id, Organisation.name)
                                    .where(Organisation.id.in_({r.organisation_id for r in rows}))).all())
    providers = sorted(((str(oid), name) for oid, name in names.items()), key=lambda p: p[1])
    cells = [*reasons, "total"]
    counts = {row: dict.fromkeys(cells, 0) for row in [p for p, _ in providers] + ["total"]}
    fallback = reasons[-1] if reasons else "total"
    for oid, code, n in rows:
        code = code if code in reasons else fallback
        for row in (str(oid), "total"):
            if code != "total":
                counts[row][code] += n
            counts[row]["total"] += n
    return DeclineTable(region=region, peildatum=peildatum, providers=providers, reasons=reasons, counts=counts)


# --- Contact attempts before not reached (issue 11, point 7) ---------------------------------

ATTEMPT_BUCKETS = ("0", "1", "2", "3+")


@dataclass
class AttemptTable:
    """Children not reached at P, by the reason of that report (rows) and by how many contact
    attempts (outreach log) were dated on or before the report's effective date (columns 0, 1,
    2, 3+ and total). A child counts when its state at P (the history at P, as the monitor
    reads it) counts as not reached, it is under 4 at P, and it lived in the region at the
    report. The reason is the one recorded (a recoding of "other" does not move it)."""
    region: Region
    peildatum: dt.date
    reasons: list[str]                           # the non-reach reasons' codes, in the file's order
    counts: dict[str, dict[str, int]]            # reason or "total" -> bucket or "total" -> n


def compute_attempts(region: Region, peildatum: dt.date) -> AttemptTable:
    from ..outreach.models import ContactAttempt
    wf = current_workflow()
    reasons = list(wf.reasons)
    e = CaseEvent.__table__
    not_reached_states = wf.states_counted_as(Status.NOT_REACHED)
    oldest = clock.add_months(peildatum.replace(day=1), -(MAX_AGE_MONTHS - 1))
    counts = {row: dict.fromkeys([*ATTEMPT_BUCKETS, "total"], 0) for row in [*reasons, "total"]}
    fields = wf.reason_fields()
    if not not_reached_states or not fields:
        return AttemptTable(region=region, peildatum=peildatum, reasons=reasons, counts=counts)
    last = (select(e.c.case_id, func.max(e.c.seq).label("seq"))
            .where(e.c.effective_date <= peildatum, e.c.birth_month >= oldest,
                   e.c.trigger.not_in((MOVE_TRIGGER, RENAME_TRIGGER, CORRECT_EVENT)))
            .group_by(e.c.case_id).subquery("last"))
    reason = case(*((e.c.trigger == trigger, e.c.data[f].as_string()) for trigger, f in fields.items()),
                  else_=literal(None))
    attempts = (select(func.count()).select_from(ContactAttempt.__table__)
                .where(ContactAttempt.case_id == e.c.case_id, ContactAttempt.attempt_date <= e.c.effective_date)
                .scalar_subquery())
    bucket = case((attempts >= 3, 3), else_=attempts)
    q = (select(reason.label("reason"), bucket.label("bucket"), func.count().label("n"))
         .select_from(e.join(last, and_(last.c.case_id == e.c.case_id, last.c.seq == e.c.seq)))
         .where(e.c.to_state.in_(not_reached_states),
                e.c.municipality_id.in_(select(Municipality.id).where(Municipality.region_id == region.id)))
         .group_by(reason, bucket))
    fallback = (wf.explained_reasons() or tuple(reasons))[-1]
    for code, b, n in db.session.execute(q).all():
        code = code if code in counts else fallback
        column = ATTEMPT_BUCKETS[min(int(b), 3)]
        for row in (code, "total"):
            counts[row][column] += n
            counts[row]["total"] += n
    return AttemptTable(region=region, peildatum=peildatum, reasons=reasons, counts=counts)


# --- Capacity per location (issue 12.4) ---------------------------------------------------------

CAPACITY_CELLS = ("location_places", "occupied_places", "waitlist_length", "waitlist_median_days")


def median_days(days: dict[int, int]) -> float | None:
    """The median of days (value -> how many children), halves kept (12.5); None for no child."""
    n = sum(days.values())
    if not n:
        return None
    ordered = sorted(days.items())

    def nth(k: int) -> int:   # the k-th smallest, from 0
        for value, count in ordered:
            if k < count:
                return value
            k -= count
        raise IndexError(k)
    return float(nth(n // 2)) if n % 2 else (nth(n // 2 - 1) + nth(n // 2)) / 2


def capacity_for(municipalities, waits, peildatum: dt.date, code_of: dict[int, str]) -> dict[str, dict]:
    """Per municipality M (and the region): the VE places of M's active locations as entered now
    (None when no location has them), the children of the region on the waiting list at P at a
    location in M and the median of their days on it (P minus the step that put them there)."""
    places: dict[int, int] = {}
    for mid, n in db.session.execute(select(Location.municipality_id, func.sum(Location.ve_places))
                                     .where(Location.active.is_(True), Location.ve_places.is_not(None),
                                            Location.municipality_id.in_(list(code_of)))
                                     .group_by(Location.municipality_id)).all():
        places[mid] = int(n)
    days: dict[str, dict[int, int]] = {code: {} for code in [*code_of.values(), "total"]}
    other = 0
    for home, location_municipality, effective, n in waits:
        if code_of.get(home) is None:
            continue
        where = code_of.get(location_municipality)
        if where is None:
            other += n
            continue
        d = (peildatum - _as_date(effective)).days
        for row in (where, "total"):
            days[row][d] = days[row].get(d, 0) + n
    out = {}
    for m in municipalities:
        out[m.code] = {"location_places": places.get(m.id), "waitlist_length": sum(days[m.code].values()),
                       "waitlist_median_days": median_days(days[m.code])}
    known = [places[m.id] for m in municipalities if m.id in places]
    out["total"] = {"location_places": sum(known) if known else None, "waitlist_length": sum(days["total"].values()),
                    "waitlist_median_days": median_days(days["total"]), "waitlist_other": other}
    return out


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def placed_per_location(location_ids: list[int]) -> dict[int, int]:
    """Children placed today per location (their current state counts as placed): for the public
    page's free/full (registered with organisations' PLACED_AT)."""
    from ..cases.models import Case
    states = current_workflow().states_counted_as(Status.PLACED)
    if not location_ids or not states:
        return {}
    return dict(db.session.execute(select(Case.location_id, func.count()).where(
        Case.state.in_(states), Case.location_id.in_(location_ids)).group_by(Case.location_id)).all())
