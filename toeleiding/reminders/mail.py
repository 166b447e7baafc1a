"""The daily digest: how many children need attention and a link, never who they are (sent
through toeleiding/mail.py)."""
from __future__ import annotations

import datetime as dt
from email.message import EmailMessage

from flask import current_app

from ..dates import format_day



def digest_message(to: str, organisation: str, children: int, day: dt.date) -> EmailMessage:
    """One recipient's digest. Only a count, the organisation's name and a link to the inbox."""
    cfg = current_app.config
    link = cfg.get("BASE_URL", "").rstrip("/") + "/reminders/"
    msg = EmailMessage()
    msg["From"] = cfg["SMTP_FROM"]
    msg["To"] = to
    msg["Subject"] = f"Toeleiding: {children} {'kind vraagt' if children == 1 else 'kinderen vragen'} aandacht"
    msg.set_content(
        f"Goedemorgen,\n\n"
        f"Op {format_day(day, 'nl')} staan in Toeleiding herinneringen open voor {organisation} over "
        f"{children} {'kind' if children == 1 else 'kinderen'}.\n\n"
        f"Bekijk ze in uw overzicht: {link}\n\n"
        f"Deze e-mail bevat bewust geen gegevens van kinderen; u ziet ze na het aanmelden.\n")
    return msg
