"""The published monitor pushed to a directory and to a real HTTPS endpoint on loopback (issue 12, point 7).

The receiver is a real TLS server with a certificate made here, trusted through
TOELEIDING_PUSH_CA_FILE; the scheduler's job is run through ``flask push run``.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from toeleiding import clock, create_app
from toeleiding.config import ConfigError, load_config
from toeleiding.push.send import verify

from .factories import make_bsn

NAME, FAMILY = "Pushkind", "Verzonnenga"


@pytest.fixture
def published(api):
    """Three fictitious children indicated in one municipality, and the admin's publication of that."""
    jgz = api("jgz")
    bsns = [make_bsn() for _ in range(3)]
    for bsn in bsns:
        jgz.fire(jgz.register(given_name=NAME, family_name=FAMILY, bsn=bsn), "indicate",
                 criteria=["home_language"], indication_date=(clock.today() - dt.timedelta(days=3)).isoformat())
    peildatum = (clock.today() - dt.timedelta(days=1)).isoformat()

    def publish(day: str = peildatum):
        r = api("admin").post("/monitor/publications", {"region": "ijmond", "peildatum": day})
        assert r.status_code == 201, r.json
        return day
    return publish, bsns


def _add(runner, *args: str) -> str:
    result = runner.invoke(args=["push", "add", "--region", "ijmond", *args])
    assert result.exit_code == 0, result.output
    return result.output.rsplit(": ", 1)[1].strip()   # the HMAC key, printed once


def _run(runner) -> str:
    result = runner.invoke(args=["push", "run"])
    assert result.exit_code == 0, result.output
    return result.output


def _no_personal_data(body: bytes, bsns: list[str]) -> None:
    text = body.decode("utf-8", "replace")
    for secret in (NAME, FAMILY, *bsns):
        assert secret not in text


def test_a_publication_lands_in_the_directory_signed_and_suppressed_once(runner, published, tmp_path):
    publish, bsns = published
    key = _add(runner, "--kind", "directory", "--to", str(tmp_path), "--format", "csv")
    assert "sent 0" in _run(runner)                       # nothing published yet: nothing owed
    day = publish()
    assert "sent 1, to retry 0, failed 0" in _run(runner)
    body = (tmp_path / f"monitor-ijmond-{day}.csv").read_bytes()
    signature = (tmp_path / f"monitor-ijmond-{day}.csv.sig").read_text()
    assert verify(key, signature, body)
    assert not verify(key, signature, body + b" ")       # the signature covers the body
    assert not verify("another key", signature, body)
    lines = body.decode().splitlines()
    header, municipality = lines[0].split(","), next(r for r in lines if ",GM0375," in r).split(",")
    assert header[:4] == ["region", "peildatum", "municipality_code", "municipality_name"]
    assert municipality[header.index("target_group")] == "<10"  # three children: suppressed as published
    _no_personal_data(body, bsns)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".push-")] == []
    # Delivered once: a second run owes nothing, the list says so.
    assert "sent 0" in _run(runner)
    listed = runner.invoke(args=["push", "list"]).output
    assert "pending 0, sent 1, failed 0" in listed


class Receiver:
    """A real HTTPS server on loopback answering with the statuses it is given, in turn."""

    def __init__(self, tmp_path):
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "push receiver (test)")])
        now = dt.datetime.now(dt.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
                .not_valid_after(now + dt.timedelta(days=1))
                .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                               critical=False)
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .sign(key, hashes.SHA256()))
        self.cert_file, key_file = tmp_path / "receiver.pem", tmp_path / "receiver.key"
        self.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        self.statuses: list[int] = []
        self.received: list[tuple[dict, bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append((dict(self.headers), body))
                status = outer.statuses.pop(0) if outer.statuses else 200
                self.send_response(status)
                if status in (301, 302):
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, key_file)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}/monitor-in"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(app, tmp_path):
    r = Receiver(tmp_path)
    app.config["PUSH_CA_FILE"] = str(r.cert_file)
    yield r
    r.close()


@pytest.fixture
def moved_clock(monkeypatch):
    """``later(minutes)``: the app's clock that many minutes ahead of now."""
    start = clock.now()

    def later(minutes: float) -> None:
        monkeypatch.setattr(clock, "now", lambda: start + dt.timedelta(minutes=minutes))
    return later


def test_an_endpoint_that_fails_is_retried_with_backoff_until_it_takes_the_signed_json(
        runner, published, receiver, moved_clock):
    publish, bsns = published
    key = _add(runner, "--kind", "https", "--to", receiver.url, "--format", "json")
    publish()
    receiver.statuses = [503, 503]
    assert "sent 0, to retry 1" in _run(runner)
    assert "to retry 0" in _run(runner) and len(receiver.received) == 1   # not due again yet
    moved_clock(1.5)                                    # the first wait is a minute
    assert "sent 0, to retry 1" in _run(runner)
    moved_clock(3)                                      # the second wait is two minutes after that
    assert "sent 0, to retry 0" in _run(runner)
    moved_clock(3.6)
    assert "sent 1" in _run(runner)
    assert len(receiver.received) == 3
    headers, body = receiver.received[-1]
    assert verify(key, headers["X-Toeleiding-Signature"], body)
    assert headers["Content-Type"] == "application/json" and headers["X-Toeleiding-Region"] == "ijmond"
    doc = json.loads(body)
    assert doc["region"] == "ijmond" and doc["threshold"] == 10
    municipality = next(m for m in doc["municipalities"] if m["code"] == "GM0375")
    assert municipality["cells"]["target_group"] == {"value": None, "display": "<10"}
    _no_personal_data(body, bsns)
    deliveries = runner.invoke(args=["push", "deliveries", "1"]).output
    assert "\tsent\t3 tries" in deliveries


