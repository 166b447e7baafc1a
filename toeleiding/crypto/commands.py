"""``flask keys …``: generate keys, rotate in phases, re-encrypt everything, retire an old key.

A rotation has four phases, each complete on every worker before the next starts (README,
"Keys"): 1. the new key is added decrypt-only; 2. it becomes the encrypting key; 3. every
ciphertext is re-encrypted under it; 4. the old key is retired. With a keys file that every
worker mounts, workers follow the file by themselves and ``keys rotate`` runs phases 1-3.
"""
from __future__ import annotations

import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from ..extensions import db
from .fields import encrypted_models
from .keyring import RELOAD_SECONDS, key_store, keys_file_entries, new_key_material, write_keys_file
from .operations import reencrypt_table
from .util import NOT_OURS, key_usage

keys_cli = AppGroup("keys", help="Encryption keys.")

ENV_PHASES = ("keys come from TOELEIDING_ENCRYPTION_KEYS, so rotate in phases, each on every worker (rolling "
              "restarts) before the next: 1. 'flask keys generate', put the new key as 'id:key' in "
              "TOELEIDING_DECRYPT_KEYS; 2. move it to the front of TOELEIDING_ENCRYPTION_KEYS (out of "
              "TOELEIDING_DECRYPT_KEYS); 3. 'flask keys reencrypt'; 4. when 'flask keys status' counts no "
              "ciphertext under the old key, remove it (README, 'Keys')")
# Long enough for every worker to have looked at the changed keys file (keyring.KeyStore).
DEFAULT_WAIT = 2 * RELOAD_SECONDS


def _keys_file() -> Path:
    if current_app.config.get("ENCRYPTION_KEYS"):
        raise click.ClickException(ENV_PHASES)
    return Path(current_app.config["KEYS_FILE"])


def _find(entries: list[dict], key_id: str) -> dict:
    for entry in entries:
        if entry["id"] == key_id:
            return entry
    raise click.ClickException(f"no key {key_id!r} in the keys file (flask keys status lists them)")


def _write(path: Path, entries: list[dict], index_key: str) -> None:
    write_keys_file(path, entries, index_key)
    key_store().reload()


@keys_cli.command("generate")
def generate():
    """Print a new random key (base64), for TOELEIDING_ENCRYPTION_KEYS / _DECRYPT_KEYS or the blind index key."""
    click.echo(new_key_material())


@keys_cli.command("status")
def status():
    """The keys, which one encrypts, and how many stored ciphertexts each one encrypted."""
    keyring = key_store().reload()
    usage = key_usage(keyring)
    for key_id, _ in keyring.keys:
        click.echo(f"{key_id:<12} {keyring.role_of(key_id):<13} {usage.pop(key_id, 0)} ciphertexts")
    for key_id, count in sorted(usage.items()):
        what = "not a ciphertext of this application" if key_id == NOT_OURS else "NOT IN THE KEYRING"
        click.echo(f"{key_id:<12} {what}: {count} ciphertexts")


@keys_cli.command("add")
def add():
    """Phase 1: add a new key to the keys file, decrypt-only (every worker learns to read it)."""
    path = _keys_file()
    entries, index_key = keys_file_entries(path)
    numbers = [int(e["id"][1:]) for e in entries if e["id"][:1] == "k" and e["id"][1:].isdigit()]
    new_id = f"k{max(numbers, default=0) + 1}"
    _write(path, [{"id": new_id, "key": new_key_material(), "decrypt_only": True}] + entries, index_key)
    click.echo(f"new key {new_id} written to {path}, decrypt-only")
    return new_id


@keys_cli.command("promote")
@click.argument("key_id")
def promote(key_id):
    """Phase 2: make a decrypt-only key the one that encrypts (the others keep decrypting)."""
    path = _keys_file()
    entries, index_key = keys_file_entries(path)
    entry = _find(entries, key_id)
    entry.pop("decrypt_only", None)
    _write(path, [entry] + [e for e in entries if e is not entry], index_key)
    click.echo(f"key {key_id} now encrypts")


@keys_cli.command("reencrypt")
def reencrypt():
    """Phase 3: re-encrypt every ciphertext under the encrypting key (safe to repeat; commits per batch)."""
    _reencrypt()


@keys_cli.command("retire")
@click.argument("key_id")
def retire(key_id):
    """Phase 4: remove an old key from the keys file, once no stored ciphertext uses it."""
    path = _keys_file()
    entries, index_key = keys_file_entries(path)
    entry = _find(entries, key_id)
    keyring = key_store().reload()
    if key_id == keyring.current_id:
        raise click.ClickException(f"key {key_id} encrypts: promote another key first")
    still = key_usage(keyring)[key_id]
    if still:
        raise click.ClickException(f"{still} ciphertexts are still under key {key_id}: run 'flask keys reencrypt' "
                                   "(after every worker encrypts with the new key) and try again")
    _write(path, [e for e in entries if e is not entry], index_key)
    click.echo(f"key {key_id} removed from {path}")


@keys_cli.command("rotate")
@click.option("--wait", type=float, default=DEFAULT_WAIT, show_default=True,
              help="seconds between phases, for every worker to pick up the changed keys file")
@click.pass_context
def rotate(ctx, wait):
    """Phases 1-3 on a keys file every worker reads: add a key, make it encrypt, re-encrypt.

    The old key stays (decrypting); retire it with 'flask keys retire ID' later.
    """
    _keys_file()   # refuses keys from the environment before anything is written
    new_id = ctx.invoke(add)
    time.sleep(wait)
    ctx.invoke(promote, key_id=new_id)
    # A worker that has not looked at the file since the promotion still encrypts with the old
    # key; after the wait none does, so nothing written under it can slip past the re-encryption.
    time.sleep(wait)
    _reencrypt()


def _reencrypt(batch: int = 500) -> None:
    keyring = key_store().reload()
    trouble = []
    for model in encrypted_models():
        total = db.session.scalar(select(func.count()).select_from(model.__table__)) or 0
        with click.progressbar(length=total, label=f"{model.__tablename__:<16}") as bar:
            r = reencrypt_table(model, keyring, batch, progress=bar.update)
        click.echo(f"{r.table}: {r.rows} rows under key {keyring.current_id} ({r.ciphertexts} ciphertexts re-encrypted)")
        if r.left:
            trouble.append(f"{r.table}: {r.left} rows changed during re-encryption each time it was tried; run again")
        if r.unreadable:
            trouble.append(f"{r.table}: {r.unreadable} ciphertexts do not decrypt with these keys "
                           "(flask keys status); they were left as they are")
    if trouble:
        raise click.ClickException("; ".join(trouble))
