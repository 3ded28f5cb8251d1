#!/usr/bin/env bash
# Set up everything the test suite needs on a fresh Debian machine, then run it:
# Debian's chromium, hugo, Java and npm, a virtual environment with the
# project and its test tools, lint, type checks and pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

# What the tests need from Debian, installed when its command is missing (as root;
# otherwise the message says what to install).
need() {  # need COMMAND "PACKAGES" "WHAT NEEDS THEM"
  command -v "$1" >/dev/null 2>&1 && return
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    # shellcheck disable=SC2086  # several packages, one word each
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $2 >/dev/null
  else
    echo "$3 need Debian's $2: sudo apt-get install $2" >&2
    exit 1
  fi
}
need /usr/bin/chromium chromium "The browser tests"
need hugo hugo "The benchmark's smoke test (Hugo builds its reference sites)"
# The Nu HTML checker (vnu-jar from npm) runs on Java; the HTML tests use it.
need java "default-jre-headless npm" "The HTML tests"
need npm "default-jre-headless npm" "The HTML tests"

[ -x .venv/bin/python ] || python3 -m venv .venv
[ -f .venv/node/node_modules/vnu-jar/build/dist/vnu.jar ] || npm install --silent --no-audit --no-fund --prefix .venv/node vnu-jar@26 >/dev/null
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'

.venv/bin/ruff check registry tests build.py benchmarks
.venv/bin/ruff format --check registry tests build.py benchmarks
.venv/bin/mypy
.venv/bin/lint-imports --no-cache
.venv/bin/python -m pytest -q "$@"
