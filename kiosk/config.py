"""Where the kiosk keeps its data: paths from platformdirs, overridable for tests and IT."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import PlatformDirs

APP_NAME = "shopfloor-kiosk"
DIRS = PlatformDirs(APP_NAME, appauthor=False)


@dataclass(frozen=True)
class Paths:
    data_dir: Path
    config_dir: Path
    log_dir: Path

    @property
    def local_store(self) -> Path:
        return self.data_dir / "kiosk.db"

    @property
    def demo_store(self) -> Path:
        return self.data_dir / "demo.db"


def paths() -> Paths:
    """The platform's directories, or one root for everything via ``KIOSK_HOME``."""
    home = os.environ.get("KIOSK_HOME")
    if home:
        root = Path(home)
        return Paths(root / "data", root / "config", root / "log")
    return Paths(Path(DIRS.user_data_dir), Path(DIRS.user_config_dir), Path(DIRS.user_log_dir))


def sqlite_url(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"
