"""A user has exactly one role and one organisation; API tokens are stored as hashes."""
from __future__ import annotations

import datetime as dt

from flask_login import UserMixin
from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, LargeBinary, String
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..crypto.fields import Encrypted
from ..extensions import UTCDateTime, db
from ..organisations.models import Organisation

# The roles, and the kind of organisation each belongs to, are declared in the workflow file
# (roles:); the CHECK below is the database's copy, changed by a migration with the file.


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('jgz','ve','cjg','gemeente','admin','school')", name="role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # Part of every web session; raising it (sign-out, reset, deactivation) ends all of them.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    organisation: Mapped[Organisation] = relationship(lazy="joined")
    # Optional TOTP second factor (required for admins in production); the secret is encrypted.
    _totp_secret: Mapped[bytes | None] = mapped_column("totp_secret", LargeBinary)
    totp_secret = Encrypted()
    totp_enabled: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # The 30-second time-step of the last code accepted: a code at or before it is refused, so a
    # code seen over someone's shoulder (or replayed) cannot be used again within its window.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class ApiToken(db.Model):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)   # SHA-256 of the token
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    user: Mapped[User] = relationship(lazy="joined")


class LoginAttempt(db.Model):
    """Sign-in attempts, counted in the database so throttling holds across web workers."""
    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    account: Mapped[str] = mapped_column(String(64), index=True)   # keyed HMAC of the e-mail address
    ip: Mapped[str | None] = mapped_column(String(45), index=True)
    success: Mapped[bool]
