"""Creating users, checking passwords, issuing and resolving API tokens."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from email.message import EmailMessage

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from sqlalchemy import bindparam, select

from .. import clock
from ..errors import N_, Conflict, Unauthorized, ValidationError
from ..extensions import db
from ..organisations.models import Organisation
from ..workflow import current_workflow
from .models import ApiToken, User

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


def create_user(email: str, name: str, password: str, role: str, organisation: Organisation,
                demo: bool = False) -> User:
    """A new user; the role must fit the organisation's kind.

    ``demo``: only the development demo may set the short password 'demo'."""
    email = (email or "").strip().lower()
    if not EMAIL_RE.match(email):
        raise ValidationError(N_("Ongeldig e-mailadres."), "email")
    roles = current_workflow().role_organisation   # the roles are declared in the workflow file
    if role not in roles:
        raise ValidationError(N_("Onbekende rol; kies uit %(choices)s."), "role", params={"choices": ", ".join(roles)})
    expected = roles[role]
    if expected and organisation.kind != expected:
        raise ValidationError(N_("Rol %(role)s hoort bij een organisatie van soort %(expected)s, niet %(kind)s."),
                              "organisation", params={"role": role, "expected": expected, "kind": organisation.kind})
    if len(password or "") < 12 and not (demo and password == "demo"):
        raise ValidationError(N_("Wachtwoord moet minstens 12 tekens hebben."), "password")
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise ValidationError(N_("Er bestaat al een gebruiker met dit e-mailadres."), "email")
    user = User(email=email, name=name or email, password_hash=hash_password(password), role=role,
                organisation=organisation, active=True, created_at=clock.now())
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User:
    """The active user with this e-mail and password; one answer for every kind of failure."""
    from . import throttle
    email = email if isinstance(email, str) else ""
    password = password if isinstance(password, str) else ""
    throttle.check(email)
    user = db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    try:
        _hasher().verify(user.password_hash if user else _dummy_hash(), password or "")
    except (VerificationError, InvalidHashError):
        user = None
    if user is None or not user.active:
        raise Unauthorized(N_("Onbekende combinatie van e-mailadres en wachtwoord."))   # check() recorded it
    throttle.succeeded()
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


# Built once: this query runs on every API request, and building it costs as much as sending it.
_USER_FOR_TOKEN = (select(User).join(ApiToken, ApiToken.user_id == User.id)
                   .where(ApiToken.token_hash == bindparam("digest"), ApiToken.revoked_at.is_(None),
                          ApiToken.expires_at > bindparam("now", type_=ApiToken.expires_at.type),
                          User.active.is_(True)))


def user_for_token(token: str) -> User | None:
    """The active user of an unexpired, unrevoked token."""
    return db.session.scalar(_USER_FOR_TOKEN, {"digest": _digest(token), "now": clock.now()})


def revoke_token(token: str) -> None:
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = clock.now()


# --- Administration and web sessions -------------------------------------------------------
# A "set password" link is signed, expires, and carries a fingerprint of the current password
# hash: once used (or after another reset) the hash changes and the link stops working, so no
# token table is needed.
SET_PASSWORD_SALT = "toeleiding.set-password"
SET_PASSWORD_MAX_AGE = 3 * 24 * 3600


def _password_serializer():
    from itsdangerous import URLSafeTimedSerializer
    return URLSafeTimedSerializer(current_app.secret_key, salt=SET_PASSWORD_SALT)


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def password_link_token(user: User) -> str:
    """A signed token for the set-password page; valid until used or SET_PASSWORD_MAX_AGE."""
    return _password_serializer().dumps([user.id, _fingerprint(user)])


def user_for_password_token(token: str) -> User | None:
    from itsdangerous import BadSignature
    try:
        user_id, fingerprint = _password_serializer().loads(token, max_age=SET_PASSWORD_MAX_AGE)
    except (BadSignature, ValueError, TypeError):
        return None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.active or not secrets.compare_digest(_fingerprint(user), str(fingerprint)):
        return None
    return user


def end_sessions(user: User) -> None:
    """Every web session of ``user`` ends at its next request (see web/auth.py)."""
    user.session_version = (user.session_version or 0) + 1


# Roles that read children's records. Making such an account usable for someone is an access
# to personal data created by the one who did it: it goes into the access log, naming the account.
PERSONAL_DATA_ROLES = ("jgz", "ve", "cjg", "school")


def log_account_access(by: User | None, user: User, action: str) -> None:
    """An access-log row (``action``, ``subject_user:<id>``) when ``user``'s role reads children's
    records; ``by`` is the administrator (None: an operator at the command line)."""
    if user.role in PERSONAL_DATA_ROLES:
        from ..audit.operations import log_access
        log_access(by, action, on_behalf_of=f"subject_user:{user.id}")


def _require_mail() -> None:
    # Refused before anything is committed: without e-mail the link would have nowhere to go but
    # the administrator's screen, and an administrator holding it could read children's records
    # without break-the-glass.
    if not current_app.config.get("SMTP_HOST"):
        raise Conflict(N_("Niet verstuurd en niets gewijzigd: er is geen e-mailserver ingesteld. Vraag de "
                          "technisch beheerder TOELEIDING_SMTP_HOST en TOELEIDING_SMTP_FROM in te stellen "
                          "(README, Configuration)."))


def invite_user(email: str, name: str, role: str, organisation: Organisation,
                by: User) -> tuple[User, EmailMessage]:
    """A new user without a usable password, and the e-mail with their set-password link.

    The caller sends the e-mail after the commit, to the user's own address; the link is never
    returned to the administrator. Without SMTP configured nothing is created (Conflict)."""
    user = create_user(email, name, secrets.token_urlsafe(32), role, organisation)
    _require_mail()
    log_account_access(by, user, "user_invite")
    from .mail import set_password_message
    return user, set_password_message(user, password_link_token(user), invited=True)


def reset_password(user: User, by: User) -> EmailMessage:
    """The old password stops working, every session and API token ends; returns the e-mail with
    a set-password link, for the caller to send to the user after the commit.

    A deactivated account must be reactivated first, on purpose: a reset link must not quietly
    bring back someone who was let go. Without SMTP configured nothing changes (Conflict)."""
    if not user.active:
        raise ValidationError(N_("Activeer het account eerst."), "user")
    _require_mail()
    user.password_hash = hash_password(secrets.token_urlsafe(32))
    end_sessions(user)
    _revoke_all_tokens(user)
    log_account_access(by, user, "password_reset")
    db.session.flush()
    from .mail import set_password_message
    return set_password_message(user, password_link_token(user), invited=False)


def set_password(user: User, password: str, repeat: str) -> None:
    """The user's own new password (from a set-password link)."""
    if len(password or "") < 12:
        raise ValidationError(N_("Wachtwoord moet minstens 12 tekens hebben."), "password")
    if password != repeat:
        raise ValidationError(N_("De twee wachtwoorden zijn niet gelijk."), "repeat")
    user.password_hash = hash_password(password)
    end_sessions(user)
    db.session.flush()


def deactivate_user(user: User, by: User) -> None:
    """The user can no longer sign in; open sessions and API tokens end now. History keeps the name."""
    if user.id == by.id:
        raise ValidationError(N_("U kunt uw eigen account niet deactiveren."), "user")
    user.active = False
    end_sessions(user)
    _revoke_all_tokens(user)
    db.session.flush()


def reactivate_user(user: User) -> None:
    if not user.organisation.active:
        raise ValidationError(N_("De organisatie van dit account is gedeactiveerd; activeer die eerst."), "organisation")
    user.active = True
    db.session.flush()


def _revoke_all_tokens(user: User) -> None:
    now = clock.now()
    for row in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))):
        row.revoked_at = now
