"""Read-only questions about the keys: which key the stored ciphertexts are under."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from ..extensions import db
from .fields import REGISTRY, encrypted_models
from .keyring import Keyring, KeyringError

NOT_OURS = "?"   # a value that is not a ciphertext of this application


def key_usage(keyring: Keyring) -> Counter:
    """How many stored ciphertexts each key id encrypted (every encrypted column)."""
    counts: Counter = Counter()
    for model in encrypted_models():
        columns = [model.__table__.c[enc.name] for m, enc in REGISTRY if m is model]
        for row in db.session.execute(select(*columns).execution_options(yield_per=1000)):
            for blob in row:
                if blob is not None:
                    try:
                        counts[keyring.key_id_of(bytes(blob))] += 1
                    except KeyringError:
                        counts[NOT_OURS] += 1
    return counts
