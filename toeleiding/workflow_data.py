"""Stored data against the workflow file: names the database uses that the file no longer has.

A new workflow file may rename or drop a state, a non-reach reason or a closing outcome while
cases still carry the old name, in their row and in their history. Such a case would sit in a
state no transition leaves, its reminders would be cancelled by the next sync, and the monitor
would count it as nothing. So the app refuses to start (``guard``), ``flask workflow
check-data`` says what is wrong, and ``flask workflow rename-state|rename-reason|rename-outcome
OLD NEW`` moves the stored names in one transaction, with a history row per case.

Where each kind of name is stored (read from the workflow, so a file with other field names is
covered too): states in ``cases.state`` and the history's ``from_state``/``to_state``; reasons
and outcomes in the case column a choice field of that list fills (``not_reached_reason``,
``outcome``), in the history's ``data`` under that field's name for its trigger, and reasons
also in the monitor's recodings of 'other'. Reminder rows name their rule, never a state or a
reason, so a rename leaves them alone.
"""
from __future__ import annotations

import copy
import logging
from dataclasses import dataclass

import click
from flask.cli import with_appcontext
import sqlalchemy as sa
from sqlalchemy import func, select, union, update

from . import clock
from .errors import N_, AppError, ValidationError
from .extensions import db
from .workflow.definition import RENAME_EVENT, Workflow, current_workflow

log = logging.getLogger(__name__)

KINDS = ("state", "reason", "outcome")
LISTS = {"reason": "reasons", "outcome": "outcomes"}
# The history row of a rename. Like a move it leaves the state as it was: the monitor skips both
# when it picks the state at a reference date, and reminders do not count a stay from them.
RENAME_TRIGGER = RENAME_EVENT


@dataclass(frozen=True)
class Unknown:
    """A name of ``kind`` the database uses and the workflow file lacks, and how many cases use it."""
    kind: str
    name: str
    cases: int

    def __str__(self) -> str:
        return f"{self.kind} {self.name!r} ({self.cases} case{'' if self.cases == 1 else 's'})"


def known_names(workflow: Workflow, kind: str) -> tuple[str, ...]:
    return tuple(workflow.states) if kind == "state" else tuple(getattr(workflow, LISTS[kind]))


def _places(workflow: Workflow, kind: str, tables: set[str]):
    """(name, case id, statement) for every place a name of ``kind`` is stored; ``statement``
    selects the two, to be narrowed with a WHERE on the name."""
    from .cases.models import Case, CaseEvent
    from .monitor.models import Recoding
    if kind == "state":
        return [(Case.state, Case.id, select(Case.state, Case.id)),
                (CaseEvent.from_state, CaseEvent.case_id, select(CaseEvent.from_state, CaseEvent.case_id)),
                (CaseEvent.to_state, CaseEvent.case_id, select(CaseEvent.to_state, CaseEvent.case_id))]
    out = [(getattr(Case, column), Case.id, select(getattr(Case, column), Case.id))
           for column in _case_columns(workflow, kind)]
    for trigger, field in _data_fields(workflow, kind):
        value = CaseEvent.data[field].as_string()
        out.append((value, CaseEvent.case_id,
                    select(value, CaseEvent.case_id).where(CaseEvent.trigger == trigger)))
    if kind == "reason" and Recoding.__tablename__ in tables:
        out.append((Recoding.reason, CaseEvent.case_id,
                    select(Recoding.reason, CaseEvent.case_id).join(CaseEvent, CaseEvent.id == Recoding.case_event_id)))
    return out


def _data_fields(workflow: Workflow, kind: str) -> list[tuple[str, str]]:
    """(trigger, field) of every choice field whose codes come from the list of ``kind``."""
    return [(t.trigger, f.name) for t in workflow.transitions.values() for f in t.fields.values()
            if f.type == "choice" and f.choices_list == LISTS[kind]]


def _case_columns(workflow: Workflow, kind: str) -> list[str]:
    """The case columns that hold codes of ``kind``: filled from a choice field, or set by a
    transition to one of the list's codes (``reject`` sets the outcome)."""
    codes = known_names(workflow, kind)
    columns = {f.case_attribute for t in workflow.transitions.values() for f in t.fields.values()
               if f.type == "choice" and f.choices_list == LISTS[kind] and f.case_attribute}
    columns |= {attr for t in workflow.transitions.values() for attr, value in t.set_on_case.items() if value in codes}
    return sorted(columns)


