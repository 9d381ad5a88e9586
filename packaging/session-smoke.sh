#!/usr/bin/env bash
# The locked-down kiosk session (packaging/kiosk-session.md), checked as far as a machine
# without a screen allows: the bundle runs under cage (Wayland) as an unprivileged user,
# cage nested in Xvfb through wlroots' X11 backend with the pixman renderer (no GPU). A
# keyboard-wedge scan is typed with xdotool into cage's window, as a USB scanner would
# type into the tablet, and the kiosk must clock that person in at its workstation
# (badge 1001 is clocked in at WELD-1 in the demo plant: she moves to ASSY-1).
#
#   bash packaging/session-smoke.sh dist/kiosk
#
# Needs root (to run cage as another user; cage refuses to run as root), and the
# packages cage, xwayland, xvfb, xdotool (system-deps.sh --bundle installs them).
# Not covered: a real DRM/KMS display, logind/PAM (kiosk-session.pam), systemd's
# Restart=always, a touchscreen's events; see kiosk-session.md.
set -euo pipefail

bundle=$(cd "${1:?usage: session-smoke.sh BUNDLE_DIR}" && pwd)
user=kiosk-smoke
badge=1001
work=$(mktemp -d /tmp/kiosk-session-smoke.XXXXXX)
chmod 755 "$work"
say() { echo "session-smoke: $*" >&2; }

[[ $(id -u) -eq 0 ]] || { say "needs root (cage runs as the unprivileged $user)"; exit 1; }
id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
install -d -o "$user" -m 700 "$work/runtime" "$work/home"
chmod -R a+rX "$bundle"

cleanup() {
    [[ -n "${cage_pid:-}" ]] && kill "$cage_pid" 2>/dev/null || true
    [[ -n "${xvfb_pid:-}" ]] && kill "$xvfb_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

exec {fd}<> <(:)
Xvfb -displayfd "$fd" -screen 0 1280x800x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
xvfb_pid=$!
read -r -t 20 number <&"$fd" || { say "Xvfb did not start"; exit 1; }
export DISPLAY=":$number"

runuser -u "$user" -- env -i PATH=/usr/bin:/bin DISPLAY="$DISPLAY" \
    XDG_RUNTIME_DIR="$work/runtime" KIOSK_HOME="$work/home" \
    WLR_BACKENDS=x11 WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1 \
    cage -d -- env QT_QPA_PLATFORM=wayland "$bundle/kiosk" --demo >"$work/cage.log" 2>&1 &
cage_pid=$!

store="$work/home/data/demo.db"
audit() {
    python3 - "$store" "$badge" <<'PY'
import sqlite3, sys
try:
    con = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
    rows = con.execute(
        "SELECT count(*) FROM clock_session s JOIN operator o ON o.id = s.operator_id"
        " JOIN workstation w ON w.id = s.workstation_id"
        " WHERE o.badge = ? AND w.code = 'ASSY-1' AND s.clocked_out_at IS NULL",
        (sys.argv[2],),
    ).fetchone()
    print(rows[0])
except sqlite3.Error:
    print(0)
PY
}

# The kiosk is up when its demo store holds the first board's data.
for _ in $(seq 1 120); do
    kill -0 "$cage_pid" 2>/dev/null || { say "cage exited:"; cat "$work/cage.log" >&2; exit 1; }
    [[ -s "$store" ]] && break
    sleep 0.5
done
sleep 4 # the window is mapped and painted
before=$(audit)
xdotool type --delay 12 "$badge"
xdotool key Return
for _ in $(seq 1 40); do
    after=$(audit)
    ((after > before)) && break
    sleep 0.5
done
if ((after <= before)); then
    say "the scan of badge $badge never reached the kiosk under cage"
    tail -n 30 "$work/cage.log" >&2
    exit 1
fi
if grep -q Traceback "$work/cage.log"; then
    say "the kiosk logged a traceback:"
    cat "$work/cage.log" >&2
    exit 1
fi
say "ok: under cage as $user, a typed badge scan clocked $badge in at ASSY-1"
