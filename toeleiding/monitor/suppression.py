"""Small-cell suppression, as CBS does it: pure functions over a table's cells and its sums.

A table is a set of cells (any hashable key -> non-negative integer) and a list of *lines*: each
line says ``total = sum(parts)``: a row total, a column total, the region total, or a breakdown
such as ``not_reached = sum(not_reached_<reason>)``.

1. *Primary*: a count from 1 to ``threshold - 1`` is hidden.
2. *Complementary*: further cells are hidden until no hidden cell can be recomputed from what
   is published: first zeros, then the smallest cells of at least ``threshold``, so the table
   loses as little as possible.

A hidden cell below the threshold (a small count, or a zero hidden beside one) is published as
``<threshold``; a hidden cell of at least the threshold as ``x``. So everyone reading the table
may know that a ``<10`` cell holds 0..9 and an ``x`` cell at least 10: these are the domains the
checks below assume. (Were "<10" to mean 1..9, a total "<10" of two "<10" parts could give all
three away: 2 = 1 + 1 with a threshold of 3.)

What "cannot be recomputed" means here, and why it is enough: for every line on its own, each
hidden cell must have at least two values that fit the line, given the published cells and the
domains of the other hidden cells. That is exactly the attack the issue names (subtracting the
published cells from a row or column total, the region total included), and it is computed
exactly: with interval domains and coefficients of +1/-1 the values a line allows for one cell
form an integer interval (``_line_range``). Before that check the domains are narrowed by
propagating every line through every other (``_propagate``), so that a chain of two or three
subtractions across rows and columns is caught as well; the propagation can only narrow, so the
per-line guarantee holds whether or not it reaches its fixpoint. A line whose cells are all
hidden never pins one of them (a "<10" part ranges over 0..9 and an "x" total is unbounded), so
hiding more always ends.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Hashable, Iterable, Mapping

Key = Hashable
INF = math.inf
SMALL, LARGE = "small", "large"   # shown as "<threshold" and as "x"


@dataclass(frozen=True)
class Line:
    """``total == sum(parts)`` over cell keys."""
    total: Key
    parts: tuple[Key, ...]

    def terms(self) -> list[tuple[Key, int]]:
        return [(self.total, 1)] + [(p, -1) for p in self.parts]


def minimum_threshold() -> int:
    """Below 3, "<2" would say "exactly 1": no protection at all."""
    return 3


def domain(kind: str, threshold: int) -> tuple[float, float]:
    """What a reader knows of a hidden cell from how it is shown."""
    return (0, threshold - 1) if kind == SMALL else (threshold, INF)


def kind_of(value: int, threshold: int) -> str:
    return SMALL if value < threshold else LARGE


def suppress(values: Mapping[Key, int], lines: Iterable[Line], threshold: int,
             forced: Iterable[Key] = ()) -> dict[Key, str]:
    """The hidden cells: key -> ``small`` (shown ``<threshold``) or ``large`` (shown ``x``).

    ``forced`` cells are hidden whatever their value.
    """
    if threshold < minimum_threshold():
        raise ValueError(f"threshold must be at least {minimum_threshold()}")
    lines = list(lines)
    hidden: dict[Key, str] = {k: SMALL for k, v in values.items() if 1 <= v < threshold}
    for k in forced:
        if k in values:
            hidden[k] = kind_of(values[k], threshold)
    lines_of: dict[Key, list[Line]] = {}
    for line in lines:
        for k, _ in line.terms():
            lines_of.setdefault(k, []).append(line)
    while True:
        pinned = pinned_cells(values, hidden, lines, threshold)
        if not pinned:
            return hidden
        candidate = None
        for key in sorted(pinned, key=repr):
            candidate = _candidate(values, hidden, lines_of.get(key, ()))
            if candidate is not None:
                break
        if candidate is None:   # pinned through other lines only: any line with a hidden cell
            candidate = _candidate(values, hidden, [ln for ln in lines if any(k in hidden for k, _ in ln.terms())])
        if candidate is None:   # every cell is hidden; a fully hidden table pins nothing
            return hidden
        hidden[candidate] = kind_of(values[candidate], threshold)


def _candidate(values, hidden, lines: Iterable[Line]) -> Key | None:
    """The published cell on these lines that costs least to hide: a zero, else the smallest (parts before totals)."""
    best = None
    for line in lines:
        for k, coefficient in line.terms():
            if k in hidden:
                continue
            rank = (values[k], coefficient == 1, repr(k))
            if best is None or rank < best[0]:
                best = (rank, k)
    return None if best is None else best[1]


def pinned_cells(values: Mapping[Key, int], hidden: Mapping[Key, str], lines: list[Line],
                 threshold: int) -> set[Key]:
    """Hidden cells whose value a reader can work out from the published cells and the lines."""
    bounds = {k: domain(kind, threshold) for k, kind in hidden.items()}
    bounds = _propagate(values, bounds, lines)
    pinned = {k for k, (lo, hi) in bounds.items() if lo == hi}
    for line in lines:
        for k, _ in line.terms():
            if k in hidden:
                lo, hi = _line_range(values, bounds, line, k)
                if lo == hi:
                    pinned.add(k)
    return pinned


def _line_range(values, bounds, line: Line, key: Key) -> tuple[float, float]:
    """The values ``key`` can take on this one line, given the others' published values or bounds."""
    rest_lo = rest_hi = 0.0   # range of sum(c * x) over the line's other terms
    own = 0
    for k, c in line.terms():
        if k == key:
            own += c
            continue
        if k in bounds:
            lo, hi = bounds[k]
            a, b = c * lo, c * hi
            rest_lo += min(a, b)
            rest_hi += max(a, b)
        else:
            rest_lo += c * values[k]
            rest_hi += c * values[k]
    lo, hi = bounds[key]
    if own == 0:   # the key stands on both sides (cannot happen in our tables); the line says nothing
        return lo, hi
    # own * x = -(rest)  =>  x in [-rest_hi, -rest_lo] / own
    a, b = -rest_hi / own, -rest_lo / own
    x_lo, x_hi = min(a, b), max(a, b)
    return max(lo, math.ceil(x_lo) if x_lo != -INF else -INF), min(hi, math.floor(x_hi) if x_hi != INF else INF)


def _propagate(values, bounds: dict, lines: list[Line], rounds: int = 50) -> dict:
    """Narrow every hidden cell's interval by every line, until nothing changes (or ``rounds`` pass)."""
    bounds = dict(bounds)
    relevant = [line for line in lines if any(k in bounds for k, _ in line.terms())]
    for _ in range(rounds):
        changed = False
        for line in relevant:
            for k, _ in line.terms():
                if k in bounds:
                    new = _line_range(values, bounds, line, k)
                    if new != bounds[k]:
                        if new[0] > new[1]:   # inconsistent input; leave the cell as it was
                            continue
                        bounds[k] = new
                        changed = True
        if not changed:
            break
    return bounds


def table_lines(rows: list[Key], groups: list[tuple[Key, tuple[Key, ...]]], columns: list[Key],
                total_row: Key = "total", part: str = "monitor") -> list[Line]:
    """Lines of a table with a total row: ``groups`` are row-wise breakdowns (total column, parts),
    and every column in ``columns`` sums over the rows to the total row. Keys are ``(part, row, column)``."""
    out = []
    for row in [*rows, total_row]:
        for total, parts in groups:
            out.append(Line((part, row, total), tuple((part, row, p) for p in parts)))
    for column in columns:
        out.append(Line((part, total_row, column), tuple((part, row, column) for row in rows)))
    return out
