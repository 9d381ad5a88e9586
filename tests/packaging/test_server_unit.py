"""packaging/kiosk-server.service: its own user, a sandbox systemd rates at most 4.0 (it
was 7.3, "medium"), a unit `systemd-analyze verify` has nothing to say about, and a server
that still starts inside that sandbox (issue 13, item 9)."""

from __future__ import annotations

import configparser
import re
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.server.process import free_port

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "packaging" / "kiosk-server.service"
SANDBOX = Path(__file__).with_name("unit_sandbox.py")
#: Debian's interpreter, which python3-seccomp (packaging/system-deps.sh) is built for.
SYSTEM_PYTHON = "/usr/bin/python3"


def _service() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(UNIT.read_text(encoding="utf-8"))
    return parser["Service"]


def test_the_sandbox_rates_at_most_4() -> None:
    done = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", "--no-pager", str(UNIT)],
        capture_output=True,
        text=True,
    )
    found = re.search(r"Overall exposure level for \S+: ([\d.]+)", done.stdout)
    assert found, done.stdout + done.stderr
    assert float(found.group(1)) <= 4.0, done.stdout


def test_systemd_finds_nothing_wrong_with_the_unit(tmp_path: Path) -> None:
    # verify checks that ExecStart exists: point it at this venv's kiosk-server.
    copy = tmp_path / UNIT.name
    text = UNIT.read_text(encoding="utf-8")
    copy.write_text(
        text.replace("/opt/shopfloor-kiosk/.venv/bin", str(Path(sys.executable).parent))
    )
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(copy)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr  # unknown keys are only warned about


def test_the_server_has_its_own_user_and_state_dir() -> None:
    service = _service()
    assert service["User"] == "kiosk-server"  # the tablets' user is `kiosk`
    assert service["StateDirectory"] == "kiosk-server"
    assert service["Environment"] == "KIOSK_HOME=/var/lib/kiosk-server"
    assert service["UMask"] == "0077"
    assert "useradd --system" in UNIT.read_text(encoding="utf-8")
    session = (ROOT / "packaging" / "kiosk-session.service").read_text(encoding="utf-8")
    assert "User=kiosk\n" in session


def test_the_unit_cites_a_readme_section_that_exists() -> None:
    cited = re.findall(r'README\.md, "([^"]+)"', UNIT.read_text(encoding="utf-8"))
    assert cited
    headings = {
        line.lstrip("#").strip()
        for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    }
    assert set(cited) <= headings, set(cited) - headings


def _sandboxed(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SYSTEM_PYTHON, str(SANDBOX), sys.executable, "-c", code], capture_output=True, text=True
    )


def test_the_sandbox_harness_enforces_what_the_unit_asks() -> None:
    """Else the next test would prove nothing: W+X memory and netlink sockets are refused."""
    wx = _sandboxed("import mmap; mmap.mmap(-1, 4096, prot=7)")
    assert wx.returncode != 0
    assert "Permission denied" in wx.stderr or "PermissionError" in wx.stderr, wx.stderr
    netlink = _sandboxed("import socket; socket.socket(socket.AF_NETLINK, socket.SOCK_RAW)")
    assert "Address family not supported" in netlink.stderr, netlink.stderr
    privileged = _sandboxed("import os; os.chroot('/')")  # @privileged
    assert "Operation not permitted" in privileged.stderr, privileged.stderr
    assert _sandboxed("print('fine')").stdout == "fine\n"


def test_the_server_starts_inside_the_units_sandbox(pg_url: str, tmp_path: Path) -> None:
    """The unit's own command line (two workers on PostgreSQL) under its syscall filter,
    MemoryDenyWriteExecute and no_new_privs: serves, reads and writes the database."""
    port = free_port()
    args = _service()["ExecStart"].replace("\\\n", " ").split()
    args[0] = str(Path(sys.executable).with_name("kiosk-server"))
    args[args.index("--database") + 1] = pg_url
    args[args.index("--port") + 1] = str(port)
    log = tmp_path / "server.log"
    env = {"KIOSK_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [SYSTEM_PYTHON, str(SANDBOX), *args, "--demo"], env=env, stdout=out, stderr=out
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text()[-3000:]
            try:
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        sites = requests.get(f"{base}/api/v1/sites", timeout=10)
        assert sites.status_code == 401  # no token: refused, not broken
        health = requests.get(f"{base}/healthz", timeout=10).json()
        assert health["status"] == "ok", health
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_the_unit_does_not_restart_on_a_database_from_a_newer_server() -> None:
    """kiosk-server exits with STORE_TOO_NEW for it (tests/server/test_server_cli.py);
    restarting every 2 s would only fill the journal."""
    from kiosk.exits import STORE_TOO_NEW

    assert str(STORE_TOO_NEW) in _service()["RestartPreventExitStatus"].split()
