"""A key rotation while requests are served: real gunicorn workers on PostgreSQL, the phases run
as an operator would (README, "Keys"), and a client thread that keeps working throughout.

Two ways: keys in the environment, with two servers behind a round-robin "load balancer" that
are restarted one at a time for each phase (so for a while one serves the old phase and the
other the new one, as in the rolling restart of issue #15), and one server of two workers on a
keys file they share, rotated by `flask keys rotate` without a restart.
Either way no request may fail (no 409 unreadable_record, no 500), no list may mark a child
unreadable, and afterwards every stored ciphertext decrypts with the final keyring: the new key
alone. The client's work is bounded in count; nothing here measures time.
"""
from __future__ import annotations

import contextlib
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from toeleiding import create_app
from toeleiding.crypto.fields import REGISTRY, encrypted_models
from toeleiding.crypto.keyring import read_keys_file, write_keys_file
from toeleiding.crypto.util import key_usage
from toeleiding.extensions import db

from .conftest import _key
from .factories import ApiClient, child, days_ago

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ROUNDS_PER_STEP = 5   # client rounds (5 to 9 requests each) that must pass after every step of the rotation
MAX_ROUNDS = 3000     # the client's hard bound, whatever happens
STARTS = 600          # tries, 0.1 s apart, for a server to serve before the test fails with its log


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client(threading.Thread):
    """One user working through the API: register a child, list, open it and another, record a step."""

    def __init__(self, pool: "Pool", token: str, municipality: str):
        super().__init__(daemon=True)
        self.pool, self.municipality = pool, municipality
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.rounds, self.failures, self.stop = 0, [], threading.Event()
        self.progress = threading.Condition()
        self.cases: list[dict] = []
        self.rng = random.Random(15)

    def _call(self, method: str, path: str, everywhere: bool = False, **kw):
        """One request to the next server in turn, or (a read) the same request to every server."""
        with self.pool.pick(everywhere) as bases:
            for base in bases:
                r = self.http.request(method, base + path, timeout=60, **kw)
                if r.status_code not in (200, 201):
                    self.failures.append(f"{method} {path.split('?')[0].rsplit('/', 1)[-1]}: {r.status_code} {r.text[:200]}")
                elif "items" in r.json():   # a list: no child silently missing
                    self.failures += [f"list: {i['id']} unreadable" for i in r.json()["items"] if i["unreadable"]]
        return r

    def run(self):
        try:
            while not self.stop.is_set() and self.rounds < MAX_ROUNDS:
                r = self._call("POST", "/cases", json={"municipality": self.municipality, "child": child()})
                if r.status_code == 201:
                    self.cases.append(r.json())
                # What one server wrote, every server must read: the list and the case itself.
                self._call("GET", "/cases?per_page=200", everywhere=True)
                if self.cases:
                    case = self.rng.choice(self.cases)
                    self._call("GET", f"/cases/{self.cases[-1]['id']}", everywhere=True)
                    self._call("GET", f"/cases/{case['id']}")
                    fresh = [c for c in self.cases if c["state"] == "signalled"]
                    if fresh:
                        c = fresh[0]
                        moved = self._call("POST", f"/cases/{c['id']}/transitions", json={
                            "trigger": "indicate", "version": c["version"],
                            "data": {"criteria": ["home_language"], "indication_date": days_ago(1)}})
                        if moved.status_code == 200:
                            self.cases[self.cases.index(c)] = moved.json()
                with self.progress:
                    self.rounds += 1
                    self.progress.notify_all()
        except Exception as exc:   # the test's thread reports it
            self.failures.append(f"client stopped: {type(exc).__name__}: {exc}")
        finally:
            with self.progress:
                self.progress.notify_all()

    def goes_on(self) -> None:
        """Let the client do a few more rounds against what is running now."""
        with self.progress:
            target = self.rounds + ROUNDS_PER_STEP
            self.progress.wait_for(lambda: self.rounds >= target or not self.is_alive() or self.rounds >= MAX_ROUNDS)
        assert self.is_alive(), self.failures[-3:]


class Gunicorn:
    """`gunicorn -w N` on a loopback port with the given environment."""

    def __init__(self, tmp_path: Path, env: dict, workers: int):
        self.tmp_path, self.env, self.workers = tmp_path, env, workers
        self.start()

    def start(self) -> None:
        self.port = _free_port()
        self.log = self.tmp_path / f"gunicorn-{self.port}.log"
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen(
                [str(BIN / "gunicorn"), "-w", str(self.workers), "-b", f"127.0.0.1:{self.port}",
                 "--log-level", "warning", "toeleiding:create_app()"],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        for _ in range(STARTS):
            try:
                if requests.get(f"{self.base}/openapi.json", timeout=10).status_code == 200:
                    return
            except requests.RequestException:   # not listening yet, or busy starting
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"gunicorn did not serve:\n{self.log.read_text()[-3000:]}")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1"

    def restart(self, keys_env: dict) -> None:
        self.stop()
        self.env = {**self.env, **keys_env}
        self.start()

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)   # graceful: a request in hand is finished
            self.proc.wait(timeout=60)


