"""Small-cell suppression: examples, and property tests over random tables (hypothesis).

All lines together (the issue #15 case): random monitors of a region, suppressed by
``present``, read by the auditor of tests/test_monitor_auditor.py, which solves an integer
program per hidden cell; none may have one possible value.

Each line on its own, by brute force: for every line of a table (a row breakdown, a column summing to the region
total), no hidden cell has only one value that fits, given the published cells, the line's sum
and what the display tells about the other hidden cells ("<t": 0..t-1; "x": at least t). The
feasible values are enumerated here by brute force over reachable sums, independently of the
interval arithmetic in toeleiding.monitor.suppression.
"""
from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings, strategies as st

from toeleiding.monitor.suppression import LARGE, SMALL, WITHHELD, Line, suppress, table_lines
from toeleiding.monitor.presentation import monitor_lines, monitor_values


def _table(rows: list[list[int]], parts: int):
    """A table whose columns 1..parts sum to column 0 per row, with a total row."""
    names = [f"c{i}" for i in range(parts + 1)]
    row_keys = [f"r{i}" for i in range(len(rows))]
    values = {}
    for key, parts_values in zip(row_keys, rows):
        values[("monitor", key, "c0")] = sum(parts_values)
        for i, v in enumerate(parts_values, start=1):
            values[("monitor", key, f"c{i}")] = v
    for name in names:
        values[("monitor", "total", name)] = sum(values[("monitor", k, name)] for k in row_keys)
    lines = table_lines(row_keys, [("c0", tuple(names[1:]))], names)
    return values, lines


def _domain(kind: str, threshold: int, cap: int) -> tuple[int, int]:
    return {SMALL: (0, threshold - 1), LARGE: (threshold, cap)}.get(kind, (0, cap))


def _feasible(values, hidden, line: Line, key, threshold: int, cap: int) -> set[int]:
    """Every value of ``key`` that fits this line, by enumerating the sums the other hidden cells reach."""
    constant = 0
    others = []
    own = 0
    for k, c in line.terms():
        if k == key:
            own += c
        elif k in hidden:
            others.append((c, *_domain(hidden[k], threshold, cap)))
        else:
            constant += c * values[k]
    sums = {0}
    for c, lo, hi in others:
        sums = {s + c * v for s in sums for v in range(lo, hi + 1)}
    lo, hi = _domain(hidden[key], threshold, cap)
    return {v for v in range(lo, hi + 1) if (constant + own * v + 0) in {-s for s in sums}}


@settings(max_examples=300, deadline=None)
@given(threshold=st.integers(min_value=3, max_value=10),
       parts=st.integers(min_value=2, max_value=4),
       data=st.data())
def test_no_hidden_cell_can_be_recomputed_from_its_line(threshold, parts, data):
    n_rows = data.draw(st.integers(min_value=1, max_value=4))
    cell = st.one_of(st.integers(0, 3 * threshold), st.integers(0, threshold - 1))
    rows = data.draw(st.lists(st.lists(cell, min_size=parts, max_size=parts), min_size=n_rows, max_size=n_rows))
    values, lines = _table(rows, parts)
    hidden = suppress(values, lines, threshold)

    for key, v in values.items():
        if 1 <= v < threshold:
            assert hidden.get(key) in (SMALL, WITHHELD), key
    for key, kind in hidden.items():   # "<t" and "x" never lie; "." (withheld) says nothing
        assert kind in (SMALL if values[key] < threshold else LARGE, WITHHELD), key
    # The values a line allows one cell form an interval, so a second option, if there is one,
    # lies next to the true value: the others never need to go far above the largest cell.
    cap = max(values.values()) + threshold + 1
    for line in lines:
        for key, _ in line.terms():
            if key in hidden:
                options = _feasible(values, hidden, line, key, threshold, cap)
                assert values[key] in options
                assert len(options) >= 2, (key, values[key], options, line)


def test_a_lone_small_cell_takes_a_partner_in_its_row_and_column():
    values, lines = _table([[3, 20, 15], [12, 11, 30]], 3)
    hidden = suppress(values, lines, 10)
    assert hidden[("monitor", "r0", "c1")] == SMALL
    # Row r0: the smallest cell of at least 10 beside it; column c1: the other row's cell.
    assert hidden[("monitor", "r0", "c3")] == LARGE
    assert hidden[("monitor", "r1", "c1")] == LARGE
    assert ("monitor", "total", "c0") not in hidden


def test_zero_is_published_and_nothing_hidden_without_small_cells():
    values, lines = _table([[0, 20, 15], [12, 0, 30]], 3)
    assert suppress(values, lines, 10) == {}


def test_a_zero_beside_a_small_cell_is_hidden_first():
    # 3 + 0 + 40 = 43: hiding the zero as "<10" leaves 3 anywhere in 0..3.
    values = {"t": 43, "a": 3, "b": 0, "c": 40}
    assert suppress(values, [Line("t", ("a", "b", "c"))], 10) == {"a": SMALL, "b": SMALL}


def test_all_small_cells_of_a_line_stay_hidden_together():
    # 2 = 1 + 1 with threshold 3: all three "<3", each could be 0..2.
    values = {"t": 2, "a": 1, "b": 1}
    assert suppress(values, [Line("t", ("a", "b"))], 3) == {"t": SMALL, "a": SMALL, "b": SMALL}


# --- All lines together: the auditor of tests/test_monitor_auditor.py on random monitors ----------

