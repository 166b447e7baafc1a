"""The case page's contact-attempt form: form strings to the service's data."""
from __future__ import annotations

from werkzeug.datastructures import MultiDict


def attempt_data(form: MultiDict) -> dict:
    """Empty fields left out (the service names a missing one); the checkbox is on or off."""
    data: dict = {"interpreter": form.get("interpreter") in ("ja", "1", "on", "true")}
    for name in ("date", "method", "outcome"):
        value = form.get(name, "")
        if value.strip():
            data[name] = value
    return data
