#!/usr/bin/env bash
# Re-pin constraints.txt on purpose: resolve edwc with all its extras afresh in a scratch environment
# (newest releases within pyproject.toml's ranges) and write every package's exact version.
# Run it, then run the tests (bash tests/run.sh) and commit constraints.txt with what changed.
#   bash scripts/lock.sh            # writes constraints.txt
#   bash scripts/lock.sh --check    # runs the tests on the newest releases without changing constraints.txt
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
python3 -m venv "$scratch/venv"
echo "== resolving edwc[test,profiles] afresh (no constraints) in $scratch" >&2
"$scratch/venv/bin/python" -m pip install --disable-pip-version-check --progress-bar on -e "$root[test,profiles]"
if [ "${1:-}" = "--check" ]; then
  cd "$root"
  "$scratch/venv/bin/python" -m pytest -q -m "not slow"
  exit
fi
{
  echo "# Exact versions edwc is tested with (CI and the README's commands install these)."
  echo "# Made by scripts/lock.sh on $(date -u +%Y-%m-%d) with $("$scratch/venv/bin/python" --version);"
  echo "# pyproject.toml states the supported ranges. Update on purpose: bash scripts/lock.sh, then the tests."
  "$scratch/venv/bin/python" -m pip freeze --exclude-editable --disable-pip-version-check | grep -v '^edwc' | sort -f
} > "$root/constraints.txt"
echo "constraints.txt written ($(grep -vc '^#' "$root/constraints.txt") packages)" >&2
