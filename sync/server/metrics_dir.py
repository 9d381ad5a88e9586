"""The directory where each uvicorn worker keeps its Prometheus samples.

Kept apart from :mod:`sync.server.metrics` because prometheus_client reads
``PROMETHEUS_MULTIPROC_DIR`` once, when it is first imported: ``kiosk-server``
must set it before that, in its own process and so for every worker it starts.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare_dir(path: Path) -> None:
    """Empty at every start: samples of processes from the last run must not add up."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = str(path)
