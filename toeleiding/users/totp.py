"""The optional second factor: time-based one-time codes (RFC 6238) with pyotp.

Enrolment is two steps (a secret is proposed, a code from the app confirms it), so a typo in
the authenticator app cannot lock anyone out. Admins must have it in production.
"""
from __future__ import annotations

import hmac

import pyotp
from flask import current_app
from sqlalchemy import or_, update
from sqlalchemy.orm.attributes import set_committed_value

from .. import clock
from ..errors import N_, NotPermitted, ValidationError
from ..extensions import db
from .models import User

ISSUER = "Toeleiding"


def required_for(user: User) -> bool:
    return user.role == "admin" and current_app.config["ENV_NAME"] == "production"


def propose(user: User) -> str:
    """A new secret for ``user`` (not yet active); returns the otpauth:// URI for the app."""
    if user.totp_enabled:
        raise ValidationError(N_("Tweestapsverificatie staat al aan."), "totp")
    user.totp_secret = pyotp.random_base32()
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def confirm(user: User, code) -> None:
    if user.totp_secret is None or user.totp_enabled:
        raise ValidationError(N_("Vraag eerst een nieuwe sleutel aan."), "totp")
    if not _use(user, code):
        raise ValidationError(N_("De code klopt niet."), "totp")
    user.totp_enabled = True


def check(user: User, code) -> None:
    """At sign-in: a valid code, not used before, when the user has the second factor on.

    The code's time-step is stored in the caller's transaction; the caller commits it."""
    if user.totp_enabled and not _use(user, code):
        raise NotPermitted(N_("Vul de code uit uw authenticator-app in."), "totp", code="totp_required")


def _use(user: User, code) -> bool:
    """Whether ``code`` is valid now (one step of clock drift either way) and later than the last
    code accepted; if so it becomes the last one."""
    if not isinstance(code, str) or not (code.strip().isascii() and code.strip().isdigit()):
        return False
    otp = pyotp.TOTP(user.totp_secret)
    current = otp.timecode(clock.now())
    step = next((s for s in (current - 1, current, current + 1)
                 if hmac.compare_digest(otp.generate_otp(s), code.strip())), None)
    if step is None:
        return False
    # Conditional on the stored step, so two requests racing with one code cannot both pass:
    # the second waits for the first's row lock, then finds the step taken.
    taken = db.session.execute(
        update(User).where(User.id == user.id,
                           or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        return False
    set_committed_value(user, "totp_last_step", step)
    return True
