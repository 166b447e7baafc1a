#!/usr/bin/env bash
# What the end-to-end browser test needs, installed idempotently: Debian's chromium (Playwright's
# own browser download cannot work here), axe-core from the npm registry, and the Python
# package playwright (pyproject's optional group web-test) into the project's .venv.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

if [ ! -x /usr/bin/chromium ]; then
    echo "==> installing chromium (Debian package)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium >/dev/null
fi

# axe-core exactly as pinned in package.json and package-lock.json (npm ci installs the lock
# file's version and checks its integrity hash); reinstalled when a different version is present.
pinned="$(node -p "require('$here/package.json').dependencies['axe-core']")"
installed="$(node -p "try { require('$here/node_modules/axe-core/package.json').version } catch (e) { '' }")"
if [ ! -f "$here/node_modules/axe-core/axe.min.js" ] || [ "$installed" != "$pinned" ]; then
    echo "==> installing axe-core $pinned (npm ci)"
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi

# The same .venv that ./dev creates and the test run uses (CI starts from a fresh clone without one).
py="$root/.venv/bin/python"
if [ ! -x "$py" ]; then
    echo "==> creating .venv"
    "${PYTHON:-python3}" -m venv "$root/.venv"
fi
if ! "$py" -c "import playwright" 2>/dev/null; then
    echo "==> installing playwright (Python)"
    "$py" -m pip install --quiet --disable-pip-version-check -e "$root[web-test]"
fi
echo "browser test: $(/usr/bin/chromium --version 2>/dev/null | head -1), axe-core $(node -p "require('$here/node_modules/axe-core/package.json').version")"
