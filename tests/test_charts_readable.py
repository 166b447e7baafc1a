"""The monitor's charts read well (issue 13.12): an empty chart says why in words instead of drawing
−0.04…0.04 axes, count axes have whole-number ticks, and a legend never covers a bar.

The SVG is read as the browser gets it: matplotlib writes each bar, each legend entry and each
axis as a group with an id (``patch_N``, ``legend_1``, ``xtick_N``), paths in SVG coordinates
(y grows downwards) and, with ``svg.fonttype`` none, its text as text.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from toeleiding.monitor import charts

SVG = "{http://www.w3.org/2000/svg}"
REASONS = ["parents_declined", "no_contact", "other"]
LABELS = {"parents_declined": "Ouders zien af van VE", "no_contact": "Geen contact met ouders", "other": "Anders"}


def _cell(value, display=None):
    return {"value": value, "display": str(value) if display is None else display}


def _hidden():
    return _cell(None, "<10")


def _row(tg=241, placed=180, cbs=130, reasons=(3, 2, 1), budget=10_000):
    cells = {"target_group": _cell(tg), "placed": _cell(placed), "reach_pct": _cell(round(100 * placed / tg, 1)),
             "cbs_target_group": _cell(cbs), "budget_per_target_child": _cell(budget)}
    for reason, v in zip(REASONS, reasons):
        cells[f"not_reached_{reason}"] = v if isinstance(v, dict) else _cell(v)
    return cells


def _tree(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def _group(root: ET.Element, gid: str) -> ET.Element | None:
    return next((g for g in root.iter(f"{SVG}g") if g.get("id") == gid), None)


def _text(el: ET.Element) -> str:
    return " ".join("".join(el.itertext()).split())


def _box(el: ET.Element) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) of every path point under ``el``."""
    xs, ys = [], []
    for path in el.iter(f"{SVG}path"):
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path.get("d", ""))]
        xs += numbers[0::2]
        ys += numbers[1::2]
    return min(xs), min(ys), max(xs), max(ys)


def _bars(root: ET.Element) -> list[tuple[float, float, float, float]]:
    """The bars: the axes' patches other than its background (patch 2) and spines (no fill)."""
    axes = _group(root, "axes_1")
    out = []
    for g in axes.findall(f"{SVG}g"):
        if re.fullmatch(r"patch_\d+", g.get("id", "")) and g.get("id") != "patch_2":
            path = g.find(f"{SVG}path")
            if path is not None and "fill: none" not in (path.get("style") or ""):
                out.append(_box(g))
    return out


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _tick_labels(root: ET.Element, axis: str) -> list[str]:
    return [_text(g) for g in root.iter(f"{SVG}g") if re.fullmatch(fr"{axis}tick_\d+", g.get("id", ""))]


EMPTY = {
    "reach": lambda rows: charts.reach_chart(rows),
    "reasons": lambda rows: charts.reasons_chart(rows, REASONS, LABELS),
    "cbs_jgz": lambda rows: charts.cbs_jgz_chart(rows),
    "budget": lambda rows: charts.budget_chart(rows),
}


def _all_hidden_row():
    return {"target_group": _hidden(), "placed": _hidden(), "reach_pct": _cell(None, "x"),
            "cbs_target_group": _cell(None, "<10"), "budget_per_target_child": _cell(None, "x"),
            **{f"not_reached_{r}": _hidden() for r in REASONS}}


def _nothing_row():
    return {"target_group": _cell(0), "placed": _cell(0), "reach_pct": _cell(None, "-"),
            "cbs_target_group": _cell(None, "-"), "budget_per_target_child": _cell(None, "-"),
            **{f"not_reached_{r}": _cell(0) for r in REASONS}}


@pytest.mark.parametrize("chart", EMPTY)
def test_a_chart_with_every_number_hidden_says_so_and_draws_no_axes(app, chart):
    with app.test_request_context():
        root = _tree(EMPTY[chart]([("Noord-Beveland", _all_hidden_row()), ("Kapelle", _all_hidden_row())]))
    text = _text(root)
    assert "Niets te tonen" in text and "verborgen" in text, text
    assert not _tick_labels(root, "x") and not _tick_labels(root, "y")
    assert "0.04" not in text and "0.02" not in text


@pytest.mark.parametrize("chart", EMPTY)
def test_a_chart_with_nothing_to_count_says_why_in_english_too(app, chart):
    with app.test_request_context():
        dutch = _text(_tree(EMPTY[chart]([("Kapelle", _nothing_row())])))
    with app.test_request_context("/api/v1/monitor", headers={"Accept-Language": "en"}):
        english = _text(_tree(EMPTY[chart]([("Kapelle", _nothing_row())])))
    assert "Niets te tonen" in dutch and "verborgen" not in dutch, dutch
    assert "Nothing to show" in english, english


def test_count_axes_have_whole_number_ticks(app):
    with app.test_request_context():
        reasons = _tree(charts.reasons_chart([("Kapelle", _row(reasons=(1, 2, 0))), ("Goes", _row(reasons=(0, 1, 1)))],
                                             REASONS, LABELS))
        cbs = _tree(charts.cbs_jgz_chart([("Kapelle", _row(tg=3, cbs=2)), ("Goes", _row(tg=1, cbs=1))]))
    for root in (reasons, cbs):
        ticks = _tick_labels(root, "x")
        assert len(ticks) >= 2, ticks
        assert all(re.fullmatch(r"−?\d+", t) for t in ticks), ticks


def test_a_legend_lies_outside_the_bars(app):
    rows = [("Beverwijk", _row(241, cbs=130)), ("Heemskerk", _row(170, cbs=65)), ("Velsen", _row(338, cbs=145))]
    with app.test_request_context():
        drawn = {"cbs_jgz": _tree(charts.cbs_jgz_chart(rows)),
                 "reach": _tree(charts.reach_chart(rows + [("Regio", _row(749, 700))])),
                 "reasons": _tree(charts.reasons_chart(rows, REASONS, LABELS))}
    for name, root in drawn.items():
        legend = _group(root, "legend_1")
        assert legend is not None, name
        bars = _bars(root)
        assert bars, name
        entries = [_box(g) for g in legend.findall(f"{SVG}g") if g.find(f"{SVG}path") is not None]
        assert entries, name
        plot = _box(_group(root, "patch_2"))   # the axes' own area
        for entry in entries:
            assert not any(_overlap(entry, bar) for bar in bars), (name, entry)
            assert not _overlap(entry, plot), (name, entry, plot)   # above or beside the plot, not on it
    cbs_entries = [_box(g) for g in _group(drawn["cbs_jgz"], "legend_1").findall(f"{SVG}g")
                   if g.find(f"{SVG}path") is not None]
    assert len(cbs_entries) == 2
    assert all(e[3] <= _box(_group(drawn["cbs_jgz"], "patch_2"))[1] for e in cbs_entries)   # above the plot


def test_the_reasons_chart_shows_the_regions_total_when_every_municipality_is_hidden(app):
    rows = [("Kapelle", _all_hidden_row()), ("Noord-Beveland", _all_hidden_row()), ("Regio", _row(reasons=(12, 0, 15)))]
    with app.test_request_context():
        root = _tree(charts.reasons_chart(rows, REASONS, LABELS))
    assert len(_bars(root)) == 2 * 3   # two published reasons, a bar per row (zero-length for the hidden)
    text = _text(root)
    assert "Ouders zien af van VE" in text and "Anders" in text and "Niets te tonen" not in text
    assert "Kapelle (Ouders zien af van VE, Geen contact met ouders, Anders)" in text
