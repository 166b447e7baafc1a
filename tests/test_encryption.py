"""Personal data at rest: never in clear in the database, bound to its row, readable after rotation."""
from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import secrets
import shutil
import stat
import subprocess
import threading
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import select, update

from toeleiding import clock, create_app
from toeleiding.cases.models import Case, CaseEvent
from toeleiding.crypto import KeyringError, current_keyring
from toeleiding.extensions import db

from .factories import ApiClient, days_ago, make_bsn

# Invented and distinctive, so finding them anywhere in the bytes can only mean a leak.
CHILD = {"given_name": "Zwaantje", "family_name": "Oosterwoldinga",
         # About three years old, on the 17th: never the first-of-month that is kept in clear.
         "birth_date": clock.add_months(clock.today(), -37).replace(day=17).isoformat(),
         "postcode": "1948 QX", "house_number": "217"}
PARENT = {"name": "Hermijntje Quakkelaar", "phone": "0687654321", "email": "h.quakkelaar@voorbeeld.example"}
FREE_TEXT = "Moeder werkt in nachtdiensten bij de veiling"


def _key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


@pytest.fixture
def make_app(app, base_config):
    """More apps on the same (emptied) database, with other keys; their connections closed after."""
    made = []

    def make(**overrides):
        extra = create_app({**base_config, **overrides})
        made.append(extra)
        return extra
    yield make
    for extra in made:
        with extra.app_context():
            db.engine.dispose()


def _write_case(jgz: ApiClient, world, bsn: str) -> dict:
    """A case with every kind of personal data: child, parent, and free text in its history."""
    r = jgz.post("/cases", {"municipality": "GM0375", "child": {**CHILD, "bsn": bsn}, "parents": [PARENT]})
    assert r.status_code == 201, r.json
    case = jgz.fire(r.json, "indicate", criteria=["home_language"], indication_date=days_ago(20))
    return jgz.fire(case, "report_not_reached", reason="other", reason_text=FREE_TEXT, date=days_ago(10))


def _secrets(bsn: str) -> list[str]:
    return [CHILD["given_name"], CHILD["family_name"], CHILD["birth_date"], "1948QX", bsn,   # postcode as stored
            PARENT["name"], PARENT["phone"], PARENT["email"], FREE_TEXT]


def _leaks(raw: bytes, values: list[str]) -> list[str]:
    """The values found in ``raw``: as text, or hex-encoded as PostgreSQL dumps a bytea."""
    return [v for v in values if v.encode() in raw or v.encode().hex().encode() in raw.lower()]


@pytest.mark.sqlite   # reads the SQLite file; the PostgreSQL pass checks a pg_dump instead
def test_names_and_bsn_are_not_in_the_sqlite_file(app, api, world):
    bsn = make_bsn()
    case = _write_case(api("jgz"), world, bsn)
    with app.app_context():
        path = Path(db.engine.url.database)
    raw = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    # Control: what may stay in clear is there, so these are the right bytes after the commit.
    assert uuid.UUID(case["id"]).hex.encode() in raw and b"report_not_reached" in raw
    assert _leaks(raw, _secrets(bsn)) == []


@pytest.mark.postgres
def test_names_and_bsn_are_not_in_a_postgresql_dump(app, api, world, postgres):
    bsn = make_bsn()
    case = _write_case(api("jgz"), world, bsn)
    with app.app_context():
        url = db.engine.url
    cmd = [shutil.which("pg_dump") or "/usr/bin/pg_dump", "--no-owner", "-h", url.host or "127.0.0.1",
           "-p", str(url.port or 5432), "-U", url.username or "postgres", "-d", url.database]
    dump = subprocess.run(cmd, capture_output=True, check=True,
                          env={"PGPASSWORD": url.password or "", "PATH": "/usr/bin:/bin"}).stdout
    assert case["id"].encode() in dump and b"report_not_reached" in dump
    assert _leaks(dump, _secrets(bsn)) == []


def test_the_blind_index_is_not_the_bsn(app, api, world):
    bsn = make_bsn()
    case = api("jgz").register(bsn=bsn)
    with app.app_context():
        index = db.session.scalar(select(Case.bsn_index).where(Case.id == uuid.UUID(case["id"])))
    assert len(index) == 64 and bsn not in index
    # Keyed: an unkeyed hash of a nine-digit number could be reversed by trying them all.
    assert index != hashlib.sha256(bsn.encode()).hexdigest()


