"""The keyring: the first key encrypts, every key decrypts (rotation without downtime).

A ciphertext is ``b"v1" | len(key_id) | key_id | nonce(12) | AES-256-GCM(ct+tag)``. The
associated data binds it to ``table.column:row``, so a ciphertext copied to another row or
column fails authentication instead of decrypting.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

MAGIC = b"v1"


class KeyringError(Exception):
    """A key is missing, malformed, or a ciphertext does not authenticate."""


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


@dataclass(frozen=True)
class Keyring:
    keys: tuple[tuple[str, bytes], ...]   # newest first
    blind_index_key: bytes

    @classmethod
    def from_strings(cls, encryption_keys: str, blind_index_key: str) -> "Keyring":
        """Parse ``"id2:base64,id1:base64"`` (newest first) and a base64 index key."""
        keys = []
        for part in [p.strip() for p in encryption_keys.split(",") if p.strip()]:
            key_id, sep, material = part.partition(":")
            if not sep or not key_id or len(key_id) > 32:
                raise KeyringError(f"encryption key {part[:8]}…: expected 'id:base64key'")
            keys.append((key_id, _decode_key(material, f"encryption key {key_id!r}")))
        if not keys:
            raise KeyringError("no encryption keys")
        if len({k for k, _ in keys}) != len(keys):
            raise KeyringError("two encryption keys share an id")
        return cls(tuple(keys), _decode_key(blind_index_key or "", "blind index key"))

    @property
    def current_id(self) -> str:
        return self.keys[0][0]

    def encrypt(self, plaintext: bytes, aad: bytes) -> bytes:
        key_id, key = self.keys[0]
        nonce = os.urandom(12)
        kid = key_id.encode()
        return MAGIC + bytes([len(kid)]) + kid + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)

    def key_id_of(self, blob: bytes) -> str:
        if blob[:2] != MAGIC:
            raise KeyringError("not a ciphertext of this application")
        return blob[3:3 + blob[2]].decode()

    def decrypt(self, blob: bytes, aad: bytes) -> bytes:
        key_id = self.key_id_of(blob)
        key = dict(self.keys).get(key_id)
        if key is None:
            raise KeyringError(f"ciphertext uses key {key_id!r}, which is not in the keyring")
        start = 3 + blob[2]
        nonce, body = blob[start:start + 12], blob[start + 12:]
        try:
            return AESGCM(key).decrypt(nonce, body, aad)
        except InvalidTag:
            raise KeyringError("ciphertext does not authenticate for this row and column") from None

    def blind_index(self, value: str) -> str:
        """Keyed HMAC of a normalised value: equal inputs match, the value cannot be guessed back."""
        return hmac.new(self.blind_index_key, value.strip().encode(), hashlib.sha256).hexdigest()


def load_keyring(config: dict) -> Keyring:
    """Keys from the environment, else from the keys file; in development the file is made."""
    if config.get("ENCRYPTION_KEYS"):
        return Keyring.from_strings(config["ENCRYPTION_KEYS"], config.get("BLIND_INDEX_KEY") or "")
    path = Path(config["KEYS_FILE"])
    if not path.exists():
        if config["ENV_NAME"] == "production" or config.get("KEYS_FILE_EXPLICIT"):
            raise KeyringError(f"keys file {path} does not exist")
        write_keys_file(path, [("k1", new_key_material())], new_key_material())
    return read_keys_file(path)


def read_keys_file(path: Path) -> Keyring:
    try:
        data = json.loads(path.read_text())
        enc = ",".join(f"{k['id']}:{k['key']}" for k in data["encryption_keys"])
        return Keyring.from_strings(enc, data["blind_index_key"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise KeyringError(f"keys file {path} is unreadable: {exc}") from None


def write_keys_file(path: Path, keys: list[tuple[str, str]], blind_index_key: str) -> None:
    """Write atomically with mode 0600: the file is the only copy of the development keys."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({"encryption_keys": [{"id": k, "key": m} for k, m in keys],
                   "blind_index_key": blind_index_key}, fh, indent=2)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def current_keyring() -> Keyring:
    return current_app.extensions["toeleiding.keyring"]
