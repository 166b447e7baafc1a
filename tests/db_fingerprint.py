"""A fingerprint of the database's contents, for "a refused request stores nothing".

Counting rows misses an UPDATE (a name changed, a state flipped, a reminder snoozed), so every
row of every table is hashed, table by table, so that a failure names the table that changed.
"""
from __future__ import annotations

import hashlib

import sqlalchemy as sa

from toeleiding.extensions import db

# Refused attempts are written to the access log on purpose (NEN 7513): it grows on refusal.
GROWS_ON_REFUSAL = frozenset({"access_log"})
# A failed sign-in is counted on purpose (the throttle): for the sign-in forms only.
SIGN_IN_COUNTS = frozenset({"login_attempts"})


def fingerprint(app, skip: frozenset = GROWS_ON_REFUSAL) -> dict[str, str]:
    """Table name -> SHA-256 over its rows in primary-key order."""
    digests = {}
    with app.app_context(), db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if table.name in skip:
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            h = hashlib.sha256()
            for row in conn.execute(sa.select(table).order_by(*order)):
                h.update(repr(tuple(row)).encode())
                h.update(b"\x00")
            digests[table.name] = h.hexdigest()
    return digests


def changed(before: dict, after: dict) -> list[str]:
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
