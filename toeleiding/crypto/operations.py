"""Re-encryption under the current key: the third phase of a key rotation (README, "Keys")."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlalchemy import select, update

from ..extensions import db
from .fields import REGISTRY
from .keyring import Keyring, KeyringError

TRIES = 3   # a row that changes under us this often in a row is left for a rerun


@dataclass
class Reencrypted:
    table: str
    rows: int = 0          # rows looked at
    ciphertexts: int = 0   # ciphertexts now under the current key that were not
    left: int = 0          # rows that kept changing while we worked: run again
    unreadable: int = 0    # ciphertexts that do not decrypt with this keyring at all


def reencrypt_table(model, keyring: Keyring, batch: int = 500,
                    progress: Callable[[int], None] | None = None) -> Reencrypted:
    """Every ciphertext of one model's encrypted columns under ``keyring.current_id``, in batches by primary key, committing per batch (a rerun continues where it
    stopped, and no batch holds its row locks for long).

    Each row is written back only if its ciphertexts are still the ones read (compare-and-set):
    between the read and the write the retention job may have erased the row, a user may have
    snoozed a reminder with a new reason or set up a new second factor, and writing the old
    plaintext back would undo that. Such a row is read again; an erased one is left alone.
    """
    table = model.__table__
    (pk,) = table.primary_key.columns
    encs = [enc for m, enc in REGISTRY if m is model]
    result = Reencrypted(table.name)
    last = None
    while True:
        q = select(table).order_by(pk).limit(batch)
        if last is not None:
            q = q.where(pk > last)
        rows = db.session.execute(q).all()
        if not rows:
            return result
        for row in rows:
            _reencrypt_row(table, pk, encs, row, keyring, result)
        last = rows[-1]._mapping[pk.name]
        db.session.commit()
        result.rows += len(rows)
        if progress:
            progress(len(rows))


def _reencrypt_row(table, pk, encs, row, keyring: Keyring, result: Reencrypted) -> None:
    erased = table.c.get("erased_at")
    key = row._mapping[pk.name]
    for _ in range(TRIES):
        if row is None or (erased is not None and row._mapping["erased_at"] is not None):
            return   # deleted or erased meanwhile: nothing left to re-encrypt
        old, new, bad = {}, {}, 0
        for enc in encs:
            blob = row._mapping[enc.name]
            if blob is None:
                continue
            blob = bytes(blob)
            try:
                if keyring.key_id_of(blob) == keyring.current_id:
                    continue
                aad = enc.aad(row, table.name)
                new[enc.name] = keyring.encrypt(keyring.decrypt(blob, aad), aad)
            except KeyringError:
                bad += 1   # reported, never overwritten: the administrator decides
                continue
            old[enc.name] = blob
        if not new:
            result.unreadable += bad
            return
        # A table-level UPDATE: re-encryption is not a change of the case, so the
        # optimistic-locking version (and any client holding it) stays valid.
        where = [pk == key, *(table.c[name] == blob for name, blob in old.items())]
        if erased is not None:
            where.append(erased.is_(None))
        if db.session.execute(update(table).where(*where).values(new)).rowcount == 1:
            result.ciphertexts += len(new)
            result.unreadable += bad
            return
        row = db.session.execute(select(table).where(pk == key)).first()
    result.left += 1