def _used(parts: list):
    """The (name, case id) pairs of the narrowed ``parts``, each pair once (UNION), or None."""
    if not parts:
        return None
    return (union(*parts) if len(parts) > 1 else parts[0]).subquery()


def _tables() -> set[str]:
    return set(sa.inspect(db.session.get_bind()).get_table_names())


def unknown_names(workflow: Workflow | None = None) -> list[Unknown]:
    """Every stored name the workflow file lacks, with its number of cases (each case once)."""
    workflow = workflow or current_workflow()
    tables = _tables()
    if not {"cases", "case_events"} <= tables:
        return []   # not migrated yet: nothing stored
    out = []
    for kind in KINDS:
        known = known_names(workflow, kind)
        used = _used([stmt.where(name.is_not(None), name.not_in(known))
                      for name, _, stmt in _places(workflow, kind, tables)])
        if used is None:
            continue
        name_col, case_col = used.c   # a case counts once per name, wherever it holds it
        for name, cases in db.session.execute(select(name_col, func.count(case_col))
                                              .group_by(name_col).order_by(name_col)):
            out.append(Unknown(kind, name, cases))
    return out


def describe(unknown: list[Unknown], workflow: Workflow) -> str:
    """The one-line refusal: what is stored that the file lacks, and the way out."""
    return (f"workflow: the database uses names {workflow.path} does not have: "
            + "; ".join(str(u) for u in unknown)
            + ". Rename them with `flask workflow rename-state|rename-reason|rename-outcome OLD NEW "
              "--by ADMIN-EMAIL`, or put them back in the file")


def check_stored_data() -> None:
    """Raise ConfigError (one line) if stored cases use a name the workflow file lacks."""
    from .config import ConfigError
    try:
        unknown = unknown_names()
    except sa.exc.OperationalError as exc:
        # Unreachable database: the check cannot decide, and refusing would turn a database
        # restart into an application outage. Requests fail on their own until it is back.
        log.warning("workflow: stored data not checked, database unreachable (%s)", type(exc.orig).__name__)
        return
    finally:
        # No connection outlives the check: gunicorn --preload forks after it, and a pooled
        # connection must never be shared by two processes.
        db.session.remove()
        db.engine.dispose()
    if unknown:
        raise ConfigError(describe(unknown, current_workflow()))


def guard(app) -> None:
    """Refuse to start, or to run a command, while stored data uses names the file lacks.

    Serving (a WSGI server such as gunicorn, or ``flask run``) checks now, so the app never
    answers a request. Under the flask CLI the command is not known yet when the app is made:
    every command of the app then checks before it runs, except the ``workflow`` group, whose
    check-data and rename commands are the way out (and ``flask db``, which is Flask-Migrate's).
    """
    ctx = click.get_current_context(silent=True)
    if ctx is None or ctx.info_name == "run":
        with app.app_context():
            check_stored_data()
        return
    lookup = app.cli.get_command

    def get_command(ctx, name):
        command = lookup(ctx, name)
        if command is None or name == "workflow":
            return command
        checked = copy.copy(command)   # the original is shared by every app of this process

        def invoke(ctx):
            with app.app_context():
                check_stored_data()
            return command.invoke(ctx)
        checked.invoke = invoke
        return checked
    app.cli.get_command = get_command


