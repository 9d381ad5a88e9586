"""A server-only install carries no Qt and no sync client; the kiosk's carries no server.

Issue 13, item 11: ``pip install shopfloor-kiosk[server]`` pulled 673 MB of PySide6 the
server never imports. Each extra is installed here from the built wheel into a clean venv.
"""

from __future__ import annotations

import email
import os
import subprocess
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from packaging.requirements import Requirement

from tests.packaging.wheels import build_wheel, distributions, install, site_packages_mb
from tests.server.process import free_port
from ui.app import NEEDS_KIOSK_EXTRA

KIOSK_ONLY = {"pyside6", "pyside6-essentials", "shiboken6", "apscheduler"}
SERVER_ONLY = {"fastapi", "uvicorn", "pydantic", "psycopg", "starlette"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


def _requires(wheel: Path) -> dict[str, set[str]]:
    """Requires-Dist by extra ("" for the base) from the wheel's METADATA: name[extras]."""
    with zipfile.ZipFile(wheel) as whl:
        name = next(n for n in whl.namelist() if n.endswith(".dist-info/METADATA"))
        meta = email.message_from_bytes(whl.read(name))
    reqs = [Requirement(r) for r in meta.get_all("Requires-Dist") or []]
    extras = ["", *meta.get_all("Provides-Extra", [])]

    def wanted(req: Requirement, extra: str) -> bool:
        return req.marker.evaluate({"extra": extra}) if req.marker else extra == ""

    return {
        extra: {
            req.name.lower() + (f"[{','.join(sorted(req.extras))}]" if req.extras else "")
            for req in reqs
            if wanted(req, extra) and (extra == "" or req.marker)
        }
        for extra in extras
    }


def test_the_wheel_keeps_qt_in_the_kiosk_extra(wheel: Path) -> None:
    requires = _requires(wheel)
    assert requires[""] == {"sqlalchemy", "alembic", "platformdirs"}
    assert {"pyside6", "requests", "apscheduler"} <= requires["kiosk"]
    server = {d.split("[")[0] for d in requires["server"]}
    assert {"fastapi", "uvicorn", "pydantic", "psycopg"} <= server
    assert not server & KIOSK_ONLY
    assert "shopfloor-kiosk[kiosk,server]" in requires["dev"]


@pytest.fixture
def server_bin(wheel: Path, tmp_path: Path) -> Path:
    return install(wheel, "server", tmp_path / "server-venv")


def test_a_server_only_install_has_no_qt_and_serves(server_bin: Path, tmp_path: Path) -> None:
    installed = distributions(server_bin)
    assert "shopfloor-kiosk" in installed
    assert not installed & KIOSK_ONLY, installed & KIOSK_ONLY
    size = site_packages_mb(server_bin)
    print(f"server-only site-packages: {size:.0f} MB")
    assert size < 100  # 43 MB measured; with PySide6 it is ~720 MB

    env = {**os.environ, "KIOSK_HOME": str(tmp_path / "home"), "PATH": os.defpath}
    env.pop("VIRTUAL_ENV", None)
    helped = subprocess.run(
        [server_bin / "kiosk-server", "--help"], env=env, capture_output=True, text=True
    )
    assert helped.returncode == 0, helped.stderr
    assert "usage: kiosk-server" in helped.stdout
    with _serving(server_bin, env) as base:
        health = requests.get(f"{base}/healthz", timeout=5)
        assert health.status_code == 200, health.text


def test_the_kiosk_without_its_extra_says_what_to_install(server_bin: Path, tmp_path: Path) -> None:
    env = {**os.environ, "KIOSK_HOME": str(tmp_path / "home"), "PATH": os.defpath}
    for args in ([], ["--demo", "board"], ["--print-config"]):
        done = subprocess.run(
            [server_bin / "kiosk", *args], env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr == f"kiosk: error: {NEEDS_KIOSK_EXTRA}\n"
        assert done.stdout == ""


def test_a_kiosk_install_has_no_server_and_runs_the_kiosk(wheel: Path, tmp_path: Path) -> None:
    kiosk_bin = install(wheel, "kiosk", tmp_path / "kiosk-venv")
    installed = distributions(kiosk_bin)
    assert {"pyside6", "requests", "apscheduler"} <= installed
    assert not installed & SERVER_ONLY, installed & SERVER_ONLY
    print(f"kiosk site-packages: {site_packages_mb(kiosk_bin):.0f} MB")
    env = {
        **os.environ,
        "KIOSK_HOME": str(tmp_path / "home"),
        "PATH": os.defpath,
        "QT_QPA_PLATFORM": "offscreen",
    }
    board = subprocess.run(
        [kiosk_bin / "kiosk", "--demo", "board"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert board.returncode == 0, board.stderr
    assert "ASSY-1" in board.stdout


@contextmanager
def _serving(bin_dir: Path, env: dict[str, str]) -> Iterator[str]:
    """``kiosk-server --demo`` from that venv on a free port until the block ends."""
    port = free_port()
    proc = subprocess.Popen(
        [bin_dir / "kiosk-server", "--demo", "--port", str(port), "--log-level", "WARNING"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, proc.stderr.read().decode()[-3000:]  # type: ignore[union-attr]
            try:
                requests.get(f"{base}/healthz", timeout=1)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "kiosk-server did not start"
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=15)
