#!/usr/bin/env bash
# Set up everything the tests need on a fresh machine, then run them.
#   - Debian's chromium (the map page is opened in a real headless browser), when missing and apt is usable
#   - the package with its test extra
#   - ruff, mypy (settings in pyproject.toml), then pytest (all tests, slow ones included; pass e.g. -m "not slow" for a quick run)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "== installing chromium (Debian package)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "warning: chromium is not installed and apt-get is not usable; the browser test will fail" >&2
  fi
fi

echo "== installing edwc with its test extra"
python -m pip install --quiet --disable-pip-version-check -e ".[test]"

echo "== ruff"
python -m ruff check model tests instances geodata benchmarks

echo "== mypy"
python -m mypy

echo "== pytest"
python -m pytest "$@"
