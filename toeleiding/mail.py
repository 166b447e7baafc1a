"""Sending e-mail over the configured SMTP server: one place for every feature that mails (the
reminders digest, set-password links), below them all."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

log = logging.getLogger(__name__)


class SmtpUnavailable(Exception):
    """Not one message went out: the SMTP server could not be reached or refused the session."""


def send_messages(messages: list[EmailMessage]) -> int:
    """Send over the configured SMTP server, after the commit; returns how many went out.

    A failure is logged without the message (addresses are personal data, a set-password link is
    a credential) and does not undo anything: the digest is a nudge, the inbox is the record.
    When nothing went out at all, SmtpUnavailable tells the caller (the day's digest is still
    owed; a set-password link must be sent again).
    """
    if not messages:
        return 0
    cfg = current_app.config
    sent = 0
    try:
        with smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=30) as smtp:
            if cfg.get("SMTP_STARTTLS"):
                smtp.starttls()
            if cfg.get("SMTP_USER"):
                smtp.login(cfg["SMTP_USER"], cfg.get("SMTP_PASSWORD") or "")
            for msg in messages:
                try:
                    smtp.send_message(msg)
                    sent += 1
                except smtplib.SMTPException as exc:
                    log.error("mail: one message refused (%s)", type(exc).__name__)
    except (OSError, smtplib.SMTPException) as exc:
        log.error("mail: SMTP server %s:%s unavailable (%s); %d of %d sent",
                  cfg["SMTP_HOST"], cfg["SMTP_PORT"], type(exc).__name__, sent, len(messages))
        if not sent:
            raise SmtpUnavailable(type(exc).__name__) from None
    return sent
