"""How the monitor's numbers are shown: cells with their display, small cells suppressed, the
JSON of the API, and the difference from a publication (pure functions of util.MonitorData)."""
from __future__ import annotations

from decimal import Decimal

from .util import CAPACITY_CELLS, CBS_BAND_CELLS, COUNT_CELLS_HEAD, DOSE_CELLS, STEP_CELLS, MonitorData


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
    if all(c in data.count_cells for c in CBS_BAND_CELLS):
        groups.append(("target_group", CBS_BAND_CELLS))
    lines = table_lines(municipalities, groups, data.count_cells)
    # Placements by municipality of the location: each row sums to the municipality's `placed`,
    # of which the part outside it is `placed_elsewhere`.
    for home in municipalities:
        lines.append(Line(("monitor", home, "placed"), tuple(("flows", home, loc) for loc in municipalities)))
        lines.append(Line(("monitor", home, "placed"), (("flows", home, home), ("monitor", home, "placed_elsewhere"))))
    for loc in municipalities:
        lines.append(Line(("flows", "total", loc), tuple(("flows", home, loc) for home in municipalities)))
    lines.append(Line(("monitor", "total", "placed"), tuple(("flows", "total", loc) for loc in municipalities)))
    return lines + capacity_lines(data)


def monitor_values(data: MonitorData) -> dict:
    values = {("monitor", row, cell): v for row, cells in data.counts.items() for cell, v in cells.items()}
    values.update({("flows", row, col): v for row, cols in data.flows.items() for col, v in cols.items()})
    values.update(capacity_values(data))
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
        cells.update(figure_cells(data, row, cells))
        cells.update(capacity_cells(data, row, cell, hidden))
        rows[row] = cells
    flows = {row: {col: cell(("flows", row, col)) for col in data.flows[row]} for row in data.flows}
    return {"rows": rows, "flows": flows, "hidden": len(hidden)}


def cell_names(reasons: list[str], data: MonitorData | None = None) -> list[str]:
    """Every cell of a row, in the documented column order of the API and the downloads (of
    ``data``: a publication made before the step cells existed has none)."""
    head = list(COUNT_CELLS_HEAD)
    steps = [c for c in (*STEP_CELLS, *DOSE_CELLS, *CBS_BAND_CELLS) if data is None or c in data.count_cells]
    return [*head, *(f"not_reached_{r}" for r in reasons), "not_yet_placed", "reach_pct", "placed_elsewhere",
            "cbs_target_group", "goab_budget", "budget_per_target_child", *FIGURE_TARGET_CELLS, *steps,
            *(c for c in CAPACITY_CELLS if data is None or data.capacity)]


def monitor_json(data: MonitorData, threshold: int | None, presented: dict | None = None) -> dict:
    """The API's shape: ``{"peildatum", "region", "threshold", "municipalities", "total"}``."""
    presented = presented or present(data, threshold)
    names = cell_names(data.reasons, data)
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


# --- Yearly figures and targets (issue 12): cells appended after the budget cells ---------------

FIGURE_TARGET_CELLS = ("jgz_target_group", "toddlers", "ve_places", "toddler_reach_pct", "reach_vs_target",
                       "toddler_reach_vs_target")


def figures_entered(data: MonitorData, row: str) -> bool:
    """Whether the year's figures were entered for ``row`` (a publication from before the flag was
    kept: whether it holds any figure)."""
    fig = data.figures.get(row, {})
    if "entered" in fig:
        return bool(fig["entered"])
    return any(fig.get(c) is not None for c in ("cbs_target_group", "goab_budget")) or bool(fig.get("cbs_suppressed"))


def _number(v) -> dict:
    return {"value": None, "display": "-"} if v is None else {"value": int(v), "display": str(int(v))}


def _points(diff: float | None) -> dict:
    return {"value": None, "display": "-"} if diff is None else {"value": diff, "display": f"{diff:+.1f}"}


def figure_cells(data: MonitorData, row: str, cells: dict) -> dict:
    """The JGZ count entered for the year beside the live target group and CBS, the toddlers aged
    2.5-4 and VE places, the all-toddler reach (VE places per 100 toddlers) and each reach minus
    its target in percentage points (``reach_vs_target``: a hidden reach hides it too)."""
    fig = data.figures.get(row, {})
    toddlers, places = fig.get("toddlers"), fig.get("ve_places")
    toddler_pct = _pct(int(places), int(toddlers)) if places is not None and toddlers else None
    out = {"jgz_target_group": _number(fig.get("jgz_target_group")), "toddlers": _number(toddlers),
           "ve_places": _number(places),
           "toddler_reach_pct": {"value": toddler_pct, "display": "-" if toddler_pct is None else f"{toddler_pct:.1f}%"}}
    target = data.targets.get("target_group_placed")
    reach = cells["reach_pct"]
    if reach["value"] is None and reach["display"] != "-":
        out["reach_vs_target"] = {"value": None, "display": "x"}
    else:
        out["reach_vs_target"] = _points(None if target is None or reach["value"] is None
                                         else round(reach["value"] - float(target), 1))
    toddler_target = data.targets.get("all_toddlers")
    out["toddler_reach_vs_target"] = _points(None if toddler_target is None or toddler_pct is None
                                             else round(toddler_pct - float(toddler_target), 1))
    return out

