"""Creating users, checking passwords, issuing and resolving API tokens."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from sqlalchemy import select

from .. import clock
from ..errors import Unauthorized, ValidationError
from ..extensions import db
from ..organisations.models import Organisation
from .models import ROLE_ORGANISATION_KIND, ROLES, ApiToken, User

# argon2-cffi's defaults follow RFC 9106's low-memory profile (Argon2id, 64 MiB, t=3).
# Test apps set ARGON2_FAST so a suite that creates hundreds of users stays quick.
_HASHERS = {False: PasswordHasher(), True: PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)}
_DUMMY: dict[bool, str] = {}


def _hasher() -> PasswordHasher:
    return _HASHERS[bool(has_app_context() and current_app.config.get("ARGON2_FAST"))]


def _dummy_hash() -> str:
    # Verifying against this when the account does not exist costs the same time as a real
    # check, so the answer's timing does not tell whether an e-mail address has an account.
    fast = _hasher() is _HASHERS[True]
    if fast not in _DUMMY:
        _DUMMY[fast] = _hasher().hash("not-a-password")
    return _DUMMY[fast]
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def create_user(email: str, name: str, password: str, role: str, organisation: Organisation) -> User:
    """A new user; the role must fit the organisation's kind."""
    email = (email or "").strip().lower()
    if not EMAIL_RE.match(email):
        raise ValidationError("Ongeldig e-mailadres.", "email")
    if role not in ROLES:
        raise ValidationError(f"Onbekende rol; kies uit {', '.join(ROLES)}.", "role")
    expected = ROLE_ORGANISATION_KIND[role]
    if expected and organisation.kind != expected:
        raise ValidationError(f"Rol {role} hoort bij een organisatie van soort {expected}, "
                              f"niet {organisation.kind}.", "organisation")
    if len(password or "") < 12 and password != "demo":
        raise ValidationError("Wachtwoord moet minstens 12 tekens hebben.", "password")
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise ValidationError("Er bestaat al een gebruiker met dit e-mailadres.", "email")
    user = User(email=email, name=name or email, password_hash=hash_password(password), role=role,
                organisation=organisation, active=True, created_at=clock.now())
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User:
    """The active user with this e-mail and password; one answer for every kind of failure."""
    user = db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    try:
        _hasher().verify(user.password_hash if user else _dummy_hash(), password or "")
    except (VerificationError, InvalidHashError):
        user = None
    if user is None or not user.active:
        raise Unauthorized("Onbekende combinatie van e-mailadres en wachtwoord.")
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, hours: int) -> tuple[str, ApiToken]:
    """A new bearer token; only its hash is stored, the token itself is shown once."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    row = ApiToken(user=user, token_hash=_digest(token), created_at=now, expires_at=now + dt.timedelta(hours=hours))
    db.session.add(row)
    db.session.flush()
    return token, row


def user_for_token(token: str) -> User | None:
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= clock.now() or not row.user.active:
        return None
    return row.user


def revoke_token(token: str) -> None:
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = clock.now()
