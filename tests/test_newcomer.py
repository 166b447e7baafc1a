"""A newcomer's first hour (issue 13, point 14): ./dev start does not reinstall what did not
change and stops at once on a port in use; the README stays inside the repository; the
PostgreSQL skip warns what happens to the database it names."""
from __future__ import annotations

import os
import re
import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# A stand-in for .venv/bin/python and flask: records each call, succeeds, runs nothing.
STUB = """#!/bin/sh
echo "$(basename "$0") $*" >> "$(dirname "$0")/../calls.log"
exit 0
"""


@pytest.fixture
def sandbox(tmp_path):
    """A copy of ./dev and pyproject.toml with a .venv whose programs only log their calls."""
    shutil.copy(ROOT / "dev", tmp_path / "dev")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("python", "flask"):
        (bin_dir / name).write_text(STUB)
        (bin_dir / name).chmod(stat.S_IRWXU)
    return tmp_path


def _run(sandbox, *args, **env):
    return subprocess.run(["bash", str(sandbox / "dev"), *args], capture_output=True, text=True,
                          env={**os.environ, "PYTHON": sys.executable, **env}, timeout=None)


def _installs(sandbox) -> int:
    log = sandbox / ".venv" / "calls.log"
    return sum("pip install" in line and " -e " in line for line in log.read_text().splitlines()) if log.exists() else 0


def test_dev_installs_only_when_pyproject_changed(sandbox):
    assert _run(sandbox, "test").returncode == 0
    assert _installs(sandbox) == 1
    second = _run(sandbox, "test")
    assert second.returncode == 0 and _installs(sandbox) == 1 and "up to date" in second.stdout
    with open(sandbox / "pyproject.toml", "a") as f:
        f.write("\n# a changed dependency\n")
    assert _run(sandbox, "test").returncode == 0 and _installs(sandbox) == 2
    # Another extra ("dev" for start, "test" for test) is its own install.
    free = _free_port()
    assert _run(sandbox, "start", PORT=str(free)).returncode == 0 and _installs(sandbox) == 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_dev_start_refuses_a_port_in_use_before_installing(sandbox):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = _run(sandbox, "start", PORT=str(port))
        assert r.returncode == 1 and f"Port {port} is in use" in r.stderr and "PORT=" in r.stderr
        assert _installs(sandbox) == 0 and not (sandbox / ".venv" / ".installed-dev").exists()
        assert _run(sandbox, "check-port", str(port)).returncode == 1
    assert _run(sandbox, "check-port", str(port)).returncode == 0


def test_the_readme_points_only_inside_the_repository():
    readme = (ROOT / "README.md").read_text()
    assert "../shared" not in readme and "](docs/domain.md)" in readme
    assert (ROOT / "docs" / "domain.md").is_file()
    for target in re.findall(r"\]\(([^)#]+)\)", readme):
        if "://" not in target:
            assert (ROOT / target).exists(), target
    assert "PORT=" in readme and "tests/web/setup_browser.sh" in readme


def test_the_postgresql_skip_warns_that_the_named_database_loses_its_schema():
    """What a newcomer sees on a run without PostgreSQL: a test needing it skips with a message
    that names DATABASE_URL and warns that the named database's schema is dropped. Run as that
    newcomer would (no DATABASE_URL, no CI variables), in both of CI's passes."""
    import os
    import subprocess
    import sys
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "TOELEIDING_REQUIRE_POSTGRES", "PYTEST_ADDOPTS")}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:randomly", "-p", "no:cacheprovider",
                          "tests/test_concurrency.py", "-k", "postgres or concurrent"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    skipped = [line for line in run.stdout.splitlines() if line.startswith("SKIPPED")]
    assert skipped, run.stdout[-2000:]
    message = " ".join(skipped)
    assert "DATABASE_URL=postgresql://" in message and "dropped" in message and "schema" in message, message
