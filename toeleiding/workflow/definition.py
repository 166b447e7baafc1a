"""Load, check and compile a workflow file.

Three layers, each with errors that name the file and the key: YAML syntax (duplicate keys
included, which PyYAML would otherwise silently overwrite), structure (a JSON Schema), and the
graph and references (destinations exist, every state is reachable, roles and reasons are
known, no trigger is declared twice). The result is immutable, and one `transitions.Machine`
per workflow is shared by every case: it is built with ``model=None`` and fired on the case
row itself, as the transitions FAQ recommends for many ORM rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import jsonschema
import yaml
from flask import current_app
from transitions import Machine

FIELD_TYPES = ("date", "text", "boolean", "integer", "choice", "criteria", "location", "school")
# Named checks a transition may ask for; implemented in cases/checks.py.
KNOWN_CHECKS = ("placement_age", "location_of_own_provider", "minimum_contact_attempts")
CASE_ATTRIBUTES = ("location_id", "school_id", "not_reached_reason", "outcome")
# The law's dose (issue 11): the field in which steps record a child's VE hours a week (an
# integer); the monitor and the reminder condition below project the hours by age 4 from it.
HOURS_FIELD = "hours_per_week"
# Conditions a reminder rule may add (reminders[].condition: {name: threshold}); a rule with a
# condition fires only while it holds for the case, besides the state's rule counted in days.
# projected_hours_below: the placed child's projected VE hours by age 4 are below the threshold.
KNOWN_CONDITIONS = ("projected_hours_below",)
# History rows the application writes itself (registration, change of residence, rename of a
# stored name): a transition of the same name would be read as one of them by the monitor.
# History rows the application writes itself (not transitions): a file may not use these names.
# A correction of the child's or parents' data (``correct``) leaves the case where it was.
REGISTER_EVENT, MOVE_EVENT, RENAME_EVENT, CORRECT_EVENT = "register", "move", "rename", "correct"
RESERVED_TRIGGERS = (REGISTER_EVENT, MOVE_EVENT, RENAME_EVENT, CORRECT_EVENT)


class WorkflowError(Exception):
    """The workflow file is invalid; ``str()`` names the file, the key and the problem."""

    def __init__(self, path: str, key: str, problem: str):
        super().__init__(f"{path}: {key}: {problem}" if key else f"{path}: {problem}")
        self.path, self.key, self.problem = path, key, problem


_name = {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}
_names = {"type": "array", "items": _name, "minItems": 1}
# A label: Dutch text, or Dutch and English.
_label = {"oneOf": [{"type": "string", "minLength": 1},
                    {"type": "object", "required": ["nl"], "additionalProperties": False,
                     "properties": {"nl": {"type": "string", "minLength": 1}, "en": {"type": "string", "minLength": 1}}}]}


class Status:
    """What a state means for the monitor (states: monitor); a final state's meaning comes from
    the case's outcome. Code asks by these, never by a state's name."""
    OUTSIDE, NOT_YET_PLACED, WAITLISTED, PLACED, NOT_REACHED = (
        "outside", "not_yet_placed", "waitlisted", "placed", "not_reached")


MONITOR_STATUSES = (Status.OUTSIDE, Status.NOT_YET_PLACED, Status.WAITLISTED, Status.PLACED, Status.NOT_REACHED)
# What an outcome means for the monitor: the first three count outside the target group.
OUTCOME_MEANINGS = ("left_for_school", "moved_out_of_region", "not_target_group", "closed_without_placement")
# What a step means for the monitor (transitions[].monitor): a provider declining a referral, a
# placed child that stopped before school. The monitor counts children by these, never by trigger.
STEP_MEANINGS = ("referral_declined", "stopped_early")
# Whose access a step ends (transitions[].ends_access): ``current``, the provider of the case's
# location before the step, from the step's effective date on (the location is cleared);
# ``others``, every provider but the one of the case's location after the step, from the day
# after the effective date.
ENDS_ACCESS = ("current", "others")
# The two lists every file may name in a choice field besides its own ``choice_lists``.
BUILT_IN_LISTS = ("reasons", "outcomes")
SCHEMA: dict = {
    "type": "object",
    "required": ["name", "roles", "initial", "states", "transitions"],
    "additionalProperties": False,
    "properties": {
        "name": _name,
        # A list of role names, or role name -> label and the kind of organisation of its users.
        "roles": {"oneOf": [_names, {"type": "object", "minProperties": 1, "propertyNames": _name,
                                     "additionalProperties": {
                                         "type": "object", "required": ["label"], "additionalProperties": False,
                                         "properties": {"label": _label,
                                                        "organisation": {"type": ["string", "null"]}}}}]},
        "initial": _name,
        "states": {"type": "array", "minItems": 2, "items": {
            "type": "object", "required": ["name"], "additionalProperties": False,
            "properties": {"name": _name, "label": _label, "final": {"type": "boolean"},
                           "monitor": {"enum": list(MONITOR_STATUSES)}}}},
        "reasons": {"type": "object", "propertyNames": _name, "additionalProperties": _label},
        "outcomes": {"type": "object", "propertyNames": _name, "additionalProperties": {"oneOf": [
            {"type": "string", "minLength": 1},
            {"type": "object", "required": ["label", "monitor"], "additionalProperties": False,
             "properties": {"label": _label, "monitor": {"enum": list(OUTCOME_MEANINGS)},
                            "ends_sharing": {"type": "boolean"}}}]}},
        "work_lists": {"type": "object", "propertyNames": _name, "additionalProperties": {
            "type": "array", "items": {
                "type": "object", "required": ["key", "label", "states"], "additionalProperties": False,
                "properties": {"key": _name, "label": _label, "states": _names,
                               "min_age_months": {"type": "integer", "minimum": 0, "maximum": 72},
                               # Only cases a partner signalled (registration.signal) that the
                               # registering role has not assessed yet.
                               "only_signalled": {"type": "boolean"}}}}},
        # Who may register a child directly (register) and who may only signal one (signal): a
        # signal registers the child too, with a note, and the registering role assesses it.
        "registration": {"type": "object", "required": ["register"], "additionalProperties": False,
                         "properties": {"register": _names, "signal": _names}},
        "field_labels": {"type": "object", "propertyNames": _name, "additionalProperties": _label},
        # Further lists of codes a choice field may name (choices: <list>), each code with its label.
        "choice_lists": {"type": "object", "propertyNames": _name, "additionalProperties": {
            "type": "object", "minProperties": 1, "propertyNames": _name, "additionalProperties": _label}},
        "transitions": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["trigger", "source", "dest", "roles"], "additionalProperties": False,
            "properties": {
                "trigger": _name, "label": _label,
                "source": {"oneOf": [_name, _names]}, "dest": _name,
                "roles": _names,
                "roles_from": {"type": "object", "propertyNames": _name, "additionalProperties": _names},
                "effective_date": _name,
                "checks": {"type": "array", "items": _name},
                "set_on_case": {"type": "object", "additionalProperties": {"type": "string"}},
                "ends_access": {"enum": list(ENDS_ACCESS)},
                "monitor": {"enum": list(STEP_MEANINGS)},
                "fields": {"type": "object", "propertyNames": _name, "additionalProperties": {
                    "type": "object", "required": ["type"], "additionalProperties": False,
                    "properties": {
                        "type": {"type": "string"},
                        "required": {"type": "boolean"},
                        "required_when": {"type": "object", "minProperties": 1, "maxProperties": 1},
                        # A field required for one choice is offered only with that choice,
                        # unless it is always shown (optional for every other choice).
                        "always_shown": {"type": "boolean"},
                        "not_future": {"type": "boolean"},
                        "max_days_ahead": {"type": "integer", "minimum": 0},
                        "must_be": {"type": "boolean"},
                        "min": {"type": "integer"}, "max": {"type": "integer"},
                        "max_length": {"type": "integer", "minimum": 1},
                        "choices": {"type": "string"},
                        "only": _names,   # a choice field offers only these codes of its list
                        "default": {"enum": ["today"]},   # a date field's form starts at today
                        "on_date": _name,
                        "case_attribute": {"type": "string"},
                        "default_from_case": {"type": "string"},
                    }}},
            }}},
        # Outreach log: the choice list of contact methods, and how many attempts a step with the
        # check minimum_contact_attempts needs when its field has one of the listed codes.
        "contact_attempts": {"type": "object", "required": ["methods"], "additionalProperties": False,
                             "properties": {"methods": _name,
                                            "minimum": {"type": "integer", "minimum": 0, "maximum": 20},
                                            "when": {"type": "object", "minProperties": 1, "maxProperties": 1,
                                                     "propertyNames": _name, "additionalProperties": _names}}},
        "reminders": {"type": "array", "items": {
            "type": "object", "required": ["name", "state", "role"], "additionalProperties": False,
            "properties": {
                "name": _name, "label": _label, "state": {"oneOf": [_name, _names]}, "reason": _name, "role": _name,
                # Only while the case's last step was one of these triggers; beats a reason rule.
                "after_step": {"oneOf": [_name, _names]},
                "condition": {"type": "object", "minProperties": 1, "maxProperties": 1,
                              "propertyNames": {"enum": list(KNOWN_CONDITIONS)},
                              "additionalProperties": {"type": "integer", "minimum": 1}},
                "after_days": {"type": "integer", "minimum": 0},
                "at_age_months": {"type": "integer", "minimum": 0, "maximum": 72},
                "repeat_days": {"type": "integer", "minimum": 1},
                "again_days": {"type": "array", "items": {"type": "integer", "minimum": 1}},
                "escalate": {"type": "object", "required": ["after", "role"], "additionalProperties": False,
                             "properties": {"after": {"type": "integer", "minimum": 1}, "role": _name}},
            },
            "oneOf": [{"required": ["after_days"]}, {"required": ["at_age_months"]}]}},
        # The bereik-overleg's agreed actions (meetings): each becomes a reminder of this kind
        # for the organisation that owns it, due on the agreed day; ``roles``: whose
        # organisations may own one.
        "agreed_action": {"type": "object", "required": ["name", "roles"], "additionalProperties": False,
                          "properties": {"name": _name, "label": _label, "roles": _names}},
        # Bulk import of existing cases (cases import): the steps a row replays after registering.
        "import_steps": {"type": "array", "items": {
            "type": "object", "required": ["trigger", "columns"], "additionalProperties": False,
            "properties": {
                "trigger": _name,
                # CSV column -> the step's field; the first column decides whether the step is taken.
                "columns": {"type": "object", "minProperties": 1, "propertyNames": _name,
                            "additionalProperties": _name},
                "values": {"type": "object", "propertyNames": _name},   # fixed values of other fields
                "as_role": _name,   # recorded under this role (its organisation: the case location's provider)
            }}},
    },
}


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    required: bool = False
    required_when: tuple[str, Any] | None = None
    always_shown: bool = False   # with required_when: offered for every choice, required for that one
    not_future: bool = False
    max_days_ahead: int | None = None
    must_be: bool | None = None
    min: int | None = None
    max: int | None = None
    max_length: int | None = None
    choices_list: str | None = None
    on_date: str | None = None
    case_attribute: str | None = None
    default_from_case: str | None = None
    only: tuple[str, ...] | None = None
    default: str | None = None

    @property
    def encrypted(self) -> bool:
        """Free text may hold anything about a family, so it is always encrypted."""
        return self.type == "text"


@dataclass(frozen=True)
class Transition:
    trigger: str
    label: str
    sources: tuple[str, ...]
    dest: str
    roles: tuple[str, ...]
    roles_from: Mapping[str, tuple[str, ...]]
    fields: Mapping[str, Field]
    effective_date: str | None
    checks: tuple[str, ...]
    set_on_case: Mapping[str, str]
    ends_access: str | None = None
    monitor: str | None = None

    def roles_for(self, source: str) -> tuple[str, ...]:
        return self.roles_from.get(source, self.roles)

    def all_roles(self) -> set[str]:
        return set(self.roles).union(*self.roles_from.values()) if self.roles_from else set(self.roles)


@dataclass(frozen=True)
class ReminderRule:
    name: str
    states: tuple[str, ...]
    reason: str | None
    role: str
    after_days: int | None
    at_age_months: int | None
    repeat_days: int | None
    again_days: tuple[int, ...]
    escalate_after: int | None
    escalate_role: str | None
    after_step: tuple[str, ...] = ()
    condition: tuple[str, int] | None = None   # (one of KNOWN_CONDITIONS, threshold)


@dataclass(frozen=True)
class AgreedActionDef:
    """The reminder kind of an action agreed in the bereik-overleg: not derived from the case's
    state but made by the meeting, due on its agreed day, for an organisation of ``roles``."""
    name: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class ImportStep:
    """One step the bulk import replays (import_steps): ``columns`` maps a CSV column to a field of
    the transition; the step is taken when its first column is filled."""
    trigger: str
    columns: Mapping[str, str]
    values: Mapping[str, Any]
    as_role: str | None = None


@dataclass(frozen=True)
class WorkListDef:
    """One heading of a role's work list: the cases in ``states`` (and old enough)."""
    key: str
    states: tuple[str, ...]
    min_age_months: int | None = None
    only_signalled: bool = False   # only cases a partner signalled, not yet assessed