def test_an_endpoint_that_keeps_failing_is_given_up_and_logged(app, runner, published, receiver, moved_clock, caplog):
    app.config["PUSH_MAX_ATTEMPTS"] = 2
    _add(runner, "--kind", "https", "--to", receiver.url, "--format", "csv")
    publish, _ = published
    publish()
    receiver.statuses = [500, 302]                      # a redirect is not followed: not delivered
    _run(runner)
    moved_clock(2)
    with caplog.at_level(logging.ERROR, logger="toeleiding.push"):
        assert "sent 0, to retry 0, failed 1" in _run(runner)
    assert "gave up" in caplog.text and "HTTP 302" in caplog.text
    moved_clock(600)
    assert "sent 0, to retry 0, failed 0" in _run(runner)
    assert len(receiver.received) == 2
    assert "pending 0, sent 0, failed 1" in runner.invoke(args=["push", "list"]).output


def test_an_untrusted_certificate_is_a_failure_not_a_delivery(app, runner, published, receiver):
    app.config["PUSH_CA_FILE"] = None                   # the system's CAs do not know the receiver
    _add(runner, "--kind", "https", "--to", receiver.url)
    published[0]()
    assert "sent 0, to retry 1" in _run(runner)
    assert receiver.received == []


def test_a_rotated_key_signs_the_next_delivery_and_a_removed_target_gets_nothing(runner, published, tmp_path):
    publish, _ = published
    old = _add(runner, "--kind", "directory", "--to", str(tmp_path))
    rotated = runner.invoke(args=["push", "rotate-secret", "1"])
    assert rotated.exit_code == 0
    new = rotated.output.rsplit(": ", 1)[1].strip()
    day = publish()
    _run(runner)
    body = (tmp_path / f"monitor-ijmond-{day}.csv").read_bytes()
    sig = (tmp_path / f"monitor-ijmond-{day}.csv.sig").read_text()
    assert verify(new, sig, body) and not verify(old, sig, body)
    assert runner.invoke(args=["push", "remove", "1"]).exit_code == 0
    publish((clock.today() - dt.timedelta(days=2)).isoformat())
    assert "sent 0" in _run(runner)
    assert "inactive" in runner.invoke(args=["push", "list"]).output


def test_since_also_pushes_earlier_publications(runner, published, tmp_path):
    publish, _ = published
    day = publish()
    _add(runner, "--kind", "directory", "--to", str(tmp_path / ".."), "--format", "xlsx")   # made after: owes none
    assert "sent 0" in _run(runner)
    _add(runner, "--kind", "directory", "--to", str(tmp_path), "--format", "xlsx",
         "--since", (clock.today() - dt.timedelta(days=30)).isoformat())
    assert "sent 1" in _run(runner)
    assert (tmp_path / f"monitor-ijmond-{day}.xlsx").read_bytes()[:2] == b"PK"


@pytest.mark.parametrize("args, field", [
    (["--kind", "https", "--to", "http://monitor.example/in"], "destination:"),
    (["--kind", "https", "--to", "https://user:pw@monitor.example/in"], "destination:"),
    (["--kind", "directory", "--to", "relative/dir"], "destination:"),
    (["--kind", "directory", "--to", "/no/such/directory/here"], "destination:"),
])
def test_a_bad_destination_is_refused_naming_the_field(runner, world, args, field):
    result = runner.invoke(args=["push", "add", "--region", "ijmond", *args])
    assert result.exit_code != 0 and field in result.output, result.output
    assert "pending" not in runner.invoke(args=["push", "list"]).output   # nothing stored


def test_an_unknown_region_or_target_is_refused(runner, world, tmp_path):
    result = runner.invoke(args=["push", "add", "--region", "nowhere", "--kind", "directory", "--to", str(tmp_path)])
    assert result.exit_code != 0 and "region:" in result.output
    for command in ("rotate-secret", "remove", "deliveries"):
        result = runner.invoke(args=["push", command, "99"])
        assert result.exit_code != 0 and "99" not in result.output.split("Error:")[0]


def test_a_missing_ca_file_stops_start_up_with_what_to_fix(tmp_path):
    with pytest.raises(ConfigError, match="TOELEIDING_PUSH_CA_FILE"):
        load_config(str(tmp_path), {"TOELEIDING_PUSH_CA_FILE": str(tmp_path / "missing.pem")})


def test_the_push_job_is_on_the_one_scheduler(base_config, migrated):
    from toeleiding.reminders.scheduler import build_scheduler
    app = create_app(dict(base_config))
    assert build_scheduler(app, background=True).get_job("monitor_push") is not None


def test_the_demo_pushes_each_region_to_the_instance_folder_once(app, runner):
    for _ in range(2):
        assert runner.invoke(args=["demo", "--no-cases"]).exit_code == 0
    listed = runner.invoke(args=["push", "list"]).output.splitlines()
    assert sorted(line.split("\t")[1] for line in listed) == ["bevelanden", "ijmond"]
    assert all(line.split("\t")[5].endswith("monitor-push") for line in listed)
