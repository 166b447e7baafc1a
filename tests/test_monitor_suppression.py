"""Small-cell suppression: examples, and a property test over random tables (hypothesis).

The property: for every line of a table (a row breakdown, a column summing to the region
total), no hidden cell has only one value that fits, given the published cells, the line's sum
and what the display tells about the other hidden cells ("<t": 0..t-1; "x": at least t). The
feasible values are enumerated here by brute force over reachable sums, independently of the
interval arithmetic in toeleiding.monitor.suppression.
"""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from toeleiding.monitor.suppression import LARGE, SMALL, Line, suppress, table_lines


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


def _feasible(values, hidden, line: Line, key, threshold: int, cap: int) -> set[int]:
    """Every value of ``key`` that fits this line, by enumerating the sums the other hidden cells reach."""
    constant = 0
    others = []
    own = 0
    for k, c in line.terms():
        if k == key:
            own += c
        elif k in hidden:
            lo, hi = (0, threshold - 1) if hidden[k] == SMALL else (threshold, cap)
            others.append((c, lo, hi))
        else:
            constant += c * values[k]
    sums = {0}
    for c, lo, hi in others:
        sums = {s + c * v for s in sums for v in range(lo, hi + 1)}
    lo, hi = (0, threshold - 1) if hidden[key] == SMALL else (threshold, cap)
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
            assert hidden.get(key) == SMALL, key
    for key, kind in hidden.items():
        assert kind == (SMALL if values[key] < threshold else LARGE), key   # "<t" and "x" never lie
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
