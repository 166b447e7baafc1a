"""Set-password links go to the user's own address by e-mail, never to the administrator's screen.

An administrator who could read the link could set the password of a JGZ or VE account and read
children's records without break-the-glass. So the link is mailed (a real SMTP server on
loopback), the admin's page only says where it went, and making such an account usable is on
record in the access log for the privacy officer.
"""
from __future__ import annotations

import email
import email.policy
import re
import socket

import pytest
from sqlalchemy import select

from toeleiding.audit.models import AccessLogEntry
from toeleiding.extensions import db
from toeleiding.users.models import User

from ..factories import PASSWORD
from .conftest import WebClient, text

BASE_URL = "https://toeleiding.test.example"
NEW = {"name": "Nieuwe Verpleegkundige", "email": "nieuw@test.example", "role": "jgz"}
NEW_PASSWORD = "een goed lang wachtwoord"


@pytest.fixture
def mail(app, smtp_server):
    """SMTP configured and listening; the messages it received."""
    handler, port = smtp_server
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_FROM="toeleiding@test.example", BASE_URL=BASE_URL)
    return handler.messages


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _link(raw: str) -> str:
    body = email.message_from_string(raw, policy=email.policy.default).get_body(("plain",)).get_content()
    links = re.findall(r"\S+/wachtwoord/\S+", body)
    assert len(links) == 1, body
    return links[0]


def _user(app, address: str) -> User | None:
    with app.app_context():
        return db.session.scalar(select(User).where(User.email == address))


def _log(app, action: str) -> list[AccessLogEntry]:
    with app.app_context():
        return list(db.session.scalars(select(AccessLogEntry).where(AccessLogEntry.action == action)))


def _shows_no_link(*responses) -> None:
    for r in responses:
        body = r.get_data(as_text=True)
        assert "/wachtwoord/" not in body and "readonly value=" not in body, body[:2000]


def _sets_password_and_signs_in(app, link: str, address: str) -> None:
    assert link.startswith(BASE_URL + "/wachtwoord/")
    path = link.removeprefix(BASE_URL)
    c = WebClient(app)
    assert c.post(path, {"password": NEW_PASSWORD, "repeat": NEW_PASSWORD}).status_code == 302
    assert c.get(path).status_code == 404                          # used once
    c.get("/aanmelden")
    assert c.post("/aanmelden", {"email": address, "password": NEW_PASSWORD}).status_code == 302


def test_invitation_link_goes_by_mail_to_the_user_and_not_to_the_admin(app, web, world, mail):
    admin = web("admin")
    r = admin.post("/beheer/gebruikers", {**NEW, "organisation": str(world.ids["jgz"])})
    assert r.status_code == 302
    page = admin.get(r.location)
    assert "Uitnodiging verstuurd naar nieuw@test.example" in text(page)
    _shows_no_link(r, page)
    (recipients, raw), = mail
    assert recipients == ["nieuw@test.example"]
    _sets_password_and_signs_in(app, _link(raw), "nieuw@test.example")


class _ForgedHost(WebClient):
    """A browser session whose every request names another site in its Host header."""

    def get(self, url, **kw):
        return super().get(url, base_url="http://evil.example", **kw)

    def post(self, url, data=None, csrf=True, **kw):
        return super().post(url, data, csrf, base_url="http://evil.example", **kw)


def test_the_mailed_link_ignores_a_forged_host_header(app, world, mail):
    # The link is built from TOELEIDING_BASE_URL: a Host header of someone else's choosing must
    # not send the user's token to their site.
    admin = _ForgedHost(app).sign_in(world.emails["admin"])
    r = admin.post("/beheer/gebruikers", {**NEW, "organisation": str(world.ids["jgz"])})
    assert r.status_code == 302 and r.request.host == "evil.example"
    (_, raw), = mail
    assert _link(raw).startswith(BASE_URL + "/wachtwoord/") and "evil.example" not in raw


def test_invitation_of_a_role_that_reads_children_is_in_the_access_log(app, web, world, mail):
    from toeleiding.organisations.models import Organisation
    admin = web("admin")
    admin_id = _user(app, world.emails["admin"]).id
    with app.app_context():
        municipality = db.session.scalar(select(Organisation.id).where(Organisation.kind == "municipality"))
    for who, role, org in [("a@test.example", "jgz", world.ids["jgz"]), ("b@test.example", "ve", world.ids["ve"]),
                           ("c@test.example", "cjg", world.ids["cjg"]), ("d@test.example", "gemeente", municipality)]:
        r = admin.post("/beheer/gebruikers", {"name": who, "email": who, "role": role, "organisation": str(org)})
        assert r.status_code == 302, text(r)
    rows = _log(app, "user_invite")
    subjects = {f"subject_user:{_user(app, who).id}" for who in ("a@test.example", "b@test.example", "c@test.example")}
    assert {row.on_behalf_of for row in rows} == subjects   # the municipal user reads no child: no row
    assert all(row.user_id == admin_id and row.role == "admin" and row.result == "allowed"
               and row.case_id is None and row.client == "web" for row in rows)


