"""The optional second factor: time-based one-time codes (RFC 6238) with pyotp.

Enrolment is two steps (a secret is proposed, a code from the app confirms it), so a typo in
the authenticator app cannot lock anyone out. Admins must have it in production.
"""
from __future__ import annotations

import pyotp
from flask import current_app

from ..errors import N_, NotPermitted, ValidationError
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
    if not _valid(user, code):
        raise ValidationError(N_("De code klopt niet."), "totp")
    user.totp_enabled = True


def check(user: User, code) -> None:
    """At sign-in: a valid code when the user has the second factor on."""
    if user.totp_enabled and not _valid(user, code):
        raise NotPermitted(N_("Vul de code uit uw authenticator-app in."), "totp", code="totp_required")


def _valid(user: User, code) -> bool:
    if not isinstance(code, str) or not code.strip().isdigit():
        return False
    return pyotp.TOTP(user.totp_secret).verify(code.strip(), valid_window=1)