def _copy_column(app, source_id: str, target_id: str, source_column: str, target_column: str) -> None:
    """What an attacker with database access (but no keys) might try: move a ciphertext."""
    t = Case.__table__
    with app.app_context():
        blob = db.session.scalar(select(t.c[source_column]).where(t.c.id == uuid.UUID(source_id)))
        db.session.execute(update(t).where(t.c.id == uuid.UUID(target_id)).values({target_column: blob}))
        db.session.commit()


def _read_attribute(app, case_id: str, attribute: str):
    with app.app_context():
        return getattr(db.session.get(Case, uuid.UUID(case_id)), attribute)


def test_a_ciphertext_copied_to_another_case_does_not_decrypt(app, api, world):
    jgz = api("jgz")
    a = jgz.register(given_name="Annelotte")
    b = jgz.register(given_name="Berendina")
    _copy_column(app, a["id"], b["id"], "given_name", "given_name")
    with pytest.raises(KeyringError, match="does not authenticate"):
        _read_attribute(app, b["id"], "given_name")
    assert _read_attribute(app, a["id"], "given_name") == "Annelotte"   # the original is untouched
    r = jgz.get(f"/cases/{b['id']}")
    assert r.status_code == 409 and r.json["error"]["code"] == "unreadable_record"
    assert "Annelotte" not in r.get_data(as_text=True)
    # The list still answers: the unreadable case is marked, the others are whole.
    listing = jgz.get("/cases").json
    items = {i["id"]: i for i in listing["items"]}
    assert listing["total"] == 2 and len(items) == 2   # none dropped
    assert items[b["id"]]["unreadable"] is True and items[b["id"]]["child"] is None
    assert items[a["id"]]["unreadable"] is False and items[a["id"]]["child"]["given_name"] == "Annelotte"
    # Marked, not blanked: every field but the child's is there, as for a readable case.
    assert set(items[b["id"]]) == set(items[a["id"]])
    assert items[b["id"]]["state_label"] == items[a["id"]]["state_label"] and items[b["id"]]["state_since"]


def test_a_ciphertext_copied_to_another_column_does_not_decrypt(app, api, world):
    jgz = api("jgz")
    case = jgz.register(given_name="Annelotte", family_name="Brouwersma")
    _copy_column(app, case["id"], case["id"], "family_name", "given_name")
    with pytest.raises(KeyringError, match="does not authenticate"):
        _read_attribute(app, case["id"], "given_name")
    r = jgz.post(f"/cases/{case['id']}/transitions", {"trigger": "indicate", "version": case["version"], "data": {
        "criteria": ["home_language"], "indication_date": days_ago(1)}})
    assert r.status_code == 409 and r.json["error"]["code"] == "unreadable_record"
    assert "Brouwersma" not in r.get_data(as_text=True)


def test_free_text_copied_to_another_event_does_not_decrypt(app, api, world):
    jgz = api("jgz")
    case = _write_case(jgz, world, make_bsn())
    t = CaseEvent.__table__
    with app.app_context():
        blob = db.session.scalar(select(t.c.secret).where(t.c.case_id == uuid.UUID(case["id"]), t.c.seq == 3))
        db.session.execute(update(t).where(t.c.case_id == uuid.UUID(case["id"]), t.c.seq == 2).values(secret=blob))
        db.session.commit()
    r = jgz.get(f"/cases/{case['id']}")
    assert r.status_code == 409 and FREE_TEXT not in r.get_data(as_text=True)


def _snapshot(client: ApiClient) -> dict:
    """Every case the client sees, in full, as the API shows it."""
    listing = client.get("/cases?per_page=200")
    assert listing.status_code == 200, listing.json
    out = {}
    for item in listing.json["items"]:
        r = client.get(f"/cases/{item['id']}")
        assert r.status_code == 200, r.json
        out[item["id"]] = r.json
    return out