def rename(user, kind: str, old: str, new: str) -> int:
    """Move every stored ``old`` name of ``kind`` to ``new``; returns the number of cases changed.

    ``new`` must be in the workflow file and ``old`` not (a name still in the file is valid, and
    moving its cases would merge two names). Each case changed gets a history row (trigger
    ``rename``, data ``{"kind", "from", "to"}``, same state before and after), a new version
    and an access-log row. Run again, it finds nothing to move and changes nothing. Only
    flushes: the command commits once, so all of it or none is stored.
    """
    from .audit.operations import log_access
    from .cases.models import Case, CaseEvent
    from .cases.operations import history_event
    from .monitor.models import Recoding
    workflow = current_workflow()
    known = known_names(workflow, kind)
    if new not in known:
        raise ValidationError(N_("'%(new)s' staat niet in het workflowbestand %(path)s: hernoem naar een naam "
                                 "die er wel in staat."), "new", params={"new": new, "path": workflow.path})
    if old in known:
        raise ValidationError(N_("'%(old)s' staat nog in het workflowbestand %(path)s: dossiers met die naam zijn "
                                 "geldig. Haal '%(old)s' eerst uit het bestand."), "old",
                              params={"old": old, "path": workflow.path})
    tables = _tables()
    places = _places(workflow, kind, tables)
    used = _used([stmt.where(name == old) for name, _, stmt in places])
    ids = sorted(db.session.scalars(select(used.c[1]).distinct())) if used is not None else []
    if not ids:
        return 0

    if kind == "state":
        for column in (CaseEvent.from_state, CaseEvent.to_state):
            db.session.execute(update(CaseEvent).where(column == old).values({column: new})
                               .execution_options(synchronize_session=False))
    else:
        fields = _data_fields(workflow, kind)
        for event in db.session.scalars(select(CaseEvent).where(
                CaseEvent.case_id.in_(ids), CaseEvent.trigger.in_([t for t, _ in fields]))):
            changed = {f: new for t, f in fields if t == event.trigger and (event.data or {}).get(f) == old}
            if changed:
                event.data = {**event.data, **changed}   # a new dict: JSON columns do not see changes in place
        if kind == "reason" and Recoding.__tablename__ in tables:
            db.session.execute(update(Recoding).where(Recoding.reason == old).values(reason=new)
                               .execution_options(synchronize_session=False))
    columns = ["state"] if kind == "state" else _case_columns(workflow, kind)
    now, today = clock.now(), clock.today()
    for start in range(0, len(ids), 200):
        for case in db.session.scalars(select(Case).where(Case.id.in_(ids[start:start + 200]))):
            for column in columns:
                if getattr(case, column) == old:
                    setattr(case, column, new)
            case.updated_at = now   # the versioned UPDATE: a concurrent writer of the case gets a 409
            db.session.add(history_event(case, user, case.version + 1, RENAME_TRIGGER, case.state, today,
                                         {"kind": kind, "from": old, "to": new}))
        db.session.flush()
    log_access(user, "workflow_rename", ids)
    return len(ids)



# --- Commands ---------------------------------------------------------------------------

@click.command("check-data")
@with_appcontext
def check_data():
    """Exit 1 naming every state, reason or outcome the database uses and the workflow file lacks."""
    unknown = unknown_names()
    if unknown:
        raise click.ClickException(describe(unknown, current_workflow()))
    click.echo(f"ok: every state, reason and outcome in the database is in {current_workflow().path}")


def _rename_command(kind: str):
    @click.argument("old")
    @click.argument("new")
    @click.option("--by", "email", required=True, help="E-mail of the admin renaming (recorded in each case's history).")
    def command(old, new, email):
        from .users.models import User
        user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None or user.role != "admin" or not user.active:
            raise click.ClickException(f"--by: {email!r} is not an active admin")
        try:
            changed = rename(user, kind, old, new)
            db.session.commit()   # every case or none
        except AppError as exc:
            db.session.rollback()
            raise click.ClickException(f"{exc.field}: {exc.message}")
        click.echo(f"renamed {kind} {old!r} to {new!r} in {changed} case{'' if changed == 1 else 's'}")
    command.__doc__ = (f"Move every case's {kind} OLD (gone from the workflow file) to NEW (in it), "
                       "with a history row per case, in one transaction.")
    return click.command(f"rename-{kind}")(with_appcontext(command))


# ``flask workflow check-data | rename-state|rename-reason|rename-outcome OLD NEW``
COMMANDS = [check_data] + [_rename_command(kind) for kind in ("state", "reason", "outcome")]


__all__ = ["KINDS", "RENAME_TRIGGER", "Unknown", "check_stored_data", "describe", "guard", "known_names",
           "rename", "unknown_names"]
