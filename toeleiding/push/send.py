"""The body of a pushed publication, its HMAC signature, and the two ways it travels.

The signature covers the timestamp and the body (``"<timestamp>." + body``), so a receiver can
refuse a replayed old body: ``X-Toeleiding-Signature: t=<unix seconds>,sha256=<hex>``.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import ssl
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from ..monitor import exports, presentation, util as monitor_util

CONTENT_TYPES = {"csv": "text/csv; charset=utf-8",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "json": "application/json"}
SIGNATURE_HEADER = "X-Toeleiding-Signature"
TIMEOUT_SECONDS = 20


class PushFailed(Exception):
    """A delivery that did not arrive; ``reason`` is safe to store and log (status or error type)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def body_of(publication, fmt: str) -> bytes:
    """The publication as it was published: frozen cells, suppressed with its own threshold.

    Built only from the snapshot's aggregate cells, so nothing about a single child can go out,
    whoever configured the target.
    """
    data = monitor_util.published_data(publication)
    presented = presentation.present(data, publication.threshold)
    if fmt == "csv":
        return exports.to_csv(data, presented).encode("utf-8")
    if fmt == "xlsx":
        return exports.to_xlsx(data, presented)
    out = presentation.monitor_json(data, publication.threshold, presented)
    out["published_at"] = publication.published_at.isoformat()
    return json.dumps(out, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},sha256={mac}"


def verify(secret: str, header: str, body: bytes) -> bool:
    """What a receiver does (and the README shows): recompute and compare in constant time."""
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        expected = sign(secret, int(parts["t"]), body)
    except (ValueError, KeyError):
        return False
    return hmac.compare_digest(expected, header)


def file_name(publication, fmt: str) -> str:
    return f"monitor-{publication.region.slug}-{publication.peildatum.isoformat()}.{fmt}"


def to_directory(directory: str, name: str, body: bytes, signature: str) -> None:
    """Write the file and its ``.sig`` beside it, each atomically: a reader never sees half a file."""
    target = Path(directory)
    try:
        for path, content in ((target / name, body), (target / f"{name}.sig", signature.encode())):
            fd, tmp = tempfile.mkstemp(dir=target, prefix=".push-")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(content)
                os.replace(tmp, path)
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise
    except OSError as exc:
        raise PushFailed(f"{type(exc).__name__} (errno {exc.errno})") from None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is not followed: urllib would resend a POST as a GET without the body."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def to_https(url: str, body: bytes, headers: dict[str, str], ca_file: str | None) -> int:
    """POST the body; any 2xx is a delivery, anything else (or no answer) a failure to retry."""
    context = ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    opener = urllib.request.build_opener(_NoRedirect, urllib.request.HTTPSHandler(context=context))
    try:
        with opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status
    except urllib.error.HTTPError as exc:   # also a 3xx: not followed, so not delivered
        raise PushFailed(f"HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PushFailed(type(reason).__name__ if not isinstance(reason, str) else "URLError") from None
