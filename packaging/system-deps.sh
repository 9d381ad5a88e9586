#!/usr/bin/env bash
# Install the Debian packages the kiosk and its tests need, and nothing else.
#
#   bash packaging/system-deps.sh              Qt offscreen runtime, fonts, Xvfb/xcb, checkers
#   bash packaging/system-deps.sh --postgres   ... and the PostgreSQL server (and Caddy)
#   bash packaging/system-deps.sh --bundle     ... and what PyInstaller needs (binutils, libpython)
#                                               and the kiosk session's cage, for its smoke test
#   bash packaging/system-deps.sh --browser    ... and Debian's chromium and chromedriver, for
#                                               the office console's browser tests (tests/office)
#
# Idempotent: when everything is installed it only asks dpkg (well under a
# second). It runs `apt-get update` once, only if something is missing. Not
# root, or no apt-get: it prints what to install instead of installing.
# KIOSK_SKIP_SYSTEM_DEPS=1 skips it entirely (e.g. on a non-Debian machine).
# Afterwards it fails loudly if fontconfig sees no font: Qt then draws every
# glyph as a box, and the tests would still pass.
set -euo pipefail

# Qt offscreen runtime and a font (see shared MACHINE-NOTES). `fontconfig`
# ships `fc-list`, used for the font check below.
qt_pkgs=(libegl1 libgl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6 libglib2.0-0
    libxkbcommon0 fonts-dejavu-core fontconfig)
# Real windows under Xvfb (screenshots, the xcb platform plugin); xdotool types and taps
# into them and openbox is a window manager, for the tests that drive the real app.
xvfb_pkgs=(xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-randr0
    libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0 libx11-xcb1 xdotool openbox)
# tests/packaging checks the .desktop files with desktop-file-validate and the server's
# unit with `systemd-analyze security --offline` and `verify` (no running systemd needed),
# and starts the server under the unit's syscall filter (python3-seccomp, for python3).
check_pkgs=(desktop-file-utils systemd python3-seccomp)
# The server's tests: PostgreSQL, and Caddy as the README's TLS reverse proxy
# (tests/packaging/test_reverse_proxy.py runs it as a plain process).
pg_pkgs=(postgresql caddy)
# PyInstaller (packaging/kiosk.spec) reads binaries with objdump/objcopy and bundles
# the shared libpython, which Debian's python3 keeps in a package of its own; cage and
# Xwayland run the bundle as the locked-down session does (packaging/session-smoke.sh),
# with the Wayland client libraries Qt's wayland plugin loads (as kiosk-session.md
# installs them on a tablet; a machine with a desktop happens to have them already).
bundle_pkgs=(binutils cage xwayland libwayland-client0 libwayland-cursor0 libwayland-egl1)
# tests/office drives the office console in a real headless Chromium through Selenium;
# Debian's browser and its matching driver (no browser can be downloaded at test time).
browser_pkgs=(chromium chromium-driver)
if [[ -x /usr/bin/python3 ]]; then
    bundle_pkgs+=("libpython$(/usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')")
fi

say() { echo "system-deps: $*" >&2; }

want=("${qt_pkgs[@]}" "${xvfb_pkgs[@]}" "${check_pkgs[@]}")
for arg in "$@"; do
    case "$arg" in
        --postgres) want+=("${pg_pkgs[@]}") ;;
        --bundle) want+=("${bundle_pkgs[@]}") ;;
        --browser) want+=("${browser_pkgs[@]}") ;;
        -h | --help)
            sed -n '2,16p' "$0"
            exit 0
            ;;
        *)
            say "unknown argument: $arg (try --help)"
            exit 2
            ;;
    esac
done

if [[ "${KIOSK_SKIP_SYSTEM_DEPS:-}" == 1 ]]; then
    say "skipped (KIOSK_SKIP_SYSTEM_DEPS=1)"
    exit 0
fi

# Print the wanted packages that are not installed, one per line.
missing_pkgs() {
    local installed
    # One dpkg call for all packages; unknown names go to stderr and count as missing.
    installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${want[@]}" 2>/dev/null |
        awk '$2 == "installed" { print $1 }' || true)
    local p
    for p in "${want[@]}"; do
        grep -qxF "$p" <<<"$installed" || echo "$p"
    done
}

if ! command -v dpkg-query >/dev/null 2>&1; then
    say "not a Debian-like system; make sure the equivalents of these are installed:"
    say "  ${want[*]}"
else
    mapfile -t missing < <(missing_pkgs)
    if ((${#missing[@]})); then
        if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
            say "not root: skipping apt. Missing packages, install them with:"
            say "  sudo apt-get install -y --no-install-recommends ${missing[*]}"
        else
            say "installing: ${missing[*]}"
            export DEBIAN_FRONTEND=noninteractive
            apt_opts=(-y -q -o Dpkg::Lock::Timeout=300)
            apt-get "${apt_opts[@]}" update >/dev/null
            apt-get "${apt_opts[@]}" install --no-install-recommends "${missing[@]}" >/dev/null
            # Debian starts caddy's own service on :80/:443 when it installs it: the tests
            # run their own, and a developer's machine should not grow a web server.
            if [[ " ${missing[*]} " == *" caddy "* && -d /run/systemd/system ]]; then
                systemctl disable --now caddy.service >/dev/null 2>&1 || true
            fi
            mapfile -t still < <(missing_pkgs)
            if ((${#still[@]})); then
                say "ERROR: still not installed after apt-get: ${still[*]}"
                exit 1
            fi
        fi
    fi
fi

# Captured, not piped into `grep -q`: under pipefail, grep quitting at the first line
# kills a long fc-list with SIGPIPE (141) and a desktop's fonts would read as none.
fonts=$(fc-list 2>/dev/null || true)
if ! command -v fc-list >/dev/null 2>&1 || [[ -z "$fonts" ]]; then
    say "ERROR: fontconfig finds no font (fc-list is empty or missing)."
    say "Qt would draw every glyph as a box. Install fontconfig and fonts-dejavu-core."
    exit 1
fi
