"""The wheel (the server's and a pip-installed kiosk's package) carries what they need."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from ui.resources import INSTALLED

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_has_migrations_theme_and_icons_but_no_tests(tmp_path: Path) -> None:
    # PEP 517 straight to setuptools (in the dev environment): no network, no isolation.
    build = "import sys, setuptools.build_meta as b; print(b.build_wheel(sys.argv[1]))"
    name = (
        subprocess.run(
            [sys.executable, "-c", build, str(tmp_path)],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
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
