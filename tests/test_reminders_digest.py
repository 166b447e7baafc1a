"""The daily digest arrives on a real SMTP server (aiosmtpd on 127.0.0.1), once a day, with
only a count and a link: no name, BSN or date of birth."""
from __future__ import annotations

import datetime as dt
import socket

import pytest
from sqlalchemy import select

from toeleiding import clock
from toeleiding.cases.operations import fire_transition, register_case
from toeleiding.extensions import db
from toeleiding.users.models import User

from .factories import child, make_bsn

T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=clock.LOCAL_TZ)


def _children(app, world, n=3):
    """``n`` indicated children (with known names, BSNs and birth dates) and their case ids."""
    app.config["CLOCK_NOW"] = T0
    secrets = []
    with app.app_context():
        jgz = db.session.scalar(select(User).where(User.email == world.emails["jgz"]))
        for i in range(n):
            data = child(bsn=make_bsn(), given_name=f"Digestkind{i}", family_name=f"Geheimsma{i}")
            case = register_case(jgz, "GM0375", data)
            fire_transition(jgz, case.id, "indicate", case.version,
                            {"criteria": ["home_language"], "indication_date": T0.date().isoformat()})
            born = dt.date.fromisoformat(data["birth_date"])
            secrets += [data["given_name"], data["family_name"], data["bsn"], born.isoformat(),
                        born.strftime("%d-%m-%Y"), born.strftime("%d/%m/%Y")]
        db.session.commit()
    return secrets


def test_digest_reaches_the_smtp_server_once_a_day_without_personal_data(app, world, runner, smtp_server):
    handler, port = smtp_server
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_FROM="toeleiding@test.example",
                      DIGEST_HOUR=7, BASE_URL="https://toeleiding.test.example")
    secrets = _children(app, world)
    # Before the digest hour: the reminders are delivered, no e-mail yet.
    result = runner.invoke(args=["reminders", "run", "--now", "2026-03-16T06:59"])
    assert "delivered 3," in result.output and "digest e-mails 0" in result.output
    assert handler.messages == []
    result = runner.invoke(args=["reminders", "run", "--now", "2026-03-16T07:00"])
    assert "digest e-mails 1" in result.output, result.output
    (rcpt, content), = handler.messages
    assert rcpt == [world.emails["jgz"]]          # the JGZ that registered them; nobody else has any
    assert "3 kinderen" in content
    assert "https://toeleiding.test.example/reminders/" in content
    for secret in secrets:
        assert secret not in content, "personal data in the digest"
    # Later the same day, from this process or another: no second digest.
    result = runner.invoke(args=["reminders", "run", "--now", "2026-03-16T15:00"])
    assert "digest e-mails 0" in result.output
    assert len(handler.messages) == 1
    # The next day, again.
    runner.invoke(args=["reminders", "run", "--now", "2026-03-17T07:30"])
    assert len(handler.messages) == 2


def test_no_smtp_host_no_digest(app, world, runner):
    assert app.config["SMTP_HOST"] is None
    _children(app, world, 1)
    result = runner.invoke(args=["reminders", "run", "--now", "2026-03-16T08:00"])
    assert "delivered 1," in result.output and "digest e-mails 0" in result.output
    result = runner.invoke(args=["reminders", "digest"])
    assert result.exit_code != 0 and "TOELEIDING_SMTP_HOST" in result.output


def test_an_unreachable_smtp_server_is_logged_without_addresses_and_changes_nothing(app, world, runner, caplog):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]   # nothing listens here
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_FROM="toeleiding@test.example", DIGEST_HOUR=7)
    _children(app, world, 1)
    result = runner.invoke(args=["reminders", "run", "--now", "2026-03-16T08:00"])
    assert result.exit_code == 0 and "delivered 1," in result.output and "digest e-mails 0" in result.output
    assert "unavailable" in caplog.text and world.emails["jgz"] not in caplog.text


def test_a_digest_that_could_not_be_sent_goes_out_at_a_later_sweep_the_same_day(app, world, runner, caplog):
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]   # the SMTP server is down: nothing listens here yet
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_FROM="toeleiding@test.example", DIGEST_HOUR=7)
    _children(app, world, 2)
    result = runner.invoke(args=["reminders", "run", "--now", "2026-03-16T08:00"])
    assert result.exit_code == 0 and "digest e-mails 0" in result.output
    assert "unavailable" in caplog.text

    class Collect:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope.content.decode("utf-8", "replace"))
            return "250 OK"

    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=port)   # the server is back
    controller.start()
    try:
        result = runner.invoke(args=["reminders", "run", "--now", "2026-03-16T08:01"])
        assert "digest e-mails 1" in result.output, result.output
        assert len(handler.messages) == 1 and "2 kinderen" in handler.messages[0]
        result = runner.invoke(args=["reminders", "run", "--now", "2026-03-16T08:02"])
        assert "digest e-mails 0" in result.output                 # and then once, as always
        assert len(handler.messages) == 1
    finally:
        controller.stop()
