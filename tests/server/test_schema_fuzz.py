"""The OpenAPI document tells the truth: ``schemathesis run --checks all`` finds nothing.

Schemathesis reads our ``/openapi.json`` from a live server on loopback (SQLite and
PostgreSQL) and runs every phase (examples, coverage, fuzzing, stateful over the
document's links) with every check: no 5xx; every status, content type, header and body
as documented; schema-valid requests accepted and schema-invalid ones refused (so each
rule about a field's shape is in the schema, not only in the core); 405 with a full
``Allow``; created resources reachable; no auth ignored. One business rule the schema
cannot state is allowed, and only with its own code (``fuzz/hooks.py``).

The run is seeded, so a red CI reproduces locally with the command in the failure.
Raise the volume to hunt: ``KIOSK_FUZZ_EXAMPLES=500 pytest tests/server/test_schema_fuzz.py``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from sqlalchemy import Engine

from tests.builders import Plant, simple_plant
from tests.server.conftest import ADMIN_TOKEN
from tests.server.process import serving

FUZZ = Path(__file__).with_name("fuzz")
EXAMPLES = os.environ.get("KIOSK_FUZZ_EXAMPLES", "50")
SEED = os.environ.get("KIOSK_FUZZ_SEED", "1")
_CLI = Path(sys.executable).with_name("schemathesis")


def test_schemathesis_with_all_checks_finds_nothing(engine: Engine, tmp_path: Path) -> None:
    simple_plant(Plant(engine))  # real SKUs for the examples and the stateful phase
    junit = tmp_path / "junit.xml"
    with serving(engine, ADMIN_TOKEN) as base_url:
        run = subprocess.run(
            [
                str(_CLI),
                "--config-file",
                str(FUZZ / "schemathesis.toml"),
                "run",
                f"{base_url}/openapi.json",
                "--checks",
                "all",
                "--header",
                f"Authorization: Bearer {ADMIN_TOKEN}",
                "--max-examples",
                EXAMPLES,
                "--seed",
                SEED,
                "--generation-database",
                "none",
                "--workers",
                "1",
                "--report",
                "junit",
                "--report-junit-path",
                str(junit),
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=900,
            cwd=tmp_path,
            env={**os.environ, "SCHEMATHESIS_HOOKS": str(FUZZ / "hooks.py")},
        )
    output = run.stdout + run.stderr
    # The summary's line of figures, e.g. "3780 generated, 0 found ..." or "No issues found".
    figures = re.search(r"(\d+) generated[^\n]*", output)
    print(f"schemathesis on {engine.dialect.name}: {figures.group(0) if figures else '?'}")
    assert run.returncode == 0, output[-12000:]

    suites = ET.parse(junit).getroot()
    cases = suites.findall(".//testcase")
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert len(cases) >= 37, len(cases)  # every operation was tested
    assert failed == []
    assert figures is not None
    assert int(figures.group(1)) > 20 * len(cases) // 2  # a real volume, not a loaded schema