@dataclass(frozen=True)
class Registration:
    """Who registers a child directly (``register``) and who may only signal one (``signal``):
    the signal registers the child through the same service, with a note, and the registering
    role's next step on the case assesses it."""
    register: tuple[str, ...]
    signal: tuple[str, ...] = ()


DEFAULT_MINIMUM_CONTACT_ATTEMPTS = 2


@dataclass(frozen=True)
class ContactAttemptRules:
    """The outreach log's settings (contact_attempts): the methods' choice list, and the attempts a
    step with the check minimum_contact_attempts needs when ``when_field`` has one of ``when_codes``."""
    methods: str
    minimum: int = DEFAULT_MINIMUM_CONTACT_ATTEMPTS
    when_field: str | None = None
    when_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Workflow:
    name: str
    path: str
    roles: tuple[str, ...]
    initial: str
    states: tuple[str, ...]
    state_labels: Mapping[str, str]          # Dutch; label() gives any language
    final_states: frozenset[str]
    reasons: Mapping[str, str]               # code -> Dutch label
    outcomes: Mapping[str, str]              # code -> Dutch label
    transitions: Mapping[str, Transition]
    reminders: tuple[ReminderRule, ...]
    monitor_status: Mapping[str, str]          # non-final state -> one of MONITOR_STATUSES
    outcome_meaning: Mapping[str, str]         # outcome -> one of OUTCOME_MEANINGS
    sharing_ending_outcomes: frozenset[str]
    work_lists: Mapping[str, tuple[WorkListDef, ...]]
    labels: Mapping[tuple[str, str], Mapping[str, str]]
    role_organisation: Mapping[str, str | None]   # role -> kind of organisation its users belong to
    machine: Machine = dc_field(repr=False, compare=False)
    choice_lists: Mapping[str, Mapping[str, str]] = dc_field(default_factory=dict)   # the file's own lists
    agreed_action: AgreedActionDef | None = None   # the bereik-overleg's action reminders, if any
    contact_attempts: "ContactAttemptRules | None" = None   # the outreach log's settings, if any
    import_steps: tuple[ImportStep, ...] = ()   # what `cases import` replays after registering, in order
    registration: Registration = Registration(())   # who registers, who signals

    def label(self, kind: str, name: str, lang: str = "nl") -> str:
        """The label of a ``role``, ``state``, ``trigger``, ``reason``, ``outcome``, ``reminder``,
        ``work_list`` or ``field`` in ``lang``; Dutch when there is no translation, the name
        itself when the file gives no label."""
        found = self.labels.get((kind, name))
        if not found:
            return name
        return found.get(lang) or found["nl"]

    def states_counted_as(self, *statuses: str) -> tuple[str, ...]:
        """The states whose children the monitor counts under one of ``statuses``."""
        return tuple(s for s, m in self.monitor_status.items() if m in statuses)

    def outcomes_meaning(self, *meanings: str) -> tuple[str, ...]:
        return tuple(o for o, m in self.outcome_meaning.items() if m in meanings)

    def reason_fields(self) -> Mapping[str, str]:
        """trigger -> the field in which it records a non-reach reason."""
        return {t.trigger: f.name for t in self.transitions.values() for f in t.fields.values()
                if f.case_attribute == "not_reached_reason"}

    def explained_reasons(self) -> tuple[str, ...]:
        """The reasons that need a free-text explanation ("anders"): the region analyses and
        recodes those in the monitor."""
        return tuple(dict.fromkeys(str(f.required_when[1]) for t in self.transitions.values()
                                   for f in t.fields.values()
                                   if f.required_when and t.fields[f.required_when[0]].case_attribute
                                   == "not_reached_reason"))

    def move_out_of_region(self) -> tuple[Transition, dict] | None:
        """The transition, and its data but the effective date, that closes a case whose child
        moved out of the region: the one recording the outcome meant for that."""
        outcome = next(iter(self.outcomes_meaning("moved_out_of_region")), None)
        for t in self.transitions.values():
            for f in t.fields.values():
                if outcome and f.case_attribute == "outcome" and f.choices_list == "outcomes":
                    return t, {f.name: outcome}
        return None

    def triggers_from(self, state: str) -> list[Transition]:
        return [t for t in self.transitions.values() if state in t.sources]

    def triggers_for(self, state: str, role: str) -> list[str]:
        """The triggers a role may fire from a state (what the case page offers)."""
        return [t.trigger for t in self.triggers_from(state) if role in t.roles_for(state)]

    def choices_for(self, f: Field) -> Mapping[str, str]:
        """Codes and Dutch labels of a choice field's list (only those it offers)."""
        full = {"reasons": self.reasons, "outcomes": self.outcomes}.get(f.choices_list) \
            or self.choice_lists[f.choices_list]
        return MappingProxyType({c: full[c] for c in f.only}) if f.only else full

    def choice_kind(self, f: Field) -> str:
        """The label kind of a choice field's codes (``label(kind, code)``)."""
        return {"reasons": "reason", "outcomes": "outcome"}.get(f.choices_list) or f"choice:{f.choices_list}"

    def triggers_meaning(self, meaning: str) -> tuple[str, ...]:
        """The triggers whose steps the monitor counts as ``meaning`` (STEP_MEANINGS)."""
        return tuple(t.trigger for t in self.transitions.values() if t.monitor == meaning)

    def hours_triggers(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The steps recording a child's hours a week (HOURS_FIELD) into a placed state, and the
        steps that end a placement without closing the case (from a state counted as placed to
        one that is neither placed nor final): a later placement may follow those."""
        placed = set(self.states_counted_as(Status.PLACED))
        steps = tuple(t.trigger for t in self.transitions.values() if HOURS_FIELD in t.fields and t.dest in placed)
        ending = tuple(t.trigger for t in self.transitions.values()
                       if t.dest not in placed and t.dest not in self.final_states and set(t.sources) & placed)
        return steps, ending

    def fire(self, row, trigger: str, role: str) -> bool:
        """Move ``row.state`` along ``trigger`` through the shared machine; False if the role may not."""
        return self.machine.events[trigger].trigger(row, role=role)


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys; a workflow must not silently lose one."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise WorkflowError(self.name, str(key),
                                    f"duplicate key (line {key_node.start_mark.line + 1})")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _parse(path: str, text: str) -> dict:
    loader = _UniqueKeyLoader(text)
    loader.name = path
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        raise WorkflowError(path, "", f"not valid YAML: {exc}") from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise WorkflowError(path, "", "the file must hold a mapping with states and transitions")
    return data


def _key(error: jsonschema.ValidationError) -> str:
    out = ""
    for part in error.absolute_path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def load_workflow(path: str | Path) -> Workflow:
    """Read and check a workflow file; raises WorkflowError naming file, key and problem."""
    path = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise WorkflowError(path, "", f"cannot read: {exc.strerror}") from None
    data = _parse(path, text)
    errors = sorted(jsonschema.Draft202012Validator(SCHEMA).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        raise WorkflowError(path, _key(err), err.message)
    return _compile(path, data)


def _compile(path: str, data: dict) -> Workflow:
    def fail(key: str, problem: str):
        raise WorkflowError(path, key, problem)

    labels: dict[tuple[str, str], dict[str, str]] = {}

    def label(kind: str, name: str, raw) -> str:
        """Keep a label in both languages; returns the Dutch one."""
        if raw is None:
            return name
        both = {"nl": raw} if isinstance(raw, str) else dict(raw)
        labels[(kind, name)] = both
        return both["nl"]

    raw_roles = data["roles"]
    roles = tuple(raw_roles)
    role_organisation = {r: None for r in roles}
    if isinstance(raw_roles, dict):
        for r, spec in raw_roles.items():
            label("role", r, spec["label"])
            role_organisation[r] = spec.get("organisation")
    states = tuple(s["name"] for s in data["states"])
    if len(set(states)) != len(states):
        dup = next(s for s in states if states.count(s) > 1)
        fail("states", f"state {dup!r} declared twice")
    if data["initial"] not in states:
        fail("initial", f"unknown state {data['initial']!r}")
    final_states = {s["name"] for s in data["states"] if s.get("final")}
    monitor_status = {}
    for i, s in enumerate(data["states"]):
        label("state", s["name"], s.get("label"))
        if s["name"] in final_states:
            if "monitor" in s:
                fail(f"states[{i}].monitor", "a final state counts by the case's outcome (outcomes: monitor)")
        elif "monitor" not in s:
            # Without it the monitor would not know where to count these children.
            fail(f"states[{i}]", f"state {s['name']!r}: say what it counts as in the monitor "
                                 f"(monitor: {' | '.join(MONITOR_STATUSES)})")
        else:
            monitor_status[s["name"]] = s["monitor"]
    reasons = {code: label("reason", code, raw) for code, raw in (data.get("reasons") or {}).items()}
    outcomes, outcome_meaning, ends_sharing = {}, {}, set()
    for code, raw in (data.get("outcomes") or {}).items():
        spec = {"label": raw} if isinstance(raw, str) else raw
        outcomes[code] = label("outcome", code, spec["label"])
        # Unstated, an outcome counts as closed without placement: never silently outside.
        outcome_meaning[code] = spec.get("monitor", "closed_without_placement")
        if spec.get("ends_sharing"):
            ends_sharing.add(code)
    if len([o for o, m in outcome_meaning.items() if m == "moved_out_of_region"]) > 1:
        fail("outcomes", "at most one outcome means moved_out_of_region (a move closes cases with it)")
    for fname, raw in (data.get("field_labels") or {}).items():
        label("field", fname, raw)
    lists = {"reasons": reasons, "outcomes": outcomes}
    choice_lists = {}
    for lname, codes in (data.get("choice_lists") or {}).items():
        if lname in BUILT_IN_LISTS:
            fail(f"choice_lists.{lname}", f"{lname!r} is a list of its own (top level)")
        choice_lists[lname] = MappingProxyType({code: label(f"choice:{lname}", code, raw) for code, raw in codes.items()})
    lists.update(choice_lists)

    transitions: dict[str, Transition] = {}
    for i, raw in enumerate(data["transitions"]):
        key = f"transitions[{i}]"
        trigger = raw["trigger"]
        if trigger in RESERVED_TRIGGERS:
            fail(f"{key}.trigger", f"{trigger!r} is a history entry of the application itself, not a transition")
        if trigger in transitions:
            fail(f"{key}.trigger", f"duplicate trigger {trigger!r}: each trigger is declared once "
                                   "(use roles_from for roles that differ per source)")
        sources = (raw["source"],) if isinstance(raw["source"], str) else tuple(raw["source"])
        for s in sources:
            if s not in states:
                fail(f"{key}.source", f"unknown state {s!r}")
        if raw["dest"] not in states:
            fail(f"{key}.dest", f"unknown destination state {raw['dest']!r}")
        roles_from = {s: tuple(r) for s, r in (raw.get("roles_from") or {}).items()}
        for s in roles_from:
            if s not in sources:
                fail(f"{key}.roles_from.{s}", f"{s!r} is not a source of this transition")
        for r in set(raw["roles"]).union(*roles_from.values()) if roles_from else raw["roles"]:
            if r not in roles:
                fail(f"{key}.roles", f"unknown role {r!r} (known: {', '.join(roles)})")
        fields: dict[str, Field] = {}
        for fname, spec in (raw.get("fields") or {}).items():
            fkey = f"{key}.fields.{fname}"
            if spec["type"] not in FIELD_TYPES:
                fail(f"{fkey}.type", f"unknown field type {spec['type']!r} (known: {', '.join(FIELD_TYPES)})")
            if spec["type"] == "choice":
                if spec.get("choices") not in lists:
                    fail(f"{fkey}.choices", "a choice field names its list: " + ", ".join(lists))
                if not lists[spec["choices"]]:
                    fail(f"{fkey}.choices", f"the list {spec['choices']!r} is empty")
                for code in spec.get("only") or ():
                    if code not in lists[spec["choices"]]:
                        fail(f"{fkey}.only", f"{code!r} is not in the list {spec['choices']!r}")
            elif "only" in spec:
                fail(f"{fkey}.only", "only a choice field offers a part of its list")
            if "default" in spec and spec["type"] != "date":
                fail(f"{fkey}.default", "only a date field starts at today")
            for attr in ("case_attribute", "default_from_case"):
                if spec.get(attr) and spec[attr] not in CASE_ATTRIBUTES:
                    fail(f"{fkey}.{attr}", f"unknown case attribute {spec[attr]!r}")
            required_when = None
            if spec.get("required_when"):
                (other, value), = spec["required_when"].items()
                required_when = (other, value)
            fields[fname] = Field(
                name=fname, type=spec["type"], required=spec.get("required", False),
                required_when=required_when, always_shown=spec.get("always_shown", False),
                not_future=spec.get("not_future", False),
                max_days_ahead=spec.get("max_days_ahead"), must_be=spec.get("must_be"),
                min=spec.get("min"), max=spec.get("max"), max_length=spec.get("max_length"),
                choices_list=spec.get("choices"), on_date=spec.get("on_date"),
                case_attribute=spec.get("case_attribute"), default_from_case=spec.get("default_from_case"),
                only=tuple(spec["only"]) if spec.get("only") else None, default=spec.get("default"))
        for f in fields.values():
            if f.required_when and f.required_when[0] not in fields:
                fail(f"{key}.fields.{f.name}.required_when", f"unknown field {f.required_when[0]!r}")
            if f.on_date and (f.on_date not in fields or fields[f.on_date].type != "date"):
                fail(f"{key}.fields.{f.name}.on_date", f"{f.on_date!r} is not a date field of this transition")
        eff = raw.get("effective_date")
        if eff and (eff not in fields or fields[eff].type != "date"):
            fail(f"{key}.effective_date", f"{eff!r} is not a date field of this transition")
        if HOURS_FIELD in fields and fields[HOURS_FIELD].type != "integer":
            fail(f"{key}.fields.{HOURS_FIELD}", f"{HOURS_FIELD!r} holds hours a week: type integer")
        for check in raw.get("checks") or ():
            if check not in KNOWN_CHECKS:
                fail(f"{key}.checks", f"unknown check {check!r} (known: {', '.join(KNOWN_CHECKS)})")
        for attr in raw.get("set_on_case") or {}:
            if attr not in CASE_ATTRIBUTES:
                fail(f"{key}.set_on_case", f"unknown case attribute {attr!r}")
        transitions[trigger] = Transition(
            trigger=trigger, label=label("trigger", trigger, raw.get("label")), sources=sources, dest=raw["dest"],
            roles=tuple(raw["roles"]), roles_from=MappingProxyType(roles_from),
            fields=MappingProxyType(fields), effective_date=eff, checks=tuple(raw.get("checks") or ()),
            set_on_case=MappingProxyType(dict(raw.get("set_on_case") or {})),
            ends_access=raw.get("ends_access"), monitor=raw.get("monitor"))

    # Every state must be reachable from the initial one, or cases could never get there.
    reachable, frontier = {data["initial"]}, [data["initial"]]
    while frontier:
        state = frontier.pop()
        for t in transitions.values():
            if state in t.sources and t.dest not in reachable:
                reachable.add(t.dest)
                frontier.append(t.dest)
    for s in states:
        if s not in reachable:
            fail(f"states[{states.index(s)}]", f"state {s!r} is unreachable from {data['initial']!r}")

    # A case carries a non-reach reason only in a state entered by a transition that records one.
    states_with_reasons = {t.dest for t in transitions.values()
                           if "not_reached_reason" in t.set_on_case
                           or any(f.case_attribute == "not_reached_reason" for f in t.fields.values())}
    reminders = []
    for i, raw in enumerate(data.get("reminders") or ()):
        key = f"reminders[{i}]"
        rule = f"rule {raw['name']!r}"
        rstates = (raw["state"],) if isinstance(raw["state"], str) else tuple(raw["state"])
        for s in rstates:
            if s not in states:
                fail(f"{key}.state", f"unknown state {s!r}")
            if s in final_states:
                # Nobody acts on a closed case, and nothing would ever cancel the reminder.
                fail(f"{key}.state", f"{rule}: {s!r} is a final state; a case there needs no reminder")
        for r in [raw["role"]] + ([raw["escalate"]["role"]] if raw.get("escalate") else []):
            if r not in roles:
                fail(f"{key}.role", f"unknown role {r!r}")
        if raw.get("escalate") and raw["escalate"]["role"] == raw["role"]:
            fail(f"{key}.escalate.role", f"{rule}: escalates to {raw['role']!r}, the role it already reminds")
        if raw.get("reason"):
            if raw["reason"] not in reasons:
                fail(f"{key}.reason", f"unknown reason {raw['reason']!r}")
            if "at_age_months" in raw:
                # An age milestone spans the states of its rule; a reason would silently narrow it.
                fail(f"{key}.reason", f"{rule}: a reason goes with after_days, not with at_age_months")
            for s in rstates:
                if s not in states_with_reasons:
                    fail(f"{key}.reason", f"{rule}: no transition into {s!r} records a reason, "
                                          "so the rule would never fire")
        if raw["name"] in {r.name for r in reminders}:
            fail(f"{key}.name", f"duplicate reminder name {raw['name']!r}")
        after_step = (raw["after_step"],) if isinstance(raw.get("after_step"), str) else tuple(raw.get("after_step") or ())
        for trig in after_step:
            if trig not in transitions:
                fail(f"{key}.after_step", f"unknown trigger {trig!r}")
            if not set(rstates) & {transitions[trig].dest}:
                fail(f"{key}.after_step", f"{rule}: {trig!r} does not lead to a state of the rule")
        if after_step and "at_age_months" in raw:
            fail(f"{key}.after_step", f"{rule}: a last step goes with after_days, not with at_age_months")
        condition = tuple(next(iter(raw["condition"].items()))) if raw.get("condition") else None
        if condition:
            if "at_age_months" in raw or after_step or raw.get("reason"):
                fail(f"{key}.condition", f"{rule}: a condition goes with after_days alone "
                                         "(no age, reason or last step)")
            not_placed = [s for s in rstates if monitor_status.get(s) != Status.PLACED]
            if not_placed:
                fail(f"{key}.condition", f"{rule}: projected hours are those of placed children; "
                                         f"{not_placed[0]!r} is not counted as placed")
            if not any(HOURS_FIELD in t.fields for t in transitions.values()):
                fail(f"{key}.condition", f"{rule}: no transition records {HOURS_FIELD!r}")
        # again_days count from the same start as after_days (or the age milestone), so they must
        # come later and in order; an escalation needs a reminder after the N-th to go anywhere.
        first = raw.get("after_days", 0)
        again = list(raw.get("again_days") or ())
        if again and (again != sorted(set(again)) or again[0] <= first):
            fail(f"{key}.again_days", f"must rise and come after the first reminder (day {first})")
        esc = raw.get("escalate")
        if esc and not raw.get("repeat_days") and esc["after"] >= 1 + len(again):
            fail(f"{key}.escalate.after", f"the rule sends only {1 + len(again)} reminder(s); "
                                          "add repeat_days or again_days so there is one to escalate")
        # Exactly one rule per (state, reason): a reason-specific rule beats the generic one of
        # its state, and two rules of the same specificity would both fire. Age milestones are
        # counted separately: one rule per (state, age).
        for prev in reminders:
            for s in rstates:
                if s not in prev.states:
                    continue
                if "at_age_months" in raw and prev.at_age_months == raw["at_age_months"]:
                    fail(f"{key}.state", f"rule {prev.name!r} already fires at {prev.at_age_months} months in {s!r}")
                same_step = bool(set(prev.after_step) & set(after_step)) or (not prev.after_step and not after_step)
                if condition or prev.condition:
                    continue   # a conditional rule comes on top of the state's own rule
                if "after_days" in raw and prev.after_days is not None and prev.reason == raw.get("reason") and same_step:
                    what = f"reason {prev.reason!r}" if prev.reason else "any reason"
                    fail(f"{key}.state", f"rule {prev.name!r} already covers {s!r} with {what}")
        label("reminder", raw["name"], raw.get("label"))
        reminders.append(ReminderRule(
            name=raw["name"], states=rstates, reason=raw.get("reason"), role=raw["role"],
            after_days=raw.get("after_days"), at_age_months=raw.get("at_age_months"),
            repeat_days=raw.get("repeat_days"), again_days=tuple(raw.get("again_days") or ()),
            escalate_after=(raw.get("escalate") or {}).get("after"),
            escalate_role=(raw.get("escalate") or {}).get("role"), after_step=after_step,
            condition=condition))

    registration = _registration(data, roles, transitions, fail)
    work_lists: dict[str, tuple[WorkListDef, ...]] = {}
    for role, items in (data.get("work_lists") or {}).items():
        if role not in roles:
            fail(f"work_lists.{role}", f"unknown role {role!r}")
        defs = []
        for i, raw in enumerate(items):
            key = f"work_lists.{role}[{i}]"
            if raw["key"] == "all" or raw["key"] in {d.key for d in defs}:
                fail(f"{key}.key", f"{raw['key']!r} is used twice ('all' is every role's list of open cases)")
            for s in raw["states"]:
                if s not in states:
                    fail(f"{key}.states", f"unknown state {s!r}")
                if s in final_states:
                    fail(f"{key}.states", f"{s!r} is final: a work list holds open cases")
            label("work_list", raw["key"], raw["label"])
            if raw.get("only_signalled") and (not registration.signal or role not in registration.register):
                fail(f"{key}.only_signalled", f"signals are assessed by registration.register, and "
                                              f"{role!r} is not one of them or no role signals")
            defs.append(WorkListDef(raw["key"], tuple(raw["states"]), raw.get("min_age_months"),
                                    bool(raw.get("only_signalled"))))
        work_lists[role] = tuple(defs)

    agreed_action = None
    if data.get("agreed_action"):
        raw = data["agreed_action"]
        if raw["name"] in {r.name for r in reminders}:
            fail("agreed_action.name", f"{raw['name']!r} is already a reminder rule's name")
        for i, r in enumerate(raw["roles"]):
            if r not in roles:
                fail(f"agreed_action.roles[{i}]", f"unknown role {r!r}")
        label("reminder", raw["name"], raw.get("label"))
        agreed_action = AgreedActionDef(raw["name"], tuple(raw["roles"]))

    contact_attempts = _compile_contact_attempts(data, transitions, choice_lists, lists, fail)
    import_steps = _import_steps(data, transitions, roles, data["initial"], fail)
    machine = _build_machine(states, data["initial"], transitions)
    return Workflow(
        name=data["name"], path=path, roles=roles, initial=data["initial"], states=states,
        state_labels=MappingProxyType({s: labels.get(("state", s), {}).get("nl", s) for s in states}),
        final_states=frozenset(final_states),
        reasons=MappingProxyType(reasons), outcomes=MappingProxyType(outcomes),
        transitions=MappingProxyType(transitions), reminders=tuple(reminders),
        monitor_status=MappingProxyType(monitor_status), outcome_meaning=MappingProxyType(outcome_meaning),
        sharing_ending_outcomes=frozenset(ends_sharing), work_lists=MappingProxyType(work_lists),
        labels=MappingProxyType({k: MappingProxyType(v) for k, v in labels.items()}),
        role_organisation=MappingProxyType(role_organisation), choice_lists=MappingProxyType(choice_lists),
        machine=machine, contact_attempts=contact_attempts, import_steps=import_steps,
        agreed_action=agreed_action, registration=registration)


def _registration(data: dict, roles, transitions: Mapping[str, Transition], fail) -> Registration:
    """Who registers and who signals, checked: known roles, none in both lists. Without the key,
    the roles that may take every step out of the initial state register, and nobody signals."""
    raw = data.get("registration")
    if raw is None:
        out = [t.roles_for(data["initial"]) for t in transitions.values() if data["initial"] in t.sources]
        allowed = set(out[0]).intersection(*out[1:]) if out else set()
        return Registration(tuple(r for r in roles if r in allowed))
    for kind in ("register", "signal"):
        for i, r in enumerate(raw.get(kind) or ()):
            if r not in roles:
                fail(f"registration.{kind}[{i}]", f"unknown role {r!r}")
    both = [r for r in raw.get("signal") or () if r in raw["register"]]
    if both:
        fail("registration.signal", f"{both[0]!r} registers already; a role either registers or signals")
    return Registration(tuple(dict.fromkeys(raw["register"])), tuple(dict.fromkeys(raw.get("signal") or ())))


def _import_steps(data: dict, transitions: Mapping[str, Transition], roles, initial: str, fail) -> tuple:
    """The bulk import's steps: known triggers and fields, each step possible from where the
    previous one (or the registration) left the case, no CSV column used twice."""
    steps, state, used = [], initial, set()
    for i, raw in enumerate(data.get("import_steps") or ()):
        key = f"import_steps[{i}]"
        t = transitions.get(raw["trigger"])
        if t is None:
            fail(f"{key}.trigger", f"unknown trigger {raw['trigger']!r}")
        if state not in t.sources:
            fail(f"{key}.trigger", f"{t.trigger!r} cannot follow {state!r}")
        for column, fname in raw["columns"].items():
            if fname not in t.fields:
                fail(f"{key}.columns.{column}", f"{fname!r} is not a field of {t.trigger!r}")
            if column in used:
                fail(f"{key}.columns.{column}", f"column {column!r} is used twice")
            used.add(column)
        for fname in raw.get("values") or {}:
            if fname not in t.fields:
                fail(f"{key}.values.{fname}", f"{fname!r} is not a field of {t.trigger!r}")
        as_role = raw.get("as_role")
        if as_role is not None and as_role not in t.all_roles():
            fail(f"{key}.as_role", f"role {as_role!r} may not fire {t.trigger!r}")
        steps.append(ImportStep(t.trigger, MappingProxyType(dict(raw["columns"])),
                                MappingProxyType(dict(raw.get("values") or {})), as_role))
        state = t.dest
    return tuple(steps)


def _build_machine(states, initial, transitions: Mapping[str, Transition]) -> Machine:
    """One machine, no models: events fire on whatever row they are given.

    A source whose roles differ (``roles_from``) gets a transition of its own, each guarded by
    a condition on the caller's role, so the machine itself refuses a role that may not fire.
    """
    machine = Machine(model=None, states=list(states), initial=initial, auto_transitions=False,
                      send_event=True, ignore_invalid_triggers=False)
    for t in transitions.values():
        groups: dict[tuple[str, ...], list[str]] = {}
        for s in t.sources:
            groups.setdefault(t.roles_for(s), []).append(s)
        for allowed, sources in groups.items():
            machine.add_transition(t.trigger, sources, t.dest,
                                   conditions=[lambda event, allowed=allowed: event.kwargs.get("role") in allowed])
    return machine


def current_workflow() -> Workflow:
    return current_app.extensions["toeleiding.workflow"]


def _compile_contact_attempts(data: dict, transitions: Mapping[str, Transition], choice_lists, lists,
                              fail) -> ContactAttemptRules | None:
    """The outreach log's settings, checked: the methods are one of the file's choice lists, and
    every step with the check minimum_contact_attempts has the ``when`` field, a choice field
    whose list holds the codes named."""
    raw = data.get("contact_attempts")
    with_check = [t for t in transitions.values() if "minimum_contact_attempts" in t.checks]
    if raw is None:
        if with_check:
            fail(f"transitions.{with_check[0].trigger}.checks",
                 "minimum_contact_attempts needs the top-level contact_attempts settings")
        return None
    if raw["methods"] not in choice_lists:
        fail("contact_attempts.methods", f"unknown choice list {raw['methods']!r} (choice_lists)")
    when_field, when_codes = None, ()
    if raw.get("when"):
        when_field, codes = next(iter(raw["when"].items()))
        when_codes = tuple(codes)
    if with_check and when_field is None:
        fail("contact_attempts.when", "say which field's codes need the attempts (when: {field: [codes]})")
    for t in with_check:
        f = t.fields.get(when_field)
        if f is None or f.type != "choice":
            fail(f"contact_attempts.when.{when_field}", f"not a choice field of transition {t.trigger!r}")
        known = lists.get(f.choices_list) or choice_lists.get(f.choices_list) or {}
        for code in when_codes:
            if code not in known:
                fail(f"contact_attempts.when.{when_field}", f"unknown code {code!r} of list {f.choices_list!r}")
    return ContactAttemptRules(methods=raw["methods"], minimum=raw.get("minimum", DEFAULT_MINIMUM_CONTACT_ATTEMPTS),
                               when_field=when_field, when_codes=when_codes)
