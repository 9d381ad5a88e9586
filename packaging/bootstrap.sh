#!/usr/bin/env bash
# Set up everything the project needs, then run a command from its venv.
#
#   bash packaging/bootstrap.sh kiosk --demo     the kiosk on a demo plant
#   bash packaging/bootstrap.sh pytest           the tests
#   bash packaging/bootstrap.sh                  set up only
#
# Works from any directory. Steps, each skipped when already done:
#   1. packaging/system-deps.sh (Debian packages: Qt runtime, fonts, Xvfb)
#   2. .venv in the repository root, with uv (pip-installed if absent),
#      falling back to `python -m venv` + pip
#   3. the project, editable, with extras kiosk,server,dev (dev brings pip too, so
#      the README's `pip wheel` works here) -- again only when pyproject.toml is
#      newer than the stamp file .venv/.kiosk-installed
# then `exec`s CMD with .venv/bin first on PATH.
# KIOSK_PYTHON picks the interpreter the venv is made from (>= 3.11).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="$root/.venv"
stamp="$venv/.kiosk-installed"
extras='.[kiosk,server,dev]'
# uv must never try to download an interpreter (only PyPI is reachable).
export UV_PYTHON_DOWNLOADS=never

say() { echo "bootstrap: $*" >&2; }

bash "$root/packaging/system-deps.sh"

is_py311() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; }

find_python() {
    local cand
    for cand in ${KIOSK_PYTHON:-} python3 python3.13 python3.12 python3.11 python; do
        if command -v "$cand" >/dev/null 2>&1 && is_py311 "$cand"; then
            command -v "$cand"
            return 0
        fi
    done
    say "ERROR: no Python >= 3.11 found (set KIOSK_PYTHON to one)"
    return 1
}

# Sets the array `uv` to a working uv command, installing uv with pip if needed.
find_uv() {
    if command -v uv >/dev/null 2>&1 && uv --version >/dev/null 2>&1; then
        uv=(uv)
        return 0
    fi
    if "$py" -m uv --version >/dev/null 2>&1; then
        uv=("$py" -m uv)
        return 0
    fi
    "$py" -m pip --version >/dev/null 2>&1 || return 1
    say "installing uv into $py"
    # A Debian system python is "externally managed" (PEP 668); uv is a
    # self-contained binary, so installing it there anyway is harmless.
    "$py" -m pip install -q uv 2>/dev/null ||
        "$py" -m pip install -q --break-system-packages uv 2>/dev/null ||
        return 1
    "$py" -m uv --version >/dev/null 2>&1 && uv=("$py" -m uv)
}

if [[ -d "$venv" ]] && ! "$venv/bin/python" -c '' >/dev/null 2>&1; then
    say "$venv is broken (its python does not run); recreating it"
    rm -rf "$venv"
fi

if [[ ! -d "$venv" || ! -f "$stamp" || pyproject.toml -nt "$stamp" ]]; then
    py="$(find_python)"
    uv=()
    find_uv || say "uv unavailable; falling back to venv + pip (slower)"
    if [[ ! -d "$venv" ]]; then
        say "creating $venv from $py"
        if ((${#uv[@]})); then
            "${uv[@]}" venv -q --python "$py" "$venv"
        elif ! "$py" -m venv "$venv"; then
            rm -rf "$venv"
            say "ERROR: '$py -m venv' failed; on Debian: apt-get install python3-venv"
            exit 1
        fi
    fi
    say "installing the project ($extras, editable)"
    if ((${#uv[@]})); then
        # Precompiled bytecode: the kiosk starts without compiling its dependencies.
        "${uv[@]}" pip install -q --compile-bytecode --python "$venv/bin/python" -e "$extras"
    else
        "$venv/bin/python" -m pip install -q --upgrade pip
        "$venv/bin/python" -m pip install -q -e "$extras"
    fi
    touch "$stamp"
fi

(($#)) || exit 0
export VIRTUAL_ENV="$venv"
export PATH="$venv/bin:$PATH"
exec "$@"