def _monitor(codes: list[str], reasons: list[str], flows: list[list[int]], rest: list[list[int]],
             budgets: list[int | None]):
    """A region's monitor from its flows (placements by location) and, per municipality, the
    waiting list, not yet placed and each reason's count; rows, totals and cells as compute_monitor fills them."""
    import datetime as dt
    from types import SimpleNamespace

    from toeleiding.monitor.util import MonitorData, count_cells
    counts = {row: dict.fromkeys(count_cells(reasons), 0) for row in [*codes, "total"]}
    flow_cells = {row: dict.fromkeys(codes, 0) for row in [*codes, "total"]}
    for code, placements, (waitlisted, not_yet_placed, *per_reason) in zip(codes, flows, rest):
        for row in (code, "total"):
            c = counts[row]
            c["placed"] += sum(placements)
            c["placed_elsewhere"] += sum(placements) - placements[codes.index(code)]
            c["waitlisted"] += waitlisted
            c["not_yet_placed"] += not_yet_placed
            for reason, n in zip(reasons, per_reason):
                c[f"not_reached_{reason}"] += n
                c["not_reached"] += n
            c["target_group"] += sum(placements) + waitlisted + not_yet_placed + sum(per_reason)
            # CBS's age band: here the children not yet placed are the ones under 30 months.
            c["target_group_under_30_months"] += not_yet_placed
            c["target_group_from_30_months"] += sum(placements) + waitlisted + sum(per_reason)
        for loc, n in zip(codes, placements):
            flow_cells[code][loc] += n
            flow_cells["total"][loc] += n
    figures = {code: {"cbs_target_group": None, "cbs_suppressed": False,
                      "goab_budget": None if b is None else Decimal(b)} for code, b in zip(codes, budgets)}
    figures["total"] = {"cbs_target_group": None, "cbs_suppressed": False,
                        "goab_budget": None if None in budgets else Decimal(sum(budgets))}
    return MonitorData(region=SimpleNamespace(slug="audit"), peildatum=dt.date(2025, 6, 30),
                       municipalities=[(c, f"Gemeente {c}") for c in codes], reasons=reasons,
                       reason_labels={r: r for r in reasons}, counts=counts, flows=flow_cells, figures=figures)


def _given_away(data, threshold: int) -> dict:
    from toeleiding.monitor.presentation import flows_json, monitor_json

    from .test_monitor_auditor import Auditor, read_flows, read_table
    aud = Auditor()
    read_table(aud, "live", monitor_json(data, threshold))
    read_flows(aud, "live", flows_json(data, threshold))
    return aud.given_away(threshold)


@settings(max_examples=60, deadline=None)
@given(threshold=st.integers(min_value=3, max_value=10), data=st.data())
def test_no_hidden_cell_of_a_monitor_can_be_recomputed_from_all_lines_together(threshold, data):
    n = data.draw(st.integers(min_value=2, max_value=4))
    reasons = ["no_contact", "other"][:data.draw(st.integers(min_value=1, max_value=2))] + ["closed"]
    count = st.one_of(st.just(0), st.integers(1, threshold - 1), st.integers(threshold, 3 * threshold))
    codes = [f"GM{1000 + i}" for i in range(n)]
    flows = data.draw(st.lists(st.lists(count, min_size=n, max_size=n), min_size=n, max_size=n))
    rest = data.draw(st.lists(st.lists(count, min_size=2 + len(reasons), max_size=2 + len(reasons)),
                              min_size=n, max_size=n))
    budgets = data.draw(st.lists(st.one_of(st.none(), st.integers(10_000, 500_000)), min_size=n, max_size=n))
    assert _given_away(_monitor(codes, reasons, flows, rest, budgets), threshold) == {}


def test_placed_and_the_flows_together_give_nothing_away():
    # #15.3: Beverwijk placed 12 children, 10 at home and 2 in Heemskerk ("<10"). Each line on
    # its own left every hidden cell two values or more, yet all lines together pinned six of
    # them, the region's `placed` (26, shown "x") among them.
    data = _monitor(["GM0375", "GM0396"], ["other", "closed"], flows=[[10, 2], [14, 0]],
                    rest=[[10, 12, 12, 12], [0, 12, 0, 10]], budgets=[None, None])
    assert _given_away(data, 10) == {}


def test_a_hidden_empty_target_group_has_no_amount_per_child_either():
    # Heemskerk has no child: its 0 is hidden beside Beverwijk's cells. Its GOAB grant is public,
    # and "-" per child (no child to divide by) gave the 0 away, and with it Beverwijk's row.
    data = _monitor(["GM0375", "GM0396"], ["other", "closed"], flows=[[12, 0], [0, 0]],
                    rest=[[2, 0, 11, 0], [0, 0, 0, 0]], budgets=[250_000, 250_000])
    assert _given_away(data, 10) == {}


def test_a_table_too_small_to_protect_is_withheld_whole():
    # Two children placed in Heemskerk, one from each municipality, threshold 3: with every cell
    # hidden, "x" for the region's 4 and "<3" for the rest still pin Heemskerk's children placed
    # elsewhere at 0. Only withholding the kinds too ("." for every count) protects it.
    data = _monitor(["GM0375", "GM0396"], ["other", "closed"], flows=[[0, 2], [0, 2]],
                    rest=[[0, 0, 0, 0], [0, 0, 0, 0]], budgets=[None, None])
    assert _given_away(data, 3) == {}
    hidden = suppress(monitor_values(data), monitor_lines(data), 3)
    assert set(hidden.values()) == {WITHHELD} and len(hidden) == len(monitor_values(data))
