#!/usr/bin/env bash
# The README's first command, as a newcomer runs it: in this checkout, on a desktop-like
# machine (a window manager, a desktop's worth of fonts), for a bounded time. The kiosk's
# window must come up and show real content (not a blank or a box-glyph screen).
#
#   bash packaging/readme-smoke.sh            (root: installs the fonts and openbox)
#
# What it runs is read from the README's quick start, so the two cannot drift apart.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
say() { echo "readme-smoke: $*" >&2; }

# The first line of the quick-start block, without its comment.
command_line=$(awk '/^## Quick start/ { q = 1 } q && /^```sh/ { getline; print; exit }' README.md |
    sed 's/[[:space:]]*#.*$//')
[[ "$command_line" == "bash packaging/bootstrap.sh kiosk --demo" ]] ||
    say "note: the README's first command is now: $command_line"
[[ -n "$command_line" ]] || { say "no quick-start command found in README.md"; exit 1; }

# A desktop's fonts: more than a pipe's buffer of fc-list output (see MACHINE-NOTES).
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        fonts-urw-base35 fonts-liberation2 fonts-dejavu-extra openbox >/dev/null
fi
fonts=$(fc-list 2>/dev/null | wc -l)
say "fontconfig lists $fonts fonts"

work=$(mktemp -d)
cleanup() {
    [[ -n "${app_pid:-}" ]] && kill -- -"$app_pid" 2>/dev/null || true
    [[ -n "${wm_pid:-}" ]] && kill "$wm_pid" 2>/dev/null || true
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
unset QT_QPA_PLATFORM WAYLAND_DISPLAY
openbox >"$work/openbox.log" 2>&1 &
wm_pid=$!

# The command exactly as written, in its own process group, with a scratch home.
KIOSK_HOME="$work/home" setsid bash -c "$command_line" >"$work/kiosk.log" 2>&1 &
app_pid=$!
window=""
for _ in $(seq 1 180); do
    window=$(xdotool search --onlyvisible --name "Shop-floor kiosk" 2>/dev/null | head -n 1 || true)
    [[ -n "$window" ]] && break
    kill -0 "$app_pid" 2>/dev/null || { say "the command exited:"; cat "$work/kiosk.log" >&2; exit 1; }
    sleep 0.5
done
[[ -n "$window" ]] || { say "no kiosk window within 90 s"; tail -n 30 "$work/kiosk.log" >&2; exit 1; }
sleep 4 # the first screen has painted

# A screenshot of the whole screen through the venv's Qt, then: is it real content?
QT_QPA_PLATFORM=xcb .venv/bin/python - "$work/screen.png" <<'PY'
import sys
from PySide6.QtGui import QGuiApplication

app = QGuiApplication([])
shot = app.primaryScreen().grabWindow(0)
assert shot.save(sys.argv[1]), "could not save the screenshot"
image = shot.toImage()
colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
size = (image.width(), image.height())
print(f"readme-smoke: screenshot {size[0]}x{size[1]}, {len(colours)} colours sampled")
assert size == (1280, 800), f"the screen is {size}"
assert len(colours) > 40, "the screen is (nearly) blank"
PY
if grep -q Traceback "$work/kiosk.log"; then
    say "the kiosk logged a traceback:"
    cat "$work/kiosk.log" >&2
    exit 1
fi
say "ok: '$command_line' brought the kiosk up under openbox with $fonts fonts"