def declines_json(table, threshold: int | None) -> dict:
    """The per-provider table of declined referrals (util.DeclineTable), suppressed like the
    monitor: each row sums its reasons to its total, each column sums over the providers."""
    from .suppression import LARGE, SMALL, suppress, table_lines
    rows = [p for p, _ in table.providers]
    values = {("declines", row, c): v for row, cells in table.counts.items() for c, v in cells.items()}
    lines = table_lines(rows, [("total", tuple(table.reasons))], [*table.reasons, "total"], part="declines")
    hidden = suppress(values, lines, threshold) if threshold is not None else {}

    def cell(row, c) -> dict:
        key = ("declines", row, c)
        if key in hidden:
            return {"value": None, "display": {SMALL: f"<{threshold}", LARGE: "x"}.get(hidden[key], ".")}
        return {"value": values[key], "display": str(values[key])}
    names = [*table.reasons, "total"]
    return {"peildatum": table.peildatum.isoformat(), "region": table.region.slug, "threshold": threshold,
            "reasons": table.reasons,
            "providers": [{"id": int(pid), "name": name, "cells": {c: cell(pid, c) for c in names}}
                          for pid, name in table.providers],
            "total": {"cells": {c: cell("total", c) for c in names}}}


def attempts_json(table, threshold: int | None) -> dict:
    """Contact attempts before not reached, per reason (util.AttemptTable), suppressed like the
    monitor: each reason's buckets sum to its total, each bucket sums over the reasons."""
    from .suppression import LARGE, SMALL, suppress, table_lines
    from .util import ATTEMPT_BUCKETS
    buckets = [*ATTEMPT_BUCKETS, "total"]
    values = {("attempts", row, c): v for row, cells in table.counts.items() for c, v in cells.items()}
    lines = table_lines(table.reasons, [("total", tuple(ATTEMPT_BUCKETS))], buckets, part="attempts")
    hidden = suppress(values, lines, threshold) if threshold is not None else {}

    def cell(row, c) -> dict:
        key = ("attempts", row, c)
        if key in hidden:
            return {"value": None, "display": {SMALL: f"<{threshold}", LARGE: "x"}.get(hidden[key], ".")}
        return {"value": values[key], "display": str(values[key])}
    return {"peildatum": table.peildatum.isoformat(), "region": table.region.slug, "threshold": threshold,
            "buckets": list(ATTEMPT_BUCKETS),
            "reasons": [{"code": r, "cells": {c: cell(r, c) for c in buckets}} for r in table.reasons],
            "total": {"cells": {c: cell("total", c) for c in buckets}}}


# --- Capacity per location (issue 12.4): cells appended after the step cells -------------------

def capacity_lines(data: MonitorData) -> list:
    """The waiting list per municipality of the location sums to the region's, and with those
    waiting outside the region (not published, but counted as known: hides more, never less) to
    the monitor's ``waitlisted``. ``occupied_places`` is the flows' total row, already on its lines."""
    from .suppression import Line
    if not data.capacity:
        return []
    codes = [code for code, _ in data.municipalities]
    parts = tuple(("capacity", code, "waitlist_length") for code in codes)
    return [Line(("capacity", "total", "waitlist_length"), parts),
            Line(("monitor", "total", "waitlisted"), (*parts, ("capacity", "total", "waitlist_other")))]


def capacity_values(data: MonitorData) -> dict:
    out = {("capacity", row, "waitlist_length"): cells["waitlist_length"] for row, cells in data.capacity.items()}
    if data.capacity:
        out[("capacity", "total", "waitlist_other")] = data.capacity["total"].get("waitlist_other", 0)
    return out


def capacity_cells(data: MonitorData, row: str, cell, hidden: dict) -> dict:
    """``location_places`` (public, as entered), ``occupied_places`` (the flows' total row: placed
    children of the region at locations in the municipality), ``waitlist_length`` (suppressed like
    any count) and ``waitlist_median_days``: hidden ("x") whenever the length is, "-" for no child."""
    if not data.capacity:
        return dict.fromkeys(CAPACITY_CELLS, {"value": None, "display": "-"})
    cap = data.capacity.get(row, {})
    occupied = cell(("monitor", "total", "placed")) if row == "total" else cell(("flows", "total", row))
    length_key = ("capacity", row, "waitlist_length")
    median = cap.get("waitlist_median_days")
    if length_key in hidden:
        median_cell = {"value": None, "display": "x"}
    elif median is None:
        median_cell = {"value": None, "display": "-"}
    else:
        median_cell = {"value": median, "display": f"{median:g}"}
    return {"location_places": _number(cap.get("location_places")), "occupied_places": occupied,
            "waitlist_length": cell(length_key), "waitlist_median_days": median_cell}
