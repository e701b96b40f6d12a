#!/usr/bin/env bash
# Set up everything the tests need on a fresh machine, then run them. Needs only the system's
# python3: nothing is installed into it (Debian and Ubuntu refuse that, PEP 668).
#   - Debian's chromium (the map page is opened in a real headless browser), when missing and apt is usable
#   - the project environment .venv (created when missing) with edwc and its test extra
#   - ruff, mypy (settings in pyproject.toml), then pytest (all tests, slow ones included; pass e.g. -m "not slow" for a quick run)
#     on 2 processes (pytest-xdist, one file per process at a time, so a module's shared solve is made once;
#     EDWC_TEST_WORKERS=N to change, 0 for one process; arguments after it win, e.g. -n 0)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "== installing chromium (Debian package, as root: apt-get changes this machine; about 0.4 GB)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "warning: chromium is not installed and apt-get is not usable; the browser test will fail" >&2
  fi
fi

# shellcheck source=../scripts/venv.sh
. scripts/venv.sh
edwc_venv test

echo "== ruff"
"$EDWC_PY" -m ruff check model tests instances geodata benchmarks

echo "== mypy"
"$EDWC_PY" -m mypy

echo "== pytest"
"$EDWC_PY" -m pytest -n "${EDWC_TEST_WORKERS:-2}" --dist loadfile "$@"
