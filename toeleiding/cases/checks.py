"""Named rules a transition may ask for in the workflow file (``checks: [...]``).

Each takes the case, the acting user and the parsed values, and raises ValidationError naming
the field at fault. The loader refuses a check name that is not in ``CHECKS``.
"""
from __future__ import annotations

from .. import clock
from ..errors import N_, NotPermitted, ValidationError

MAX_AGE_MONTHS = 48   # VE ends when the child goes to school at 4


def placement_age(case, user, values: dict) -> None:
    """On its start date the child is at least the municipality's minimum age, and under 4."""
    start = values["start_date"]
    definition = case.municipality.definition_on(start)
    if definition is None:
        raise ValidationError(N_("%(municipality)s heeft op %(date)s geen doelgroepdefinitie."), "start_date",
                              params={"municipality": case.municipality.name, "date": start})
    age = clock.months_between(case.birth_date, start)
    if age < definition.min_age_months:
        raise ValidationError(
            N_("Het kind is op de startdatum %(age)s maanden; in %(municipality)s kan plaatsing "
               "vanaf %(min)s maanden."), "start_date",
            params={"age": age, "municipality": case.municipality.name, "min": definition.min_age_months})
    if age >= MAX_AGE_MONTHS:
        raise ValidationError(N_("Het kind is op de startdatum 4 jaar of ouder."), "start_date")


def location_of_own_provider(case, user, values: dict) -> None:
    """A provider places children only at its own locations."""
    location = values.get("location_id")
    if location is not None and user.role == "ve" and location.provider_id != user.organisation_id:
        raise ValidationError(N_("Deze locatie hoort niet bij uw organisatie."), "location_id")


def is_current_provider(case, user) -> bool:
    """Whether ``user`` may act on ``case`` as far as its organisation goes.

    A provider keeps seeing a child it was ever referred (its scope, cases/util.py ``_scope``),
    but once the child is referred to another provider only that one may act: otherwise two
    providers could each waitlist or place the same child. Other roles act on every case they see.
    """
    if user.role != "ve":
        return True
    if case.location_id is None:
        return False
    from ..extensions import db
    from ..organisations.models import Location
    location = db.session.get(Location, case.location_id)   # usually in the session already
    return location is not None and location.provider_id == user.organisation_id


def allowed_triggers(case, user) -> list[str]:
    """The actions ``user`` may take on ``case`` now: what the case page and the API offer.

    The same rules ``fire_transition`` enforces (``require_current_provider`` and the workflow's
    roles per state), so nothing is offered that would be refused."""
    from ..workflow import current_workflow
    if not is_current_provider(case, user):
        return []
    return current_workflow().triggers_for(case.state, user.role)


def require_current_provider(case, user) -> None:
    """Refuse (403) an action by a provider the child is no longer referred to.

    403, not 404: the case stays visible to the former provider (its history is theirs too), so
    hiding that it exists would contradict the page they can open; they may only not act on it.
    """
    if not is_current_provider(case, user):
        raise NotPermitted(N_("Dit kind is inmiddels naar een andere aanbieder toegeleid; "
                              "alleen die aanbieder kan nu iets doen."))


CHECKS = {"placement_age": placement_age, "location_of_own_provider": location_of_own_provider}


def register_check(name: str, fn) -> None:
    """A feature above cases adds a named check (e.g. the outreach log's minimum of contact
    attempts); the workflow loader knows the names (workflow/definition.py KNOWN_CHECKS)."""
    CHECKS[name] = fn
