"""The development server runs the reminders scheduler exactly once: a real `flask run`, with and
without the reloader, on a temporary SQLite database and instance folder."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from toeleiding.config import PROJECT_ROOT

LINE = "Reminders scheduler running"
DEADLINE = 180   # seconds to wait for the server before failing with its output; not a measurement


def _env(tmp_path, test_keys, db_file) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOELEIDING_", "FLASK_", "WERKZEUG_"))}
    env.update({"DATABASE_URL": f"sqlite:///{db_file}", "TOELEIDING_ENV": "development",
                "TOELEIDING_INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "devserver-test-" + "x" * 40,
                "TOELEIDING_ENCRYPTION_KEYS": test_keys["ENCRYPTION_KEYS"],
                "TOELEIDING_BLIND_INDEX_KEY": test_keys["BLIND_INDEX_KEY"],
                "TOELEIDING_REMINDER_INTERVAL_SECONDS": "3600", "PYTHONUNBUFFERED": "1"})
    return env


@pytest.fixture(scope="module")
def migrated_file(tmp_path_factory, test_keys):
    """A migrated SQLite file, so the scheduler's first sweep finds its tables."""
    folder = tmp_path_factory.mktemp("devserver")
    db_file = folder / "template.db"
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "toeleiding", "db", "upgrade"], cwd=PROJECT_ROOT,
                            env=_env(folder, test_keys, db_file), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return db_file


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("flags", [["--debug"], ["--debug", "--no-reload"], []])
def test_flask_run_starts_the_scheduler_once(tmp_path, test_keys, migrated_file, flags):
    db_file = tmp_path / "dev.db"
    shutil.copyfile(migrated_file, db_file)
    port = _free_port()
    log = tmp_path / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "toeleiding", "run", *flags,
                                 "--host", "127.0.0.1", "--port", str(port)],
                                cwd=PROJECT_ROOT, env=_env(tmp_path, test_keys, db_file), stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        until = time.monotonic() + DEADLINE
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=10).close()
                break
            except urllib.error.HTTPError:
                break            # any HTTP answer: it serves
            except OSError:
                if proc.poll() is not None or time.monotonic() > until:
                    pytest.fail(f"the development server did not serve (exit {proc.poll()}):\n{log.read_text()}")
                time.sleep(0.2)
        # The scheduler starts while the app is made, before the first request is answered; a
        # second one (the reloader's watcher) would have started before the serving child.
        while LINE not in log.read_text():
            if time.monotonic() > until:
                pytest.fail(f"no scheduler line:\n{log.read_text()}")
            time.sleep(0.2)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    output = log.read_text()
    assert output.count(LINE) == 1, output
    assert "job failed" not in output, output
