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

What "cannot be recomputed" means here: no hidden cell is *pinned*, that is, for every hidden
cell there is a second whole-number value that fits **all** lines at once, given the published
cells and the domains above. That is what an auditor with a linear-programming solver finds when
he writes every published sum as an equation and asks for each hidden cell's minimum and maximum
(``tests/test_monitor_auditor.py`` does exactly that, with integer programming). Checking each
line on its own was not enough (issue #15): with a municipality's ``placed`` of 12 and the flows,
combinations of lines pinned hidden cells that every single line left free.

How it is computed (``_lp_pinned``): the hidden cells are the variables, every line with a hidden
cell an equation, "<t" cells bounded to 0..t-1 and "x" cells to at least t. A cell is *free* once
some whole-number solution gives it another value than its own; such a solution (a *witness*) is
found by maximising, then minimising, the cell (first all undecided cells together, which frees
most of them in one solve) with HiGHS through ``scipy.optimize.linprog``. A cell is *pinned* when
neither direction moves it.

- LP or integer programming? The cells are whole numbers, so only integer solutions count. An LP
  witness counts only when every variable in it is whole; when the LP optimum is fractional but
  at least one step away, ``scipy.optimize.milp`` looks for a whole one. An LP optimum that cannot
  reach the next whole number proves the direction closed (the LP relaxation contains every
  integer solution). So the result is the exact integer answer, and a cell the LP shows with a
  range like [4.2, 4.8] (no integer but 4) counts as pinned, as does one whose LP range is wider
  than its integer range. Most solves are plain LPs whose optima are whole (the tables' lines are
  sums with coefficients of +1 and -1).
- Witnesses stay valid as more cells are hidden (a newly hidden cell keeps its own value, which
  lies in its domain), so a cell once freed is not checked again, and ``suppress`` solves only
  for the cells still undecided.
- "x" cells are capped at a generous bound (twice the largest cell plus the threshold) so that
  every LP has an optimum; a cap can only hide more, never less.
- First the cheap check of each line on its own (``_line_range``) runs: it finds the simple cases
  (a lone small cell in a row) without a solver, and every cell it pins is truly pinned. Only
  when it finds nothing does the solver run. (Propagating intervals across lines, as before,
  is no longer needed: the solver sees all lines at once.)

What is *not* promised: a hidden cell's possible values may be fewer than its domain, e.g. a
"<10" cell that can only be 0..2 given all lines. The guarantee is two values or more, the
classic one (no exact disclosure); a wider protection interval would hide far more of small
regions' tables, and is left as a possible strengthening.

A table of a few children can give a cell away even with every cell hidden: the kinds alone
("x" for a region total of 4 at threshold 3, "<3" for its parts) can leave one solution. Then
every cell is *withheld* (shown "."), which says only that it is a count: nothing is pinned then,
since every cell can grow with the totals above it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Hashable, Iterable, Mapping

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

Key = Hashable
INF = math.inf
SMALL, LARGE = "small", "large"   # shown as "<threshold" and as "x"
WITHHELD = "withheld"             # shown as ".": nothing known but that it is a count


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
    return {SMALL: (0, threshold - 1), LARGE: (threshold, INF)}.get(kind, (0, INF))


def kind_of(value: int, threshold: int) -> str:
    return SMALL if value < threshold else LARGE


def suppress(values: Mapping[Key, int], lines: Iterable[Line], threshold: int,
             forced: Iterable[Key] = ()) -> dict[Key, str]:
    """The hidden cells: key -> ``small`` (shown ``<threshold``) or ``large`` (shown ``x``).

    ``forced`` cells are hidden whatever their value. When hiding every cell still leaves one
    pinned (a table of a few children: the kinds alone give it away), every cell is ``withheld``.
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
    free: set[Key] = set()   # hidden cells a witness has shown another value for; they stay free
    while True:
        pinned = pinned_cells(values, hidden, lines, threshold, free)
        if not pinned:
            return hidden
        candidate = None
        for key in sorted(pinned, key=repr):
            candidate = _candidate(values, hidden, lines_of.get(key, ()))
            if candidate is not None:
                break
        if candidate is None:   # pinned through other lines only: any line with a hidden cell
            candidate = _candidate(values, hidden, [ln for ln in lines if any(k in hidden for k, _ in ln.terms())])
        if candidate is None:   # every cell on a line is hidden, and the kinds still give one away
            return dict.fromkeys(values, WITHHELD)
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
                 threshold: int, free: set[Key] | None = None) -> set[Key]:
    """Hidden cells whose value a reader can work out from the published cells and all lines together.

    The cheap check of each line on its own first; only when it finds nothing, the solver.
    ``free`` (extended in place) caches the cells already shown to have a second value.
    """
    bounds = {k: domain(kind, threshold) for k, kind in hidden.items()}
    pinned = set()
    for line in lines:
        for k, _ in line.terms():
            if k in hidden:
                lo, hi = _line_range(values, bounds, line, k)
                if lo == hi:
                    pinned.add(k)
    return pinned or _lp_pinned(values, hidden, lines, threshold, set() if free is None else free)


_TOLERANCE = 1e-6


def _lp_pinned(values: Mapping[Key, int], hidden: Mapping[Key, str], lines: list[Line], threshold: int,
               free: set[Key]) -> set[Key]:
    """Hidden cells no whole-number solution of all lines together moves from their value (see above).

    ``free`` holds the cells already shown to move; it is extended in place with those found here.
    """
    undecided = sorted((k for k in hidden if k not in free), key=repr)
    if not undecided:
        return set()
    keys = sorted(hidden, key=repr)
    index = {k: i for i, k in enumerate(keys)}
    rows, rhs = [], []
    for line in lines:
        row, constant = np.zeros(len(keys)), 0
        for k, c in line.terms():
            if k in index:
                row[index[k]] += c
            else:
                constant += c * values[k]
        if row.any():
            rows.append(row)
            rhs.append(-constant)
    if not rows:
        free.update(undecided)   # a cell on no line is bounded by its domain only, of two values or more
        return set()
    model = _Model(np.array(rows), np.array(rhs, dtype=float),
                   [domain(hidden[k], threshold) for k in keys],
                   2 * max(values.values(), default=0) + threshold,
                   np.array([values[k] for k in keys], dtype=float))
    own = model.truth

    def record(x) -> None:
        free.update(k for k, i in index.items() if round(x[i]) != own[i])

    # Solves for all undecided cells together free most of them at once: each cell pushed the way
    # its domain leaves room for, then the other way; again while that frees any.
    at_top = {i for i in range(len(keys)) if own[i] >= model.upper[i]}
    progress = True
    while progress:
        progress = False
        for flip in (1, -1):
            targets = [index[k] for k in undecided if k not in free]
            if not targets:
                break
            before = len(free)
            x = model.witness({i: flip * (-1 if i in at_top else 1) for i in targets})
            if x is not None:
                record(x)
            progress = progress or len(free) > before
    pinned = set()
    for k in undecided:
        for sense in (1, -1):
            if k in free:
                break
            x = model.witness({index[k]: sense})
            if x is not None:
                record(x)
        if k not in free:
            pinned.add(k)
    return pinned


class _Model:
    """``rows @ x == rhs`` within the cells' bounds; finds whole-number solutions that move cells."""

    def __init__(self, rows, rhs, domains, cap: float, truth):
        self.rows, self.rhs, self.truth = rows, rhs, truth
        self.lower = np.array([lo for lo, _ in domains], dtype=float)
        self.upper = np.array([min(hi, max(cap, lo)) for lo, hi in domains], dtype=float)

    def witness(self, directions: dict[int, int]):
        """A whole-number solution that moves ``sum(sense * x[i])`` over ``directions`` (cell index ->
        +1 up, -1 down) above its value at the cells' own values, or None when none exists."""
        objective = np.zeros(len(self.truth))
        for i, sense in directions.items():
            objective[i] = -sense   # linprog minimises
        res = linprog(objective, A_eq=self.rows, b_eq=self.rhs, bounds=list(zip(self.lower, self.upper)),
                      method="highs-ds")
        if res.status != 0:   # the cells' own values always fit: a solver failure, counted as "pinned" (hide more)
            return None
        if -res.fun < -(objective @ self.truth) + 1 - _TOLERANCE:   # no whole step: no integer solution moves
            return None
        if np.all(np.abs(res.x - np.round(res.x)) <= _TOLERANCE):
            return np.round(res.x)
        return self._integer_witness(objective)

    def _integer_witness(self, objective):
        res = milp(objective, constraints=[LinearConstraint(self.rows, self.rhs, self.rhs)],
                   integrality=np.ones(len(self.truth)), bounds=Bounds(self.lower, self.upper))
        return np.round(res.x) if res.status == 0 else None


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
