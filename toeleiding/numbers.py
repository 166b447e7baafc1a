"""Whole numbers from a request (query, form, URL, JSON): one parser, so every place refuses alike.

ASCII digits only: ``str.isdigit()`` also passes '²', which ``int()`` then refuses (a 500), and
'٣' or '３', which it reads as 3. Range-checked: ids live in PostgreSQL INTEGER columns, and a
larger number fails the query itself (a 500) instead of finding nothing.
"""
from __future__ import annotations

from typing import Any

from werkzeug.exceptions import NotFound
from werkzeug.routing import BaseConverter

from .errors import N_, ValidationError

MAX_ID = 2**31 - 1   # the largest value of an INTEGER column
# Longer text is not read at all: int() slows down on thousands of digits and refuses 4,300+.
_MAX_DIGITS = 20


def whole_number(raw: Any, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """``raw`` (an int, not a bool, or ASCII digits) if it lies from ``minimum`` to ``maximum``; else None."""
    if isinstance(raw, str):
        text = raw.strip()
        if not (text.isascii() and text.isdigit()) or len(text) > _MAX_DIGITS:
            return None
        raw = int(text)
    elif isinstance(raw, bool) or not isinstance(raw, int):
        return None
    return raw if minimum <= raw <= maximum else None


def parse_whole_number(raw: Any, field: str, minimum: int = 1, maximum: int = MAX_ID,
                       message: str = N_("Vul een getal van %(min)s tot en met %(max)s in."),
                       params: dict[str, Any] | None = None) -> int:
    """As ``whole_number``, or a ValidationError naming ``field`` (``message`` may use %(min)s and %(max)s)."""
    value = whole_number(raw, minimum, maximum)
    if value is None:
        raise ValidationError(message, field, params={"min": minimum, "max": maximum, **(params or {})})
    return value


class IdConverter(BaseConverter):
    """``<id:name>`` in a route: a row id, so anything else is a 404 before the view or the database."""

    regex = r"[0-9]+"

    def to_python(self, value: str) -> int:
        number = whole_number(value)
        if number is None:
            # A 404 outright, not werkzeug's ValidationError: that one makes the router go on to
            # the next rule, and where a path has one rule per method (GET and PUT capacity) the
            # leftover rule turns an out-of-range id into a 405.
            raise NotFound()
        return number

    def to_url(self, value: Any) -> str:
        return str(int(value))


# --- Numbers as people read them ------------------------------------------------------------------
# A decimal comma in Dutch, a point in English. Machine formats (CSV, API JSON) keep the point.

def format_decimal(value: float | int | None, digits: int = 1, lang: str | None = None) -> str:
    """``value`` with ``digits`` decimals: 13,3 / 13.3 ('' for none)."""
    if value is None:
        return ""
    if lang is None:
        from .dates import current_language
        lang = current_language()
    text = f"{value:,.{digits}f}"
    if lang == "en":
        return text
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def format_percent(value: float | int | None, digits: int = 1, lang: str | None = None) -> str:
    """A percentage given in percent units (13.3 → 13,3% / 13.3%; '' for none)."""
    return "" if value is None else f"{format_decimal(value, digits, lang)}%"