def test_rotation_in_the_keys_file_then_old_key_removed_still_reads_everything(make_app, world, tmp_path, test_keys):
    keys_file = tmp_path / "keys.json"
    file_keys = {"ENCRYPTION_KEYS": None, "BLIND_INDEX_KEY": None, "KEYS_FILE": str(keys_file)}
    first = make_app(**file_keys)   # development: the keys file is made on first start
    jgz = ApiClient.sign_in(first.test_client(), world.emails["jgz"])
    ids = [_write_case(jgz, world, make_bsn())["id"]] + [jgz.register()["id"] for _ in range(3)]
    before = _snapshot(jgz)
    assert set(before) == set(ids)
    old = json.loads(keys_file.read_text())["encryption_keys"]
    assert [k["id"] for k in old] == ["k1"]

    result = first.test_cli_runner().invoke(args=["keys", "rotate", "--wait", "0"])   # one process: nobody to wait for
    assert result.exit_code == 0, result.output
    assert "new key k2" in result.output
    data = json.loads(keys_file.read_text())
    assert [k["id"] for k in data["encryption_keys"]] == ["k2", "k1"]
    assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
    with first.app_context():   # every ciphertext now names the new key
        keyring = current_keyring()
        blobs = [b for row in db.session.execute(select(Case.__table__)).mappings()
                 for c, b in row.items() if isinstance(b, bytes)]
        blobs += [b for b in db.session.scalars(select(CaseEvent.__table__.c.secret)) if b is not None]
        assert blobs and {keyring.key_id_of(b) for b in blobs} == {"k2"}

    data["encryption_keys"] = data["encryption_keys"][:1]   # the old key is gone for good
    keys_file.write_text(json.dumps(data))
    after = make_app(**file_keys)
    assert _snapshot(ApiClient.sign_in(after.test_client(), world.emails["jgz"])) == before


def test_env_keys_reencrypt_then_only_the_new_key_reads_everything(make_app, world, test_keys):
    old, new = _key(), _key()
    index_key = test_keys["BLIND_INDEX_KEY"]
    first = make_app(ENCRYPTION_KEYS=f"k1:{old}", BLIND_INDEX_KEY=index_key)
    jgz = ApiClient.sign_in(first.test_client(), world.emails["jgz"])
    _write_case(jgz, world, make_bsn())
    jgz.register()
    before = _snapshot(jgz)

    only_new = {"ENCRYPTION_KEYS": f"k2:{new}", "BLIND_INDEX_KEY": index_key}
    # Control: without re-encryption the new key alone reads nothing.
    early = ApiClient.sign_in(make_app(**only_new).test_client(), world.emails["jgz"])
    assert early.get(f"/cases/{next(iter(before))}").status_code == 409

    both = make_app(ENCRYPTION_KEYS=f"k2:{new},k1:{old}", BLIND_INDEX_KEY=index_key)
    result = both.test_cli_runner().invoke(args=["keys", "reencrypt"])
    assert result.exit_code == 0, result.output
    assert "cases: 2 rows under key k2" in result.output

    after = _snapshot(ApiClient.sign_in(make_app(**only_new).test_client(), world.emails["jgz"]))
    assert after == before   # versions included: re-encryption is not a change of the case
    assert {c["version"] for c in after.values()} == {1, 3}


def test_rotate_refuses_when_keys_come_from_the_environment(app):
    # Nothing can edit the workers' environment: the command explains the phases instead.
    for args in (["rotate"], ["add"], ["promote", "t1"], ["retire", "t1"]):
        result = app.test_cli_runner().invoke(args=["keys", *args])
        assert result.exit_code != 0 and "TOELEIDING_DECRYPT_KEYS" in result.output and "flask keys reencrypt" in result.output


def test_the_development_keys_file_is_private(make_app, tmp_path):
    keys_file = tmp_path / "instance" / "keys.json"
    assert not keys_file.exists()
    make_app(ENCRYPTION_KEYS=None, BLIND_INDEX_KEY=None, KEYS_FILE=str(keys_file))
    assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
    data = json.loads(keys_file.read_text())
    assert data["encryption_keys"][0]["id"] == "k1" and data["blind_index_key"]


def test_pages_survive_a_record_that_does_not_decrypt(app, api, world):
    from .web.conftest import WebClient
    jgz = api("jgz")
    a = jgz.register(given_name="Annelotte")
    b = jgz.register(given_name="Berendina")
    _copy_column(app, a["id"], b["id"], "given_name", "given_name")
    web = WebClient(app).sign_in(world.emails["jgz"])
    page = web.get("/werkvoorraad?lijst=all")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Annelotte" in body and "niet te ontsleutelen" in body
    opened = web.get(f"/dossiers/{b['id']}")
    assert opened.status_code == 409 and "Annelotte" not in opened.get_data(as_text=True)


# --- Rotation in phases: decrypt-only keys ---------------------------------------------------


