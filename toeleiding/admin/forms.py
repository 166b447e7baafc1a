"""Parsing the administration forms into what the organisation and user services take."""
from __future__ import annotations

import datetime as dt
import re

from ..errors import N_, ValidationError
from ..numbers import parse_whole_number

CRITERION_RE = re.compile(r"^\s*([a-z][a-z0-9_]{0,39})\s*[:=]\s*(.{1,200}?)\s*$")


def parse_criteria(text: str) -> list[dict]:
    """One criterion a line, ``code: omschrijving``; the code is what cases store."""
    out, seen = [], set()
    for n, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        m = CRITERION_RE.match(line)
        if not m:
            raise ValidationError(N_("Regel %(line)s: schrijf 'code: omschrijving' (code in kleine letters, "
                                     "cijfers en _)."), "criteria", params={"line": n})
        if m.group(1) in seen:
            raise ValidationError(N_("Regel %(line)s: code %(code)s staat er twee keer in."), "criteria",
                                  params={"line": n, "code": m.group(1)})
        seen.add(m.group(1))
        out.append({"code": m.group(1), "label": m.group(2)})
    if not out:
        raise ValidationError(N_("Ten minste één criterium met code en omschrijving."), "criteria")
    return out


def parse_optional_date(raw: str | None, field: str) -> dt.date | None:
    if not raw or not raw.strip():
        return None
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationError(N_("Ongeldige datum; gebruik JJJJ-MM-DD."), field) from None


def parse_required_date(raw: str | None, field: str) -> dt.date:
    day = parse_optional_date(raw, field)
    if day is None:
        raise ValidationError(N_("Dit veld is verplicht."), field)
    return day


def parse_int(raw: str | None, field: str) -> int:
    return parse_whole_number(raw, field, minimum=0, maximum=999999, message=N_("Vul een heel getal in."))


def parse_weeks_open(raw: str | None) -> int | None:
    """Weeks a year a VE location is open (the law's dose, issue 11): a whole number 1..52; None
    when the form did not send the field (the location keeps its value)."""
    if raw is None:
        return None
    if not str(raw).strip():
        raise ValidationError(N_("Weken open per jaar is verplicht."), "weeks_open")
    return parse_whole_number(raw, "weeks_open", minimum=1, maximum=52)
