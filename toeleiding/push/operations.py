"""What changes push targets and deliveries (only flush: the command or the job commits)."""
from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import and_, exists, select

from .. import clock
from ..errors import N_, NotFound, ValidationError
from ..extensions import db
from ..monitor.models import MonitorPublication
from ..organisations.operations import get_region
from . import send
from .models import FORMATS, KINDS, PushDelivery, PushTarget

log = logging.getLogger(__name__)

# Backoff: the n-th failed try waits BASE * 2**(n-1), at most CAP; after MAX_ATTEMPTS it is failed
# for good (and logged as an error): a receiver down for a day is caught up, a wrong URL stops.
BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_CAP = dt.timedelta(hours=6)


def _check_destination(kind: str, destination: Any) -> str:
    if not isinstance(destination, str) or not destination.strip():
        raise ValidationError(N_("Bestemming is verplicht."), "destination")
    destination = destination.strip()
    if len(destination) > 500:
        raise ValidationError(N_("Bestemming: hoogstens 500 tekens."), "destination")
    if kind == "https":
        url = urllib.parse.urlsplit(destination)
        if url.scheme != "https" or not url.hostname or url.username or url.password:
            # Plain HTTP would send the region's figures and the signature in clear; credentials
            # in the URL would end up in logs.
            raise ValidationError(N_("Bestemming: een https://-adres zonder gebruikersnaam of wachtwoord."),
                                  "destination")
    else:
        path = Path(destination)
        if not path.is_absolute() or not path.is_dir():
            raise ValidationError(N_("Bestemming: een bestaande map, met een volledig pad."), "destination")
    return destination


def add_target(region_slug: Any, kind: Any, destination: Any, fmt: Any,
               since: dt.datetime | None = None) -> tuple[PushTarget, str]:
    """A new push target of the region; returns it with its HMAC key (shown once, stored encrypted).

    Publications from now on are owed to it; ``since`` makes older ones owed too (a backfill).
    """
    region = get_region(region_slug)
    if kind not in KINDS:
        raise ValidationError(N_("Soort: 'directory' of 'https'."), "kind")
    if fmt not in FORMATS:
        raise ValidationError(N_("Formaat: csv, xlsx of json."), "format")
    destination = _check_destination(kind, destination)
    now = clock.now()
    target = PushTarget(region=region, kind=kind, destination=destination, format=fmt, active=True,
                        owed_from=since or now, created_at=now, _secret=b"")
    db.session.add(target)
    db.session.flush()   # the ciphertext is bound to the row's id
    key = secrets.token_urlsafe(32)
    target.secret = key
    db.session.flush()
    return target, key


def get_target(target_id: Any) -> PushTarget:
    target = db.session.get(PushTarget, target_id) if isinstance(target_id, int) else None
    if target is None:
        raise NotFound(N_("Geen push-bestemming met dit nummer."))
    return target


def rotate_secret(target_id: Any) -> str:
    """A new HMAC key for the target (the old one stops working at once)."""
    target = get_target(target_id)
    key = secrets.token_urlsafe(32)
    target.secret = key
    db.session.flush()
    return key


def deactivate_target(target_id: Any) -> PushTarget:
    """Stop pushing to the target; what it was sent stays listed, what was still owed is dropped."""
    target = get_target(target_id)
    target.active = False
    for delivery in db.session.scalars(select(PushDelivery).where(PushDelivery.target_id == target.id,
                                                                   PushDelivery.state == "pending")):
        delivery.state, delivery.next_attempt_at, delivery.last_error = "failed", None, "target deactivated"
    db.session.flush()
    return target


def queue_owed(now: dt.datetime) -> int:
    """A pending delivery for every publication an active target is owed and does not have yet."""
    owed = db.session.execute(
        select(PushTarget.id, MonitorPublication.id)
        .join(MonitorPublication, and_(MonitorPublication.region_id == PushTarget.region_id,
                                       MonitorPublication.published_at >= PushTarget.owed_from))
        .where(PushTarget.active.is_(True),
               ~exists().where(PushDelivery.target_id == PushTarget.id,
                               PushDelivery.publication_id == MonitorPublication.id))).all()
    for target_id, publication_id in owed:
        db.session.add(PushDelivery(target_id=target_id, publication_id=publication_id, state="pending",
                                    attempts=0, next_attempt_at=now))
    db.session.flush()
    return len(owed)


def backoff(attempts: int) -> dt.timedelta:
    return min(BACKOFF_BASE * 2 ** (attempts - 1), BACKOFF_CAP)


@dataclass
class PushResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def attempt(delivery: PushDelivery, now: dt.datetime) -> bool:
    """Try one delivery once and record the outcome on it; True when it arrived."""
    target, publication = delivery.target, delivery.publication
    body = send.body_of(publication, target.format)
    timestamp = int(time.time())
    signature = send.sign(target.secret, timestamp, body)
    delivery.attempts += 1
    try:
        if target.kind == "directory":
            send.to_directory(target.destination, send.file_name(publication, target.format), body, signature)
        else:
            send.to_https(target.destination, body, {
                "Content-Type": send.CONTENT_TYPES[target.format],
                send.SIGNATURE_HEADER: signature,
                "X-Toeleiding-Delivery": str(delivery.id),
                "X-Toeleiding-Region": publication.region.slug,
                "X-Toeleiding-Peildatum": publication.peildatum.isoformat(),
                "User-Agent": "toeleiding-push/1",
            }, current_app.config.get("PUSH_CA_FILE"))
    except send.PushFailed as exc:
        delivery.last_error = exc.reason[:200]
        if delivery.attempts >= current_app.config.get("PUSH_MAX_ATTEMPTS", 10):
            delivery.state, delivery.next_attempt_at = "failed", None
            log.error("push: target %d gave up on %s %s after %d tries: %s", target.id, publication.region.slug,
                      publication.peildatum, delivery.attempts, exc.reason)
        else:
            delivery.next_attempt_at = now + backoff(delivery.attempts)
            log.warning("push: target %d, %s %s, try %d failed (%s); next at %s", target.id,
                        publication.region.slug, publication.peildatum, delivery.attempts, exc.reason,
                        delivery.next_attempt_at.isoformat(timespec="seconds"))
        return False
    delivery.state, delivery.next_attempt_at, delivery.sent_at, delivery.last_error = "sent", None, now, None
    log.info("push: target %d got %s %s (try %d)", target.id, publication.region.slug, publication.peildatum,
             delivery.attempts)
    return True


def due_deliveries(now: dt.datetime) -> list[int]:
    return list(db.session.scalars(select(PushDelivery.id).where(PushDelivery.state == "pending",
                                                                  PushDelivery.next_attempt_at <= now)
                                   .order_by(PushDelivery.next_attempt_at, PushDelivery.id)))