def _blob_keys(app, case_id: str) -> set[str]:
    """The key ids the case's stored ciphertexts name."""
    t = Case.__table__
    with app.app_context():
        row = db.session.execute(select(t).where(t.c.id == uuid.UUID(case_id))).mappings().one()
        return {current_keyring().key_id_of(bytes(v)) for v in row.values() if isinstance(v, bytes)}


def test_workers_one_phase_apart_read_what_the_other_writes(make_app, world, test_keys):
    """A rolling restart mixes workers of two adjacent phases; each must read what the other
    writes. Skipping phase 1 (the procedure this replaces) is the control that fails."""
    old, new, index_key = _key(), _key(), test_keys["BLIND_INDEX_KEY"]
    phases = {
        "0 before": {"ENCRYPTION_KEYS": f"k1:{old}"},
        "1 new key decrypt-only": {"ENCRYPTION_KEYS": f"k1:{old}", "DECRYPT_KEYS": f"k2:{new}"},
        "2 new key encrypts": {"ENCRYPTION_KEYS": f"k2:{new},k1:{old}", "DECRYPT_KEYS": None},
        "4 old key removed": {"ENCRYPTION_KEYS": f"k2:{new}", "DECRYPT_KEYS": None},
    }
    clients = {name: ApiClient.sign_in(make_app(**keys, BLIND_INDEX_KEY=index_key).test_client(), world.emails["jgz"])
               for name, keys in phases.items()}
    written = {name: [] for name in phases}

    def mixed(a: str, b: str) -> None:
        for name in (a, b):
            written[name].append(clients[name].register()["id"])
        for name in (a, b):
            for case_id in [i for ids in written.values() for i in ids]:
                r = clients[name].get(f"/cases/{case_id}")
                assert r.status_code == 200, (name, r.json)

    mixed("0 before", "1 new key decrypt-only")
    assert _blob_keys(clients["1 new key decrypt-only"].client.application, written["1 new key decrypt-only"][0]) == {"k1"}
    mixed("1 new key decrypt-only", "2 new key encrypts")
    assert _blob_keys(clients["2 new key encrypts"].client.application, written["2 new key encrypts"][0]) == {"k2"}
    # Control: a phase-0 worker beside a phase-2 one cannot read what the latter wrote.
    assert clients["0 before"].get(f"/cases/{written['2 new key encrypts'][0]}").status_code == 409

    result = clients["2 new key encrypts"].client.application.test_cli_runner().invoke(args=["keys", "reencrypt"])
    assert result.exit_code == 0, result.output
    status = clients["2 new key encrypts"].client.application.test_cli_runner().invoke(args=["keys", "status"])
    assert status.exit_code == 0 and "k1           decrypts      0 ciphertexts" in status.output, status.output
    mixed("2 new key encrypts", "4 old key removed")


def test_decrypt_only_settings_are_checked_at_start(make_app, test_keys, tmp_path):
    from toeleiding.config import ConfigError, load_config
    index_key, k1 = test_keys["BLIND_INDEX_KEY"], _key()
    with pytest.raises(ConfigError, match='TOELEIDING_DECRYPT_KEYS is only read beside TOELEIDING_ENCRYPTION_KEYS.*"decrypt_only": true'):
        load_config(str(tmp_path), {"TOELEIDING_DECRYPT_KEYS": f"k2:{_key()}", "TOELEIDING_ENV": "testing"})
    for decrypt, message in ((f"k1:{_key()}", "key id 'k1' is listed twice"),
                             ("k2", "decrypt-only key number 1: expected 'id:base64key'"),
                             (f"k2:{_key()[:20]}", "decrypt-only key 'k2' must be 32 bytes")):
        with pytest.raises(ConfigError, match=message):
            make_app(ENCRYPTION_KEYS=f"k1:{k1}", DECRYPT_KEYS=decrypt, BLIND_INDEX_KEY=index_key)
    keys_file = tmp_path / "keys.json"
    file_keys = {"ENCRYPTION_KEYS": None, "BLIND_INDEX_KEY": None, "KEYS_FILE": str(keys_file), "KEYS_FILE_EXPLICIT": True}
    for entries, message in (([{"id": "k1", "key": k1, "decrypt_only": "yes"}], "decrypt_only must be true or false"),
                             ([{"id": "k1", "key": k1, "decrypt_only": True}], "every key is decrypt-only: one must encrypt")):
        keys_file.write_text(json.dumps({"encryption_keys": entries, "blind_index_key": index_key}))
        with pytest.raises(ConfigError, match=message):
            make_app(**file_keys)


