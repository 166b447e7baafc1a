"""The keyring: the first key encrypts, every key decrypts (rotation without downtime).

A key may be listed as decrypt-only: every worker can then read what a new key will write before
any worker writes with it, which is what makes a rolling rotation safe (README, "Keys").

A ciphertext is ``b"v1" | len(key_id) | key_id | nonce(12) | AES-256-GCM(ct+tag)``. The
associated data binds it to ``table.column:row``, so a ciphertext copied to another row or
column fails authentication instead of decrypting.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import os
import logging
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

MAGIC = b"v1"
# How long a worker may use a keyring read from a keys file before it looks at the file again.
RELOAD_SECONDS = 1.0
log = logging.getLogger(__name__)


class KeyringError(Exception):
    """A key is missing, malformed, or a ciphertext does not authenticate."""


class UnknownKey(KeyringError):
    """A ciphertext names a key this keyring does not hold (yet, or any more)."""


def _decode_key(material: str, what: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(material.encode() + b"=" * (-len(material) % 4))
    except (ValueError, TypeError):
        raise KeyringError(f"{what} is not base64") from None
    if len(key) != 32:
        raise KeyringError(f"{what} must be 32 bytes, got {len(key)}")
    return key


def new_key_material() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def _parse_keys(text: str, what: str) -> list[tuple[str, bytes]]:
    keys = []
    for n, part in enumerate([p.strip() for p in (text or "").split(",") if p.strip()], 1):
        key_id, sep, material = part.partition(":")
        if not sep or not key_id or len(key_id) > 32:
            # Named by position: a bare key without its id would otherwise print key material.
            raise KeyringError(f"{what} number {n}: expected 'id:base64key'")
        keys.append((key_id, _decode_key(material, f"{what} {key_id!r}")))
    return keys


@dataclass(frozen=True)
class Keyring:
    keys: tuple[tuple[str, bytes], ...]   # encrypting keys newest first, then decrypt-only ones
    blind_index_key: bytes
    decrypt_only: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_strings(cls, encryption_keys: str, blind_index_key: str, decrypt_keys: str = "") -> "Keyring":
        """Parse ``"id2:base64,id1:base64"`` (newest first), decrypt-only keys alike, and a base64 index key."""
        keys = _parse_keys(encryption_keys, "encryption key")
        readers = _parse_keys(decrypt_keys, "decrypt-only key")
        if not keys:
            raise KeyringError("no encryption keys" + (" (every key is decrypt-only: one must encrypt)" if readers else ""))
        ids = [k for k, _ in keys + readers]
        twice = sorted({k for k in ids if ids.count(k) > 1})
        if twice:
            raise KeyringError(f"key id {twice[0]!r} is listed twice (a key is either encrypting or decrypt-only)")
        return cls(tuple(keys + readers), _decode_key(blind_index_key or "", "blind index key"),
                   frozenset(k for k, _ in readers))

    @property
    def current_id(self) -> str:
        """The key new ciphertexts are made with: the first that is not decrypt-only."""
        return self.keys[0][0]

    def role_of(self, key_id: str) -> str:
        if key_id == self.current_id:
            return "encrypts"
        return "decrypt-only" if key_id in self.decrypt_only else "decrypts"

    def encrypt(self, plaintext: bytes, aad: bytes) -> bytes:
        key_id, key = self.keys[0]
        nonce = os.urandom(12)
        kid = key_id.encode()
        return MAGIC + bytes([len(kid)]) + kid + nonce + _aead(key).encrypt(nonce, plaintext, aad)

    def key_id_of(self, blob: bytes) -> str:
        if blob[:2] != MAGIC:
            raise KeyringError("not a ciphertext of this application")
        return blob[3:3 + blob[2]].decode()

    def decrypt(self, blob: bytes, aad: bytes) -> bytes:
        key_id = self.key_id_of(blob)
        key = dict(self.keys).get(key_id)
        if key is None:
            raise UnknownKey(f"ciphertext uses key {key_id!r}, which is not in the keyring")
        start = 3 + blob[2]
        nonce, body = blob[start:start + 12], blob[start + 12:]
        try:
            return _aead(key).decrypt(nonce, body, aad)
        except InvalidTag:
            raise KeyringError("ciphertext does not authenticate for this row and column") from None

    def blind_index(self, value: str) -> str:
        """Keyed HMAC of a normalised value: equal inputs match, the value cannot be guessed back."""
        mac = _keyed_hmac(self.blind_index_key).copy()
        mac.update(value.strip().encode())
        return mac.hexdigest()


# Set up once per key, not per value: a bulk import encrypts and indexes hundreds of thousands of
# values (the key schedule and the HMAC's keyed state are the same every time).
@functools.lru_cache(maxsize=16)
def _aead(key: bytes) -> AESGCM:
    return AESGCM(key)


@functools.lru_cache(maxsize=4)
def _keyed_hmac(key: bytes):
    return hmac.new(key, digestmod=hashlib.sha256)


def load_keyring(config: dict) -> Keyring:
    """Keys from the environment, else from the keys file; in development the file is made."""
    if config.get("ENCRYPTION_KEYS"):
        return Keyring.from_strings(config["ENCRYPTION_KEYS"], config.get("BLIND_INDEX_KEY") or "",
                                    config.get("DECRYPT_KEYS") or "")
    path = Path(config["KEYS_FILE"])
    if not path.exists():
        if config["ENV_NAME"] == "production" or config.get("KEYS_FILE_EXPLICIT"):
            raise KeyringError(f"keys file {path} does not exist")
        write_keys_file(path, [{"id": "k1", "key": new_key_material()}], new_key_material())
    return read_keys_file(path)


def keys_file_entries(path: Path) -> tuple[list[dict], str]:
    """The keys file's entries (``{"id", "key"[, "decrypt_only": true]}``, in order) and its index key."""
    try:
        data = json.loads(path.read_text())
        entries, index_key = data["encryption_keys"], data["blind_index_key"]
        for entry in entries:
            if not isinstance(entry.get("decrypt_only", False), bool):
                raise ValueError(f"key {entry.get('id')!r}: decrypt_only must be true or false")
        return [dict(e) for e in entries], index_key
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise KeyringError(f"keys file {path} is unreadable: {exc}") from None


