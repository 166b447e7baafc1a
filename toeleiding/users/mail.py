"""The set-password e-mail: the link goes to the account's own address, never to a screen."""
from __future__ import annotations

from email.message import EmailMessage

from flask import current_app

from ..mail import SmtpUnavailable, send_messages
from .models import User
from .operations import SET_PASSWORD_MAX_AGE


def set_password_link(token: str) -> str:
    """The page that takes ``token``, under TOELEIDING_BASE_URL.

    Not from the request's Host header: a forged one would send the token to another site."""
    path = current_app.url_map.bind("localhost").build("web.set_password", {"token": token})
    return current_app.config.get("BASE_URL", "").rstrip("/") + path


def set_password_message(user: User, token: str, invited: bool) -> EmailMessage:
    """The link and what it is for; nothing about any child. Dutch, the product's language: the
    recipient has no language of their own on record yet."""
    msg = EmailMessage()
    msg["From"] = current_app.config["SMTP_FROM"]
    msg["To"] = user.email
    if invited:
        msg["Subject"] = "Toeleiding: uw account, kies een wachtwoord"
        why = f"De functioneel beheerder heeft voor u een account in Toeleiding aangemaakt ({user.email})."
    else:
        msg["Subject"] = "Toeleiding: kies een nieuw wachtwoord"
        why = (f"De functioneel beheerder heeft het wachtwoord van uw account in Toeleiding ({user.email}) "
               f"ingetrokken; uw oude wachtwoord werkt niet meer.")
    msg.set_content(
        f"Goedendag,\n\n{why}\n\n"
        f"Kies uw wachtwoord via deze link. Hij werkt één keer en is {SET_PASSWORD_MAX_AGE // 86400} dagen geldig:\n\n"
        f"{set_password_link(token)}\n\n"
        f"Geef de link aan niemand door, ook niet aan de beheerder. Had u dit niet verwacht, "
        f"neem dan contact op met de functioneel beheerder van uw regio.\n")
    return msg


def send_set_password(message: EmailMessage) -> bool:
    """Send it, after the commit; whether the server took it. When it did not, the link is not
    shown anywhere: the administrator has a new one sent (a reset) once the server works."""
    try:
        return send_messages([message]) == 1
    except SmtpUnavailable:
        return False
