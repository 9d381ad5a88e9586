"""Where the kiosk's resources (theme, icons, translations) live, installed or frozen."""

from __future__ import annotations

import sys
from pathlib import Path

#: Where a wheel puts them (pyproject's data-files), relative to the environment's prefix.
INSTALLED = Path("share", "shopfloor-kiosk", "resources")


def resources_dir() -> Path:
    """``resources/`` inside a PyInstaller bundle, next to the packages in a source tree
    or an editable install, else under the environment's prefix (a wheel install)."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    source = Path(__file__).resolve().parents[1] / "resources"
    if (source / "theme.toml").is_file():
        return source
    return Path(sys.prefix) / INSTALLED


def icon_path(name: str) -> str:
    return str(resources_dir() / "icons" / f"{name}.svg")