def read_keys_file(path: Path) -> Keyring:
    entries, index_key = keys_file_entries(path)
    try:
        return Keyring.from_strings(",".join(f"{e['id']}:{e['key']}" for e in entries if not e.get("decrypt_only")),
                                    index_key,
                                    ",".join(f"{e['id']}:{e['key']}" for e in entries if e.get("decrypt_only")))
    except (KeyError, TypeError) as exc:
        raise KeyringError(f"keys file {path} is unreadable: {exc}") from None
    except KeyringError as exc:
        raise KeyringError(f"keys file {path}: {exc}") from None


def write_keys_file(path: Path, entries: list[dict], blind_index_key: str) -> None:
    """Write atomically with mode 0600: the file is the only copy of the development keys."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({"encryption_keys": entries, "blind_index_key": blind_index_key}, fh, indent=2)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


class KeyStore:
    """The application's keyring. One from a keys file follows the file: a worker looks at it
    again at most RELOAD_SECONDS after it last did, and at once when it meets a ciphertext under
    a key it does not know, so `flask keys rotate` on a file every worker mounts needs no restart."""

    def __init__(self, config: dict):
        self.config = config
        self.path = None if config.get("ENCRYPTION_KEYS") else Path(config["KEYS_FILE"])
        self.reload()

    def _file_stamp(self):
        try:
            st = os.stat(self.path) if self.path else None
        except OSError:
            return None
        return st and (st.st_mtime_ns, st.st_ino, st.st_size)

    def reload(self) -> Keyring:
        """Read the keys again from where they come from (a command's fresh start)."""
        # Stamp first: a change made while reading is then seen at the next look.
        stamp, self._checked = self._file_stamp(), time.monotonic()
        self.keyring = load_keyring(self.config)
        self._stamp = stamp
        return self.keyring

    def current(self) -> Keyring:
        if self.path is not None and time.monotonic() - self._checked >= RELOAD_SECONDS:
            self.refresh()
        return self.keyring

    def refresh(self) -> bool:
        """Re-read the keys file if it changed; True when the keyring did. A file that does not
        read keeps the keyring in use (a half-edited file must not take the workers down)."""
        self._checked = time.monotonic()
        stamp = self._file_stamp()
        if self.path is None or stamp == self._stamp:
            return False
        self._stamp = stamp   # once per change: a broken file is logged once, not at every look
        try:
            self.keyring = read_keys_file(self.path)
        except KeyringError as exc:
            log.error("keys file changed but does not read; keeping the keys in use: %s", exc)
            return False
        return True

    def decrypt(self, blob: bytes, aad: bytes) -> bytes:
        try:
            return self.current().decrypt(blob, aad)
        except UnknownKey:
            # Another process may have added the key to the file a moment ago.
            if self.refresh():
                return self.keyring.decrypt(blob, aad)
            raise


def key_store() -> KeyStore:
    return current_app.extensions["toeleiding.keys"]


def current_keyring() -> Keyring:
    return key_store().current()