def test_workers_follow_a_shared_keys_file_through_every_phase(make_app, world, tmp_path, monkeypatch):
    """Two workers on one keys file, neither restarted: `keys add`, `promote`, `reencrypt` and
    `retire` run beside them (as `keys rotate` does) and no request fails."""
    from toeleiding.crypto import keyring as keyring_module
    monkeypatch.setattr(keyring_module, "RELOAD_SECONDS", 0)   # the worker looks at the file on every use
    keys_file = tmp_path / "keys.json"
    file_keys = {"ENCRYPTION_KEYS": None, "BLIND_INDEX_KEY": None, "KEYS_FILE": str(keys_file)}
    worker, operator = make_app(**file_keys), make_app(**file_keys)
    jgz = ApiClient.sign_in(worker.test_client(), world.emails["jgz"])
    cli = operator.test_cli_runner()
    ids = [jgz.register()["id"]]

    assert cli.invoke(args=["keys", "add"]).output.startswith("new key k2 written")
    ids.append(jgz.register()["id"])
    assert _blob_keys(worker, ids[-1]) == {"k1"}           # decrypt-only: not used to write
    assert cli.invoke(args=["keys", "promote", "k2"]).exit_code == 0
    ids.append(jgz.register()["id"])
    assert _blob_keys(worker, ids[-1]) == {"k2"}           # the worker picked up the promotion
    refused = cli.invoke(args=["keys", "retire", "k1"])
    assert refused.exit_code != 0 and "ciphertexts are still under key k1" in refused.output
    assert "key k2 encrypts" in cli.invoke(args=["keys", "retire", "k2"]).output
    assert cli.invoke(args=["keys", "reencrypt"]).exit_code == 0
    retired = cli.invoke(args=["keys", "retire", "k1"])
    assert retired.exit_code == 0, retired.output
    assert [k["id"] for k in json.loads(keys_file.read_text())["encryption_keys"]] == ["k2"]
    assert all(jgz.get(f"/cases/{i}").status_code == 200 for i in ids)

    keys_file.write_text("{ half an edit")                 # a broken file keeps the keys in use
    assert jgz.get(f"/cases/{ids[0]}").status_code == 200 and jgz.register()["id"]


def test_a_worker_that_meets_an_unknown_key_reads_the_keys_file_again(make_app, world, tmp_path):
    # Without waiting for its next look at the file: the first request after the promotion elsewhere.
    keys_file = tmp_path / "keys.json"
    file_keys = {"ENCRYPTION_KEYS": None, "BLIND_INDEX_KEY": None, "KEYS_FILE": str(keys_file)}
    reader, writer = make_app(**file_keys), make_app(**file_keys)
    with reader.app_context():
        assert current_keyring().current_id == "k1"
    cli = writer.test_cli_runner()
    assert cli.invoke(args=["keys", "add"]).exit_code == 0
    assert cli.invoke(args=["keys", "promote", "k2"]).exit_code == 0
    case = ApiClient.sign_in(writer.test_client(), world.emails["jgz"]).register()
    r = ApiClient.sign_in(reader.test_client(), world.emails["jgz"]).get(f"/cases/{case['id']}")
    assert r.status_code == 200 and r.json["child"]["given_name"] == "Testkind"


# --- Re-encryption writes a row back only if it is unchanged ----------------------------------


@contextlib.contextmanager
def _between_read_and_write(app, table: str, action):
    """Run ``action`` to its end, in a thread of its own (its own app context, session and
    connection), just before re-encryption sends its first UPDATE of ``table``: after the batch
    was read, before anything of it is written."""
    main, errors, ran = threading.get_ident(), [], []

    def other():
        try:
            action()
        except BaseException as exc:   # handed to the test's thread below
            errors.append(exc)

    def hook(conn, cursor, statement, parameters, context, executemany):
        if threading.get_ident() == main and not ran and statement.lstrip().upper().startswith(f"UPDATE {table.upper()} "):
            ran.append(True)
            thread = threading.Thread(target=other)
            thread.start()
            thread.join()

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", hook)
    try:
        yield
    finally:
        sa.event.remove(engine, "before_cursor_execute", hook)
    assert ran, f"re-encryption wrote nothing to {table}"
    if errors:
        raise errors[0]


