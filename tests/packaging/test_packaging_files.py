"""The files in packaging/ say what the README and the bundle expect of them."""

from __future__ import annotations

import configparser
from pathlib import Path

PACKAGING = Path(__file__).resolve().parents[2] / "packaging"
BUNDLE_EXE = "/opt/shopfloor-kiosk/kiosk/kiosk"


def _ini(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((PACKAGING / name).read_text(encoding="utf-8"))
    return parser


def test_desktop_and_autostart_entries_start_the_bundle() -> None:
    for name in ("shopfloor-kiosk.desktop", "shopfloor-kiosk-autostart.desktop"):
        entry = _ini(name)["Desktop Entry"]
        assert entry["Type"] == "Application"
        assert entry["Exec"] == BUNDLE_EXE
        assert entry["Terminal"] == "false"
        assert entry["Name"]
    assert _ini("shopfloor-kiosk-autostart.desktop")["Desktop Entry"]["NoDisplay"] == "true"


def test_desktop_files_pass_debians_validator() -> None:
    """Debian 12's desktop-file-validate (0.26) knows Version 1.4 at most, and no
    SingleMainWindow; hints (two main categories) count as failures too."""
    import subprocess

    for path in sorted(PACKAGING.glob("*.desktop")):
        done = subprocess.run(["desktop-file-validate", str(path)], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout + done.stderr == "", done.stdout + done.stderr


def test_kiosk_session_restarts_the_app_forever_without_vt_switching() -> None:
    unit = (PACKAGING / "kiosk-session.service").read_text(encoding="utf-8")
    service = _ini("kiosk-session.service")["Service"]
    assert service["Restart"] == "always"
    assert "StartLimitIntervalSec=0" in unit
    assert service["User"] == "kiosk"
    cmd = service["ExecStart"].split()
    # The runner starts cage (and relays the kiosk's exit status, which cage drops).
    assert cmd == ["/usr/local/lib/shopfloor-kiosk/kiosk-session-run", BUNDLE_EXE]
    runner = (PACKAGING / "kiosk-session-run").read_text(encoding="utf-8")
    assert "/usr/bin/cage} -d -- " in runner
    assert " -s " not in runner  # -s would allow VT switching
    assert (PACKAGING / "kiosk-session.pam").is_file()
    assert "kiosk-session.service" in (PACKAGING / "kiosk-session.md").read_text()


def test_server_unit_runs_the_packaged_server() -> None:
    service = _ini("kiosk-server.service")["Service"]
    assert service["ExecStart"].startswith("/opt/shopfloor-kiosk/.venv/bin/kiosk-server")
    assert service["Restart"] in ("on-failure", "always")


def test_spec_bundles_resources_and_migrations() -> None:
    spec = "".join((PACKAGING / "kiosk.spec").read_text(encoding="utf-8").split())
    assert 'tree("resources","resources"' in spec
    assert 'tree("kiosk/migrations","kiosk/migrations")' in spec
    assert (PACKAGING / "kiosk_entry.py").is_file()
    migrations = PACKAGING.parent / "kiosk" / "migrations"
    assert (migrations / "script.py.mako").is_file()
    assert list((migrations / "versions").glob("0001_*.py"))


def test_font_check_holds_with_a_desktops_worth_of_fonts(tmp_path: Path) -> None:
    """`fc-list | grep -q .` under pipefail died of SIGPIPE once fontconfig listed more
    than a pipe's buffer, and the script said no font was installed."""
    import os
    import subprocess

    fake = tmp_path / "bin"
    fake.mkdir()
    fc_list = fake / "fc-list"
    fc_list.write_text(
        "#!/bin/sh\n"
        "i=0; while [ $i -lt 20000 ]; do "
        'echo "/usr/share/fonts/truetype/font$i.ttf: Font $i:style=Regular"; i=$((i+1)); done\n'
    )
    fc_list.chmod(0o755)
    env = {**os.environ, "PATH": f"{fake}:{os.environ['PATH']}"}
    # Everything installed already: the script only checks dpkg, then the fonts.
    for _ in range(3):
        done = subprocess.run(
            ["bash", str(PACKAGING / "system-deps.sh")], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
