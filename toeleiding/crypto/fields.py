"""``Encrypted``: a model attribute stored as an authenticated ciphertext bound to its row."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any, Callable

from .keyring import current_keyring, key_store

# On an object: {attribute: (ciphertext, plaintext)} of what it decrypted or encrypted (Encrypted._remember).
_PLAIN = "_encrypted_plaintexts"

# Every (model, attribute) that holds a ciphertext, for key rotation and the retention job.
REGISTRY: list[tuple[type, "Encrypted"]] = []


def encrypted_models() -> list[type]:
    """Each model with an encrypted column, once, in the order they were defined."""
    return list(dict.fromkeys(m for m, _ in REGISTRY))


CODECS: dict[str, tuple[Callable[[Any], bytes], Callable[[bytes], Any]]] = {
    "str": (lambda v: str(v).encode(), lambda b: b.decode()),
    "date": (lambda v: v.isoformat().encode(), lambda b: dt.date.fromisoformat(b.decode())),
    "json": (lambda v: json.dumps(v, separators=(",", ":")).encode(), lambda b: json.loads(b)),
}


class Encrypted:
    """Descriptor over a LargeBinary column ``_<name>``.

    ``bind`` gives the row identity used as associated data; it must be known before the
    first assignment (cases get their UUID in ``__init__`` for that reason).
    """

    def __init__(self, codec: str = "str", bind: Callable[[Any], str] = lambda row: str(row.id)):
        self.codec = codec
        self.bind = bind

    def __set_name__(self, owner, name):
        self.name = name
        self.table = getattr(owner, "__tablename__", None)
        self.column = f"_{name}"
        REGISTRY.append((owner, self))

    def aad(self, row, table: str | None = None) -> bytes:
        """The associated data; ``row`` may be a plain result row of ``table`` (key rotation reads those)."""
        return f"{table or row.__tablename__}.{self.name}:{self.bind(row)}".encode()

    def __get__(self, row, owner=None):
        if row is None:
            return self
        blob = getattr(row, self.column)
        if blob is None:
            return None
        known = row.__dict__.get(_PLAIN, {}).get(self.name)
        if known is not None and known[0] is blob:
            return known[1]
        value = CODECS[self.codec][1](key_store().decrypt(bytes(blob), self.aad(row)))
        self._remember(row, blob, value)
        return value

    def __set__(self, row, value):
        if value is None:
            setattr(row, self.column, None)
            return
        blob = current_keyring().encrypt(CODECS[self.codec][0](value), self.aad(row))
        setattr(row, self.column, blob)
        self._remember(row, blob, value)

    def encrypt_for(self, row, value) -> bytes:
        """The ciphertext ``value`` would get on ``row`` (an object with the columns the binding
        reads), for a row written without an ORM object (the bulk import)."""
        return current_keyring().encrypt(CODECS[self.codec][0](value), self.aad(row, self.table))

    def _remember(self, row, blob, value) -> None:
        """Keep the plaintext of an immutable value with the object, for as long as the object
        holds this very ciphertext (a reload or a rotation brings a new one): a step reads the
        date of birth several times, and need not decrypt it each time. Not a JSON value: the
        caller may change the list it gets, which must not change what the next read returns."""
        if self.codec != "json":
            row.__dict__.setdefault(_PLAIN, {})[self.name] = (blob, value)
