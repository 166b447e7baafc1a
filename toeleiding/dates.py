"""A date from a request (JSON or form): one parser, so every place names the field alike."""
from __future__ import annotations

import datetime as dt
from typing import Any

from .errors import N_, ValidationError


def parse_date(raw: Any, field: str) -> dt.date:
    if isinstance(raw, dt.date):
        return raw
    if not isinstance(raw, str):
        raise ValidationError(N_("Datum ontbreekt of is geen datum (JJJJ-MM-DD)."), field)
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationError(N_("Ongeldige datum; gebruik JJJJ-MM-DD."), field) from None
