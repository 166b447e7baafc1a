"""Named rules a transition may ask for in the workflow file (``checks: [...]``).

Each takes the case, the acting user and the parsed values, and raises ValidationError naming
the field at fault. The loader refuses a check name that is not in ``CHECKS``.
"""
from __future__ import annotations

from .. import clock
from ..errors import ValidationError

MAX_AGE_MONTHS = 48   # VE ends when the child goes to school at 4


def placement_age(case, user, values: dict) -> None:
    """On its start date the child is at least the municipality's minimum age, and under 4."""
    start = values["start_date"]
    definition = case.municipality.definition_on(start)
    if definition is None:
        raise ValidationError(f"{case.municipality.name} heeft op {start:%d-%m-%Y} geen doelgroepdefinitie.",
                              "start_date")
    age = clock.months_between(case.birth_date, start)
    if age < definition.min_age_months:
        raise ValidationError(
            f"Het kind is op de startdatum {age} maanden; in {case.municipality.name} kan plaatsing "
            f"vanaf {definition.min_age_months} maanden.", "start_date")
    if age >= MAX_AGE_MONTHS:
        raise ValidationError("Het kind is op de startdatum 4 jaar of ouder.", "start_date")


def location_of_own_provider(case, user, values: dict) -> None:
    """A provider places children only at its own locations."""
    location = values.get("location_id")
    if location is not None and user.role == "ve" and location.provider_id != user.organisation_id:
        raise ValidationError("Deze locatie hoort niet bij uw organisatie.", "location_id")


CHECKS = {"placement_age": placement_age, "location_of_own_provider": location_of_own_provider}
