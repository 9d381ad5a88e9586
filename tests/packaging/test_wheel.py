"""The wheel (the server's and a pip-installed kiosk's package) carries what they need."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.packaging.wheels import ROOT, build_wheel
from ui.resources import INSTALLED


def test_wheel_has_migrations_theme_and_icons_but_no_tests(tmp_path: Path) -> None:
    name = build_wheel(tmp_path).name
    with zipfile.ZipFile(tmp_path / name) as wheel:
        names = set(wheel.namelist())
    data = next(n.split("/data/")[0] for n in names if ".data/data/" in n) + "/data/"
    for resource in [
        "theme.toml",
        "theme.qss",
        *(p.name for p in (ROOT / "resources/icons").iterdir()),
    ]:
        sub = "icons/" if resource.endswith(".svg") else ""
        assert f"{data}{INSTALLED.as_posix()}/{sub}{resource}" in names, resource
    assert "kiosk/migrations/env.py" in names
    assert any(n.startswith("kiosk/migrations/versions/") and n.endswith(".py") for n in names)
    assert "ui/app.py" in names
    assert "sync/server/app.py" in names
    assert not any(n.startswith("tests/") for n in names)
    assert not any("screenshots" in n for n in names)  # README pictures are not runtime data


def test_pip_wheel_works_in_the_bootstrap_venv(tmp_path: Path) -> None:
    """The README builds the server's wheel with `pip wheel --no-deps .`; a uv-made venv has
    no pip unless the dev extra brings it (issue 13, item 16)."""
    version = subprocess.run(
        [sys.executable, "-m", "pip", "--version"], capture_output=True, text=True
    )
    assert version.returncode == 0, version.stderr
    assert sys.prefix in version.stdout  # this venv's own pip, not one found elsewhere
    # --no-build-isolation: the backend from this venv, so the test needs no network.
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
    subprocess.run(
        [*pip_wheel, "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        text=True,
    )
    assert [p.name for p in tmp_path.glob("*.whl")] == ["shopfloor_kiosk-0.1.0-py3-none-any.whl"]
