"""``flask keys …``: generate keys, rotate the development key file, re-encrypt everything."""
from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select, update

from ..extensions import db
from .fields import REGISTRY
from .keyring import load_keyring, new_key_material, read_keys_file, write_keys_file

keys_cli = AppGroup("keys", help="Encryption keys.")


@keys_cli.command("generate")
def generate():
    """Print a new random key (base64), for TOELEIDING_ENCRYPTION_KEYS or the blind index key."""
    click.echo(new_key_material())


@keys_cli.command("rotate")
def rotate():
    """Add a new newest key to the keys file, then re-encrypt every record under it.

    With keys from the environment, put the new key first in TOELEIDING_ENCRYPTION_KEYS
    yourself, restart, and run ``flask keys reencrypt``; then the old key may be removed.
    """
    if current_app.config.get("ENCRYPTION_KEYS"):
        raise click.ClickException("keys come from TOELEIDING_ENCRYPTION_KEYS: add the new key (flask keys generate) "
                                   "in front there, restart, then run 'flask keys reencrypt'")
    path = Path(current_app.config["KEYS_FILE"])
    data = json.loads(path.read_text())
    ids = [k["id"] for k in data["encryption_keys"]]
    new_id = f"k{max(int(i[1:]) for i in ids if i[1:].isdigit()) + 1}" if ids else "k1"
    keys = [(new_id, new_key_material())] + [(k["id"], k["key"]) for k in data["encryption_keys"]]
    write_keys_file(path, keys, data["blind_index_key"])
    current_app.extensions["toeleiding.keyring"] = read_keys_file(path)
    click.echo(f"new key {new_id} written to {path}")
    _reencrypt()


@keys_cli.command("reencrypt")
def reencrypt():
    """Re-encrypt every ciphertext under the newest key (safe to repeat; commits per batch)."""
    current_app.extensions["toeleiding.keyring"] = load_keyring(current_app.config)
    _reencrypt()


def _reencrypt(batch: int = 500) -> None:
    keyring = current_app.extensions["toeleiding.keyring"]
    for model in dict.fromkeys(m for m, _ in REGISTRY):
        attrs = [enc for m, enc in REGISTRY if m is model]
        pk = model.__mapper__.primary_key[0]
        total = db.session.scalar(select(func.count()).select_from(model)) or 0
        done, last = 0, None
        with click.progressbar(length=total, label=f"{model.__tablename__:<12}") as bar:
            while True:
                q = select(model).order_by(pk).limit(batch)
                if last is not None:
                    q = q.where(pk > last)
                rows = list(db.session.scalars(q))
                if not rows:
                    break
                for row in rows:
                    changes = {}
                    for enc in attrs:
                        blob = getattr(row, enc.column)
                        if blob is not None and keyring.key_id_of(bytes(blob)) != keyring.current_id:
                            aad = enc.aad(row)
                            changes[enc.name] = keyring.encrypt(keyring.decrypt(bytes(blob), aad), aad)
                    if changes:
                        # A table-level UPDATE: re-encryption is not a change of the case, so the
                        # optimistic-locking version (and any client holding it) stays valid.
                        table = model.__table__
                        db.session.execute(update(table).where(table.c[pk.name] == getattr(row, pk.key)).values(changes))
                last = getattr(rows[-1], pk.key)
                db.session.commit()
                done += len(rows)
                bar.update(len(rows))
        click.echo(f"{model.__tablename__}: {done} rows under key {keyring.current_id}")
