"""The settings file, the enrolment and --print-config agree: the doc's path ends enrolled."""

from __future__ import annotations

from pathlib import Path

from tests.packaging.conftest import PlantServer, run_kiosk


def _lines(out: str) -> dict[str, str]:
    return {line.split("=")[0].strip(): line for line in out.splitlines() if " = " in line}


def test_enrol_with_the_settings_server_then_print_config_shows_the_enrolment(
    tmp_path: Path, plant_server: PlantServer
) -> None:
    home = tmp_path / "home"
    settings = home / "config" / "kiosk.toml"
    settings.parent.mkdir(parents=True)
    settings.write_text(f'server_url = "{plant_server.url}"\nidle_minutes = 15\n')

    before = run_kiosk("--print-config", home=home)
    assert "not enrolled: run kiosk enroll" in before.stdout
    assert _lines(before.stdout)["server_url"].endswith("# file")

    # As the doc says: the server comes from kiosk.toml, the code from the office.
    enrolled = run_kiosk("enroll", "--code", plant_server.code("ASSY-2"), home=home)
    assert enrolled.returncode == 0, enrolled.stderr
    assert "ASSY-2" in enrolled.stdout

    shown = run_kiosk("--print-config", home=home)
    assert shown.returncode == 0, shown.stderr
    lines = _lines(shown.stdout)
    assert f"'{plant_server.url}'" in lines["server_url"]
    assert lines["server_url"].endswith("# enrolment")
    assert "'ASSY-2'" in lines["workstation"]
    assert lines["workstation"].endswith("# enrolment")
    assert "(not set)" not in lines["server_url"] + lines["workstation"]
    assert "WARNING" not in shown.stdout
    assert f"# enrolment:     {home / 'config' / 'sync.json'}" in shown.stdout

    # A settings file pointing elsewhere is named in one line; the enrolment still wins.
    settings.write_text('server_url = "https://other.example.com"\n')
    other = run_kiosk("--print-config", home=home)
    warnings = [line for line in other.stdout.splitlines() if line.startswith("# WARNING")]
    assert len(warnings) == 1
    assert "https://other.example.com" in warnings[0]
    assert plant_server.url in warnings[0]
    assert _lines(other.stdout)["server_url"].endswith("# enrolment")


def test_enrol_without_any_server_says_where_to_put_it(tmp_path: Path) -> None:
    done = run_kiosk("enroll", "--code", "ABCD", home=tmp_path / "home")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert "server_url" in done.stderr
