"""The law's dose (issue 11, read-only): a placed child's projected hours of VE by age 4.

The law asks 960 hours of VE between 2.5 and 4 years (16 hours a week on average), counting at
most 6 hours a day. How a case's hours are projected (the README's data dictionary repeats it;
monitor/util.py computes the same in SQL for every case at once, and the tests hold the two
together):

- *Hours a week over time*: the steps that record ``hours_per_week`` (workflow HOURS_FIELD: a
  placement, and each change of hours), by their effective dates. Each number of hours holds until
  the next such step, or until the child left placement (a step from a placed state to one neither
  placed nor final: a drop-out, a transfer to another provider), the last one until the end of VE.
  Every placement counts, with an earlier provider too: the law counts the VE a child had.
- *End of VE*: the child's 4th birthday. Only the birth month is in clear, so the end of the
  month the child turns 4 is taken: the projection gives the benefit of the doubt (at most one
  month too many), so a child flagged below 960 hours is short whatever its day of birth.
- *At most 6 hours a day*: the day schedule is not recorded. A location opens at most 5 days a
  week, so a week counts ``min(hours, 5 x 6 = 30)`` hours: hours beyond 30 a week cannot all fall
  on days of at most 6 counted hours.
- *Weeks open*: the location's ``weeks_open`` (default 40) out of 52: a calendar week of
  placement counts ``weeks_open / 52`` of a week. Projected hours = sum over the periods of
  ``min(hours, 30) x days / 7 x weeks_open / 52``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .. import clock

LEGAL_HOURS = 960            # hours of VE the law asks by age 4
LEGAL_HOURS_PER_WEEK = 16    # the law's average a week
LATE_START_MONTHS = 30       # VE starts at 2.5 years
MAX_HOURS_PER_DAY = 6        # at most 6 hours a day count
MAX_DAYS_PER_WEEK = 5        # a location is open at most 5 days a week
WEEK_CAP = MAX_HOURS_PER_DAY * MAX_DAYS_PER_WEEK
DAYS_PER_YEAR_OF_WEEKS = 7 * 52   # hour-days x weeks_open / 364 = hours
DEFAULT_WEEKS_OPEN = 40
END_MONTHS = 49              # the first day after the month the child turns 4, from the birth month


def end_of_ve(birth_month: dt.date) -> dt.date:
    """The (exclusive) end of VE: the first day of the month after the child turns 4."""
    return clock.add_months(birth_month.replace(day=1), END_MONTHS)


@dataclass(frozen=True)
class Dose:
    hour_days: int                 # sum of min(hours, 30) x days, before weeks open
    weeks_open: int
    hours_per_week: int | None     # the latest hours a week
    age_at_start: int | None       # completed months at the first placement

    @property
    def projected_hours(self) -> float:
        return self.hour_days * self.weeks_open / DAYS_PER_YEAR_OF_WEEKS

    @property
    def below_legal_hours(self) -> bool:
        return self.below(LEGAL_HOURS)

    def below(self, hours: int) -> bool:
        # Exact in whole numbers, as the monitor's SQL compares.
        return self.hour_days * self.weeks_open < hours * DAYS_PER_YEAR_OF_WEEKS


def dose_of(events, birth_month: dt.date, weeks_open: int, hours_triggers: tuple[tuple[str, ...], tuple[str, ...]],
            hours_field: str, on: dt.date | None = None) -> Dose:
    """The dose of one case from its history rows (``seq``, ``trigger``, ``effective_date``,
    ``age_months``, ``data``); only rows with an effective date up to ``on`` when given."""
    steps, ending = hours_triggers
    rows = sorted((e for e in events if e.trigger in (*steps, *ending) and (on is None or e.effective_date <= on)),
                  key=lambda e: e.seq)
    end = end_of_ve(birth_month)
    hour_days, hours, ages = 0, None, []
    for i, e in enumerate(rows):
        hours = int(e.data.get(hours_field) or 0) if e.trigger in steps else 0
        if e.trigger in steps and e.age_months is not None:
            ages.append(e.age_months)
        until = min(rows[i + 1].effective_date, end) if i + 1 < len(rows) else end
        hour_days += min(hours, WEEK_CAP) * max(0, (until - e.effective_date).days)
    return Dose(hour_days, weeks_open, hours, min(ages) if ages else None)


def case_dose(case, on: dt.date | None = None, events=None) -> Dose:
    """The dose of ``case`` at its location (every recorded step, or those up to ``on``).
    ``events``: its history rows when the caller holds them (the bulk import), else case.events."""
    from ..extensions import db
    from ..organisations.models import Location
    from ..workflow import current_workflow
    from ..workflow.definition import HOURS_FIELD
    location = db.session.get(Location, case.location_id) if case.location_id else None
    weeks = location.weeks_open if location is not None and location.weeks_open else DEFAULT_WEEKS_OPEN
    return dose_of(case.events if events is None else events, case.birth_month, weeks,
                   current_workflow().hours_triggers(), HOURS_FIELD, on)
