"""What features above cases add to a case's life, registered at start-up so that cases imports
none of them (tests/test_layering.py): the reminders re-derive a case's reminders in each step's
own transaction, let the CJG open a case whose reminders escalated to it, and put the
bereik-overleg notes on the case page. Registering twice (several apps in one process) is a no-op.
"""
from __future__ import annotations

from typing import Any, Callable

# fn(case, entered_seq): after registration (seq 1) and after each transition, before the commit.
STEP: list[Callable[[Any, int], None]] = []
# STEP fn -> its in-memory twin fn(case, entered_seq, rows, batch): the same work for a case the
# bulk import holds in memory (cases import), done without writing, its rows added to ``rows``
# ({table name: [row dicts]}, the case's rows so far, its history in "case_events") for the
# import to insert with the case; ``batch``: a dict shared by the batch's cases (for what a twin
# looks up once per batch). A STEP hook without a twin sends the import down the
# one-case-at-a-time path.
IN_MEMORY_STEP: dict[Callable[[Any, int], None], Callable[[Any, int, dict, dict], None]] = {}
# role -> [fn(organisation) -> SQL criterion on Case]: OR-ed into that role's scope (cases/util.py).
SCOPE: dict[str, list[Callable[[Any], Any]]] = {}
# fn(case): after a correction of the child's or parents' data, before the commit (e.g. an index
# of the names to refresh).
CORRECTION: list[Callable[[Any], None]] = []
# fn(case, user) -> [{"at": datetime, ...}]: entries the case page's timeline shows beside the history.
TIMELINE: list[Callable[[Any, Any], list]] = []
# fn() -> SQL criterion on Case: the cases a work list with ``only_signalled`` holds (signals);
# without one such a list is empty.
SIGNALLED: list[Callable[[], Any]] = []
# name -> fn(case, user): extra values the case page shows (template variable ``name``).
CASE_PAGE: dict[str, Callable[[Any, Any], Any]] = {}


def on_step(fn: Callable[[Any, int], None], in_memory: Callable[[Any, int, dict, dict], None] | None = None) -> None:
    if fn not in STEP:
        STEP.append(fn)
    if in_memory is not None:
        IN_MEMORY_STEP[fn] = in_memory


def widen_scope(role: str, fn: Callable[[Any], Any]) -> None:
    if fn not in SCOPE.setdefault(role, []):
        SCOPE[role].append(fn)


def on_case_page(name: str, fn: Callable[[Any, Any], Any]) -> None:
    CASE_PAGE[name] = fn


def signalled_cases(fn: Callable[[], Any]) -> None:
    if fn not in SIGNALLED:
        SIGNALLED.append(fn)


def on_correction(fn: Callable[[Any], None]) -> None:
    if fn not in CORRECTION:
        CORRECTION.append(fn)


def on_timeline(fn: Callable[[Any, Any], list]) -> None:
    if fn not in TIMELINE:
        TIMELINE.append(fn)


def after_correction(case) -> None:
    for fn in CORRECTION:
        fn(case)


def after_step(case, entered_seq: int) -> None:
    for fn in STEP:
        fn(case, entered_seq)


def steps_in_memory() -> bool:
    """Whether every STEP hook has an in-memory twin (the bulk import's fast path)."""
    return all(fn in IN_MEMORY_STEP for fn in STEP)


def after_step_in_memory(case, entered_seq: int, rows: dict, batch: dict) -> None:
    for fn in STEP:
        IN_MEMORY_STEP[fn](case, entered_seq, rows, batch)
