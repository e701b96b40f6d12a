# Sourced by ./edwc and tests/run.sh. `edwc_venv [EXTRA]` makes sure the project virtual
# environment .venv (at the repository root) exists and holds edwc (with EXTRA, e.g. "test"),
# using only the system's python3, then sets EDWC_PY to .venv/bin/python. It never installs into
# the system Python, which Debian and Ubuntu refuse (PEP 668, "externally-managed-environment").
# Every package is installed at the exact version constraints.txt pins (what the tests ran with; re-pin on
# purpose with scripts/lock.sh). The install is skipped when .venv/.edwc-installed records the same
# pyproject.toml, constraints.txt and extras; the package is installed editable, so edits to the source
# need no reinstall.

edwc_venv() {
  local extra="${1:-}" root venv py stamp sum spec base="" cand
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  venv="$root/.venv"
  py="$venv/bin/python"
  stamp="$venv/.edwc-installed"

  if [ ! -e "$venv" ]; then
    for cand in python3 python3.13 python3.12 python3.11; do
      if command -v "$cand" >/dev/null 2>&1 \
         && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        base="$(command -v "$cand")"; break
      fi
    done
    if [ -z "$base" ]; then
      echo "edwc: needs Python >= 3.11 as python3 (found: $(python3 --version 2>&1 || echo none))" >&2
      return 2
    fi
    # Debian and Ubuntu ship venv's pip bootstrap (ensurepip) in the python3-venv package.
    if ! "$base" -c 'import venv, ensurepip' >/dev/null 2>&1; then
      if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        echo "== installing python3-venv (Debian package; python3 -m venv needs it)" >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      fi
      if ! "$base" -c 'import venv, ensurepip' >/dev/null 2>&1; then
        echo "edwc: $base cannot create a virtual environment: install python3-venv (sudo apt-get install python3-venv) and run again" >&2
        return 2
      fi
    fi
    echo "== creating the project environment .venv (with $base)" >&2
    "$base" -m venv "$venv" || { echo "edwc: could not create $venv" >&2; return 2; }
  fi
  if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
    echo "edwc: $venv exists but $py is not a working Python >= 3.11; remove $venv and run again" >&2
    return 2
  fi

  sum="$(cat "$root/pyproject.toml" "$root/constraints.txt" | cksum)"
  spec="."
  [ -n "$extra" ] && spec=".[$extra]"
  if ! grep -qxF -- "$sum $spec" "$stamp" 2>/dev/null; then
    local log="$venv/.edwc-pip.log" t0=$SECONDS
    echo "== installing edwc${extra:+ with its $extra extra} into .venv: the pinned packages of constraints.txt," >&2
    echo "   about 1-3 minutes and 0.8 GB on a first install (~170 MB of wheels to download); later runs reuse .venv" >&2
    # pip's whole output goes to $log; the terminal shows what it collects and when it installs,
    # and on a failure the last lines that say why.
    if ! (cd "$root" && "$py" -m pip install --disable-pip-version-check --progress-bar off -c constraints.txt -e "$spec" 2>&1 \
            | tee "$log" | grep --line-buffered -E '^(Collecting|Processing|Installing collected|Successfully installed|WARNING: Retrying)' \
            | sed -u -e 's/^/   /' -e 's/^   Installing collected packages:.*/   Installing the collected packages (about a minute).../' >&2
          exit "${PIPESTATUS[0]}"); then
      echo "edwc: installing into $venv failed; pip's last lines (all of its output is in $log):" >&2
      grep -vE '^ *(Collecting|Requirement already|Downloading|Using cached|Obtaining|Installing build|Checking|Getting|Preparing|Building|Created wheel|Stored in|Successfully built|WARNING: Location)' "$log" \
        | tail -n 25 | sed 's/^/   /' >&2
      if grep -qE 'NewConnectionError|Failed to establish a new connection|name resolution|timed out' "$log"; then
        echo "edwc: pip could not reach the package index: the first install needs network access to PyPI (~170 MB)" >&2
      fi
      return 2
    fi
    echo "   done in $((SECONDS - t0)) s; .venv takes $(du -sm "$venv" 2>/dev/null | cut -f1) MB" >&2
    # The stamp lists what is installed for this pyproject.toml; an install with an extra
    # also satisfies the plain one.
    { grep -F -- "$sum " "$stamp" 2>/dev/null || true; echo "$sum $spec"; echo "$sum ."; } \
      | sort -u > "$stamp.tmp" && mv "$stamp.tmp" "$stamp"
  fi
  EDWC_PY="$py"
  export EDWC_PY
}