def _column(app, table: str, column: str, key) -> bytes | None:
    t = sa.Table(table, db.metadata)
    with app.app_context():
        return db.session.scalar(select(t.c[column]).where(t.c[list(t.primary_key.columns)[0].name] == key))


@pytest.mark.parametrize("table", ["cases", "reminders"])
def test_reencryption_does_not_bring_back_what_retention_erased_meanwhile(make_app, world, test_keys, table):
    from toeleiding.reminders.models import Reminder
    from toeleiding.privacy.commands import run_retention
    old, index_key = _key(), test_keys["BLIND_INDEX_KEY"]
    first = make_app(ENCRYPTION_KEYS=f"k1:{old}", BLIND_INDEX_KEY=index_key)
    jgz = ApiClient.sign_in(first.test_client(), world.emails["jgz"])
    case = jgz.fire(jgz.register(), "close", outcome="other", reason_text="Verhuisd.", date=days_ago(800))
    with first.app_context():   # a snoozed reminder's reason: free text about the family
        reminder = db.session.scalars(select(Reminder).where(Reminder.case_id == uuid.UUID(case["id"]))).first()
        reminder.snooze_reason = "Moeder is herstellende van een operatie"
        reminder_id = reminder.id
        db.session.commit()

    second = make_app(ENCRYPTION_KEYS=f"k2:{_key()},k1:{old}", BLIND_INDEX_KEY=index_key)
    with _between_read_and_write(second, table, lambda: run_retention(second)):
        result = second.test_cli_runner().invoke(args=["keys", "reencrypt"])
    assert result.exit_code == 0, result.output
    assert _column(second, "cases", "erased_at", uuid.UUID(case["id"])) is not None
    for column in ("given_name", "family_name", "bsn", "postcode", "house_number", "parents"):
        assert _column(second, "cases", column, uuid.UUID(case["id"])) is None, column
    assert _column(second, "reminders", "snooze_reason", reminder_id) is None
    shown = ApiClient.sign_in(second.test_client(), world.emails["jgz"]).get(f"/cases/{case['id']}")
    assert shown.status_code == 200 and shown.json["child"]["given_name"] is None


def test_reencryption_keeps_a_second_factor_set_up_meanwhile(make_app, world, test_keys):
    from urllib.parse import parse_qs, urlparse
    from toeleiding.users.models import User
    old, index_key = _key(), test_keys["BLIND_INDEX_KEY"]
    first = make_app(ENCRYPTION_KEYS=f"k1:{old}", BLIND_INDEX_KEY=index_key)
    token = ApiClient.sign_in(first.test_client(), world.emails["jgz"]).headers["Authorization"]
    assert first.test_client().post("/api/v1/auth/totp/setup", headers={"Authorization": token}).status_code == 200

    second = make_app(ENCRYPTION_KEYS=f"k2:{_key()},k1:{old}", BLIND_INDEX_KEY=index_key)
    answers = []

    def set_up_again():   # a real request, in its own thread and connection
        answers.append(second.test_client().post("/api/v1/auth/totp/setup", headers={"Authorization": token}))

    with _between_read_and_write(second, "users", set_up_again):
        result = second.test_cli_runner().invoke(args=["keys", "reencrypt"])
    assert result.exit_code == 0, result.output
    assert answers[0].status_code == 200
    latest = parse_qs(urlparse(answers[0].json["otpauth_uri"]).query)["secret"][0]
    with second.app_context():
        user = db.session.scalar(select(User).where(User.email == world.emails["jgz"]))
        assert user.totp_secret == latest   # not the first secret, written back re-encrypted
        assert current_keyring().key_id_of(bytes(user._totp_secret)) == "k2"


def test_a_key_given_without_its_id_is_refused_without_printing_it(make_app, test_keys):
    from toeleiding.config import ConfigError
    bare = _key()   # the operator forgot the 'k1:' in front
    for setting in ({"ENCRYPTION_KEYS": bare}, {"ENCRYPTION_KEYS": f"k1:{_key()}", "DECRYPT_KEYS": bare}):
        with pytest.raises(ConfigError) as info:
            make_app(BLIND_INDEX_KEY=test_keys["BLIND_INDEX_KEY"], **setting)
        assert "expected 'id:base64key'" in str(info.value)
        assert bare[:4] not in str(info.value)   # not even the start of the key material
