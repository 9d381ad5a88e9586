"""The session runner passes the kiosk's exit status through cage (which drops it).

Real cage 0.1.4, nested in Xvfb with wlroots' X11 backend and pixman renderer (as
packaging/session-smoke.sh runs it), as an unprivileged user (cage refuses root).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

RUNNER = Path(__file__).resolve().parents[2] / "packaging" / "kiosk-session-run"
USER = "kiosk-smoke"


@pytest.fixture
def xvfb() -> Iterator[str]:
    read, write = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "640x480x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as f:
        number = f.readline().strip()
    try:
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _run(display: str, app: str) -> int:
    if subprocess.run(["id", USER], capture_output=True).returncode != 0:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER],
            check=True,
        )
    user = pwd.getpwnam(USER)
    runtime = Path(tempfile.mkdtemp(prefix="kiosk-runner-"))
    runtime.chmod(0o700)
    os.chown(runtime, user.pw_uid, user.pw_gid)
    runner = runtime / "kiosk-session-run"  # readable by the user wherever the tree is
    shutil.copy(RUNNER, runner)
    runner.chmod(0o755)
    env = [
        "env",
        "-i",
        "PATH=/usr/bin:/bin",
        f"DISPLAY={display}",
        f"XDG_RUNTIME_DIR={runtime}",
        f"RUNTIME_DIRECTORY={runtime}",
        "WLR_BACKENDS=x11",
        "WLR_RENDERER=pixman",
    ]
    done = subprocess.run(
        ["runuser", "-u", USER, "--", *env, "/bin/sh", str(runner), "/bin/sh", "-c", app],
        capture_output=True,
        timeout=60,
    )
    return done.returncode


def test_cage_drops_the_status_and_the_runner_relays_it(xvfb: str) -> None:
    assert _run(xvfb, "exit 78") == 78
    assert _run(xvfb, "exit 75") == 75
    assert _run(xvfb, "exit 0") == 0
