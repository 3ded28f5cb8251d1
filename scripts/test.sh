#!/usr/bin/env bash
# Set up everything the test suite needs on a fresh Debian machine, then run it:
# Debian's chromium for the browser tests, a virtual environment with the
# project and its test tools, lint, type checks and pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "Browser tests need Debian's chromium: sudo apt-get install chromium" >&2
    exit 1
  fi
fi

# The benchmark's smoke test builds its reference sites with Hugo (Debian's package).
if ! command -v hugo >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hugo >/dev/null
  else
    echo "The benchmark's smoke test needs Hugo: sudo apt-get install hugo" >&2
    exit 1
  fi
fi

# The Nu HTML checker (vnu-jar from npm) runs on Java; the HTML tests use it.
if ! command -v java >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless npm >/dev/null
  else
    echo "The HTML tests need Java and npm: sudo apt-get install default-jre-headless npm" >&2
    exit 1
  fi
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
[ -f .venv/node/node_modules/vnu-jar/build/dist/vnu.jar ] || npm install --silent --no-audit --no-fund --prefix .venv/node vnu-jar@26 >/dev/null
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'

.venv/bin/ruff check registry tests build.py benchmarks
.venv/bin/ruff format --check registry tests build.py benchmarks
.venv/bin/mypy
.venv/bin/lint-imports --no-cache
.venv/bin/python -m pytest -q "$@"
