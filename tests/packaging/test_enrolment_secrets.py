"""The enrolment code is a credential: it never lands in a log file or a support bundle."""

from __future__ import annotations

import zipfile
from pathlib import Path

from tests.packaging.conftest import PlantServer, run_kiosk

SECRET = "SECRET-code-7f3a91"


def _files(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): p.read_text(errors="replace")
        for p in root.rglob("*")
        if p.is_file() and p.suffix not in (".db", ".zip") and "-wal" not in p.name
    }


def test_a_refused_enrolment_code_is_in_no_log_and_no_bundle_member(
    tmp_path: Path, plant_server: PlantServer
) -> None:
    home = tmp_path / "home"
    # Both spellings of the option; the server refuses the made-up code.
    failed = run_kiosk("enroll", "--server", plant_server.url, "--code", SECRET, home=home)
    assert failed.returncode == 1
    assert "refused" in failed.stderr
    run_kiosk("enroll", f"--server={plant_server.url}", f"--code={SECRET}", home=home)
    # A good code is a credential too until it is used.
    good = plant_server.code()
    ok = run_kiosk("enroll", "--server", plant_server.url, "--code", good, home=home)
    assert ok.returncode == 0, ok.stderr

    bundle = tmp_path / "diag.zip"
    diag = run_kiosk("--diagnostics", "--out", str(bundle), home=home)
    assert diag.returncode == 0, diag.stderr

    logs = _files(home / "log")
    assert "kiosk.log" in logs
    assert "enroll --server" in logs["kiosk.log"]  # the start line is there, masked
    assert "--code ***" in logs["kiosk.log"]
    assert "--code=***" in logs["kiosk.log"]
    with zipfile.ZipFile(bundle) as z:
        members = {name: z.read(name).decode(errors="replace") for name in z.namelist()}
    for name, body in {**logs, **members}.items():
        for secret in (SECRET, good):
            assert secret not in body, f"the enrolment code leaked into {name}"
    for out in (failed, ok, diag):
        assert SECRET not in out.stdout + out.stderr
        assert good not in out.stdout + out.stderr
