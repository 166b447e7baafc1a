"""Encryption at rest: a keyring of AES-GCM keys and a keyed blind index for the BSN."""
from .keyring import Keyring, KeyringError, current_keyring

__all__ = ["Keyring", "KeyringError", "current_keyring"]