def test_reset_link_goes_by_mail_and_is_in_the_access_log(app, web, world, mail):
    admin = web("admin")
    jgz = _user(app, world.emails["jgz"])
    r = admin.post(f"/beheer/gebruikers/{jgz.id}/wachtwoord")
    assert r.status_code == 302
    page = admin.get(r.location)
    assert f"verstuurd naar {world.emails['jgz']}" in text(page)
    _shows_no_link(r, page)
    c = WebClient(app)
    c.get("/aanmelden")
    assert c.post("/aanmelden", {"email": world.emails["jgz"], "password": PASSWORD}).status_code == 401
    (recipients, raw), = mail
    assert recipients == [world.emails["jgz"]]
    row, = _log(app, "password_reset")
    assert row.on_behalf_of == f"subject_user:{jgz.id}" and row.user_id == _user(app, world.emails["admin"]).id
    _sets_password_and_signs_in(app, _link(raw), world.emails["jgz"])


def test_without_smtp_no_invitation_is_made_and_the_admin_is_told_how_to_fix_it(app, web, world):
    assert app.config["SMTP_HOST"] is None
    admin = web("admin")
    page = admin.get("/beheer/gebruikers")
    assert "TOELEIDING_SMTP_HOST" in text(page)                    # said before the admin fills in the form
    r = admin.post("/beheer/gebruikers", {**NEW, "organisation": str(world.ids["jgz"])})
    assert r.status_code == 409
    assert "Niet verstuurd en niets gewijzigd" in text(r) and "TOELEIDING_SMTP_HOST" in text(r)
    _shows_no_link(r)
    assert _user(app, "nieuw@test.example") is None and _log(app, "user_invite") == []


def test_without_smtp_a_reset_changes_nothing(app, web, world):
    admin = web("admin")
    jgz = _user(app, world.emails["jgz"])
    r = admin.post(f"/beheer/gebruikers/{jgz.id}/wachtwoord")
    assert r.status_code == 302
    page = admin.get(r.location)
    assert "TOELEIDING_SMTP_HOST" in text(page)
    _shows_no_link(r, page)
    after = _user(app, world.emails["jgz"])
    assert after.password_hash == jgz.password_hash and after.session_version == jgz.session_version
    assert _log(app, "password_reset") == []
    web("jgz")                                                      # the old password still works


def test_an_invitation_the_mail_server_did_not_take_can_be_sent_again(app, web, world, smtp_server):
    handler, port = smtp_server
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=_free_port(), SMTP_FROM="toeleiding@test.example",
                      BASE_URL=BASE_URL)   # configured, but nothing listens there
    admin = web("admin")
    r = admin.post("/beheer/gebruikers", {**NEW, "organisation": str(world.ids["jgz"])})
    assert r.status_code == 302
    page = admin.get(r.location)
    assert "kon niet worden verstuurd" in text(page) and "Nieuw wachtwoord" in text(page)
    _shows_no_link(r, page)
    invited = _user(app, "nieuw@test.example")
    assert invited is not None and invited.active                   # the account exists, without a usable password
    app.config["SMTP_PORT"] = port                                  # the mail server is back
    r = admin.post(f"/beheer/gebruikers/{invited.id}/wachtwoord")
    assert r.status_code == 302 and "verstuurd naar nieuw@test.example" in text(admin.get(r.location))
    (recipients, raw), = handler.messages
    assert recipients == ["nieuw@test.example"]
    _sets_password_and_signs_in(app, _link(raw), "nieuw@test.example")


def test_a_second_link_ends_the_first(app, web, world, mail):
    admin = web("admin")
    jgz = _user(app, world.emails["jgz"])
    for _ in range(2):
        assert admin.post(f"/beheer/gebruikers/{jgz.id}/wachtwoord").status_code == 302
    (_, first), (_, second) = mail
    assert WebClient(app).get(_link(first).removeprefix(BASE_URL)).status_code == 404
    _sets_password_and_signs_in(app, _link(second), world.emails["jgz"])
