"""Reach over time (issue 12.5): the reach of each municipality and the region over a list of
reference dates, for the API, the page's charts and a CSV (read-only).

Each date's numbers are exactly the monitor's at that date, as its reader can already fetch them:
a published date shows the frozen publication suppressed at the threshold it was published with
(``GET /monitor/publications/<P>``), any other date the live monitor suppressed as ``GET /monitor``
shows it. The suppression of each date is the monitor's own over its *whole* table (every row,
column and flow), and the trend shows a part of those cells, never a cell hidden there. So the
trend publishes nothing a reader could not already fetch date by date: no cell links two dates
(there is no change column), and a hidden cell of one date cannot be recomputed from the numbers
of another, since the same children are counted anew at every date. Which dates may be read at
all is the monitor's rule (access.readable_peildatum, README *Reference dates*).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal

from .. import clock
from ..errors import N_, ValidationError
from . import access, presentation, util

# At most this many dates in one trend: each date is a whole monitor with its suppression, and
# two years of month ends is the longest series a policy period is discussed over.
MAX_TREND_DATES = 24
# Without a publication the trend shows the ends of this many months that have passed.
DEFAULT_MONTHS = 12
TREND_CELLS = ("target_group", "placed", "reach_pct")
PUBLISHED, LIVE = "published", "live"


@dataclass
class TrendPoint:
    """One reference date of a trend: its cells per row as the monitor shows them at that date."""
    peildatum: dt.date
    source: str                                   # PUBLISHED or LIVE
    threshold: int | None                         # the suppression threshold of these cells (None: admin)
    target: Decimal | None                        # the region's reach target in force at the date
    municipalities: list[tuple[str, str]]         # (code, name) of the region at the date
    rows: dict[str, dict[str, dict]] = field(default_factory=dict)   # code or "total" -> cell -> {value, display}


def requested_dates(raw_values: list[str]) -> list[str]:
    """The dates asked for: ``peildatum`` repeated, or a comma list, or both; empty items ignored."""
    return [item.strip() for raw in raw_values for item in str(raw).split(",") if item.strip()]


def default_dates(region) -> list[dt.date]:
    """The region's published dates (the latest MAX_TREND_DATES); without any, the ends of the last
    DEFAULT_MONTHS months that have passed."""
    published = sorted(p.peildatum for p in util.publications_of(region))
    if published:
        return published[-MAX_TREND_DATES:]
    ends, day = [], access.last_month_end(clock.today())
    while len(ends) < DEFAULT_MONTHS and day >= access.EARLIEST_PEILDATUM:
        ends.append(day)
        day = access.last_month_end(day)
    return sorted(ends)


def trend_dates(user, region, raw_values: list[str]) -> list[dt.date]:
    """The reference dates of a trend, oldest first: each one a date ``user`` may read the monitor
    at (422 naming ``peildatum`` otherwise); none asked: default_dates."""
    items = requested_dates(raw_values)
    if not items:
        return default_dates(region)
    if len(items) > MAX_TREND_DATES:   # counted before parsing: a long list costs nothing to refuse
        raise ValidationError(N_("Kies hoogstens %(n)s peildata."), "peildatum", params={"n": MAX_TREND_DATES})
    days = {access.readable_peildatum(user, region, item) for item in items}
    return sorted(days)


def compute_trend(region, dates: list[dt.date], threshold: int | None) -> list[TrendPoint]:
    """The trend's points: per date the published monitor when there is one, else the live one,
    each suppressed over its whole table exactly as the monitor shows it."""
    publications = {p.peildatum: p for p in util.publications_of(region)}
    points = []
    for day in dates:
        pub = publications.get(day)
        if pub is not None:
            data, source = util.published_data(pub), PUBLISHED
            day_threshold = None if threshold is None else pub.threshold
        else:
            data, source, day_threshold = util.compute_monitor(region, day), LIVE, threshold
        rows = presentation.present(data, day_threshold)["rows"]
        points.append(TrendPoint(
            peildatum=day, source=source, threshold=day_threshold,
            target=data.targets.get("target_group_placed"), municipalities=list(data.municipalities),
            rows={row: {c: rows[row][c] for c in TREND_CELLS} for row in data.rows}))
    return points


def series(points: list[TrendPoint]) -> list[tuple[str, str, list[tuple[TrendPoint, dict]]]]:
    """Per municipality (every one in the region at any of the dates, by name) and then the region
    (``total``): its points, at the dates it belonged to the region."""
    names: dict[str, str] = {}
    for point in points:
        names.update(point.municipalities)
    out = [(code, names[code], [(p, p.rows[code]) for p in points if code in p.rows])
           for code in sorted(names, key=lambda c: (names[c], c))]
    out.append(("total", None, [(p, p.rows["total"]) for p in points]))
    return out


def trend_json(region, points: list[TrendPoint], threshold: int | None) -> dict:
    """The API's shape: the dates with their source, and per municipality and the region its points."""
    def pts(items):
        return [{"peildatum": p.peildatum.isoformat(), "cells": cells} for p, cells in items]
    rows = series(points)
    return {
        "region": region.slug, "threshold": threshold, "cells": list(TREND_CELLS),
        "dates": [{"peildatum": p.peildatum.isoformat(), "source": p.source, "threshold": p.threshold,
                   "target_pct": None if p.target is None else float(p.target)} for p in points],
        "municipalities": [{"code": code, "name": name, "points": pts(items)} for code, name, items in rows[:-1]],
        "total": {"points": pts(rows[-1][2])},
    }


CSV_COLUMNS = ["region", "peildatum", "source", "municipality_code", "municipality_name", *TREND_CELLS]


def trend_csv(region, points: list[TrendPoint]) -> str:
    """One row per municipality per date, and the region's (``total``) per date; cells as in the
    monitor's CSV (a number, ``<10``/``x`` when hidden, empty when not computable)."""
    from .exports import cell_value, safe
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for point in points:
        for code, name in [*point.municipalities, ("total", region.name)]:
            cells = point.rows[code]
            writer.writerow([safe(v) for v in [region.slug, point.peildatum.isoformat(), point.source, code, name,
                                               *(cell_value(cells[c]) for c in TREND_CELLS)]])
    return buf.getvalue()