class Pool:
    """What a load balancer does: round robin over the servers in service. A server is taken out
    between two requests, never during one (the client holds the pool while it asks)."""

    def __init__(self, *servers: Gunicorn):
        self.servers, self.out, self.lock, self.turn = list(servers), set(), threading.Lock(), 0

    @contextlib.contextmanager
    def pick(self, everywhere: bool = False):
        with self.lock:
            live = [s.base for s in self.servers if s not in self.out]
            self.turn += 1
            yield live if everywhere else [live[self.turn % len(live)]]

    def rolling_restart(self, keys_env: dict, client: "Client") -> None:
        """One server after the other, the client working against the mix in between."""
        for server in self.servers:
            with self.lock:
                self.out.add(server)
            server.restart(keys_env)
            with self.lock:
                self.out.discard(server)
            client.goes_on()

    def stop(self) -> None:
        for server in self.servers:
            server.stop()


def _flask(env: dict, *args: str) -> str:
    run = subprocess.run([sys.executable, "-m", "flask", "--app", "toeleiding", "keys", *args], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    return run.stdout


def _every_ciphertext_decrypts(app) -> int:
    """Decrypts every stored ciphertext with ``app``'s keyring; returns how many there are."""
    from toeleiding.crypto import current_keyring
    count = 0
    with app.app_context():
        keyring = current_keyring()
        for model in encrypted_models():
            table, encs = model.__table__, [enc for m, enc in REGISTRY if m is model]
            for row in db.session.execute(select(table)):
                for enc in encs:
                    blob = row._mapping[enc.name]
                    if blob is not None:
                        keyring.decrypt(bytes(blob), enc.aad(row, table.name))
                        count += 1
        assert set(key_usage(keyring)) == {keyring.current_id}
    return count


@pytest.fixture
def server_env(database_url, tmp_path, test_keys):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOELEIDING_", "FLASK_"))}
    env.update({"DATABASE_URL": database_url.replace("postgresql+psycopg://", "postgresql://", 1),
                "TOELEIDING_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(48),
                "TOELEIDING_BLIND_INDEX_KEY": test_keys["BLIND_INDEX_KEY"],
                "TOELEIDING_INSTANCE_PATH": str(tmp_path), "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"})
    return env


def _working_client(app, world, pool: Pool) -> Client:
    token = ApiClient.sign_in(app.test_client(), world.emails["jgz"]).headers["Authorization"].split()[1]
    client = Client(pool, token, "GM0375")
    client.start()
    return client


def _finish(client: Client | None, pool: Pool) -> None:
    if client:
        client.stop.set()
        client.join()
    pool.stop()


def test_a_rolling_rotation_of_environment_keys_fails_no_request(app, world, postgres, server_env, tmp_path,
                                                                 base_config):
    old, new = f"k1:{_key()}", f"k2:{_key()}"
    start = {**server_env, "TOELEIDING_ENCRYPTION_KEYS": old}
    pool = Pool()
    phase2 = {"TOELEIDING_ENCRYPTION_KEYS": f"{new},{old}", "TOELEIDING_DECRYPT_KEYS": ""}
    client = None
    try:
        pool.servers += [Gunicorn(tmp_path, start, 1), Gunicorn(tmp_path, start, 1)]
        client = _working_client(app, world, pool)
        client.goes_on()
        pool.rolling_restart({"TOELEIDING_DECRYPT_KEYS": new}, client)             # 1: new key decrypt-only
        pool.rolling_restart(phase2, client)                                       # 2: new key encrypts
        _flask({**start, **phase2}, "reencrypt")                                    # 3
        client.goes_on()
        status = _flask({**start, **phase2}, "status")
        assert any(line.split()[:3] == ["k1", "decrypts", "0"] for line in status.splitlines()), status
        pool.rolling_restart({"TOELEIDING_ENCRYPTION_KEYS": new}, client)          # 4: old key gone
    finally:
        _finish(client, pool)
    assert client.failures == [], client.failures[:10]
    assert sum(c["state"] == "indicated" for c in client.cases) >= 1 and client.rounds >= 8 * ROUNDS_PER_STEP
    last = create_app({**base_config, "ENCRYPTION_KEYS": new, "BLIND_INDEX_KEY": server_env["TOELEIDING_BLIND_INDEX_KEY"]})
    try:
        assert _every_ciphertext_decrypts(last) >= 6 * len(client.cases)   # six child fields each
    finally:
        with last.app_context():
            db.engine.dispose()


def test_keys_rotate_on_a_shared_keys_file_fails_no_request(app, world, postgres, server_env, tmp_path, base_config):
    keys_file = tmp_path / "keys.json"
    write_keys_file(keys_file, [{"id": "k1", "key": _key()}], server_env.pop("TOELEIDING_BLIND_INDEX_KEY"))
    env = {**server_env, "TOELEIDING_KEYS_FILE": str(keys_file)}
    pool, client = Pool(), None
    try:
        pool.servers.append(Gunicorn(tmp_path, env, 2))
        client = _working_client(app, world, pool)
        client.goes_on()
        assert "new key k2" in _flask(env, "rotate")   # phases 1-3, the workers left running
        client.goes_on()
        assert "key k1 removed" in _flask(env, "retire", "k1")                           # 4
        client.goes_on()
    finally:
        _finish(client, pool)
    assert client.failures == [], client.failures[:10]
    assert [k["id"] for k in json.loads(keys_file.read_text())["encryption_keys"]] == ["k2"]
    assert read_keys_file(keys_file).current_id == "k2"
    last = create_app({**base_config, "ENCRYPTION_KEYS": None, "BLIND_INDEX_KEY": None, "KEYS_FILE": str(keys_file),
                       "KEYS_FILE_EXPLICIT": True})
    try:
        assert _every_ciphertext_decrypts(last) >= 6 * len(client.cases)   # six child fields each
    finally:
        with last.app_context():
            db.engine.dispose()
