"""Settings: default < file < environment < command line; a bad value is one line, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.settings import SettingsError, load
from ui.app import main


def test_defaults_without_a_file(kiosk_home: Path) -> None:
    s = load()
    assert (s.server_url, s.workstation, s.idle_minutes, s.language, s.screen_scale) == (
        None,
        None,
        15.0,
        "en",
        1.0,
    )
    assert set(s.sources.values()) == {"default"}
    assert s.file == kiosk_home / "config" / "kiosk.toml"
    assert not s.file_found


def test_each_layer_overrides_the_one_below(config_file: Path) -> None:
    config_file.write_text(
        'server_url = "https://plant.example.com/"\n'
        'workstation = "PAINT-2"\n'
        "idle_minutes = 10\n"
        'language = "de"\n'
        "screen_scale = 1.25\n"
    )
    env = {"KIOSK_WORKSTATION": "WELD-1", "KIOSK_IDLE_MINUTES": "7.5", "KIOSK_LANGUAGE": "pt-br"}
    s = load({"idle_minutes": "3", "workstation": None}, environ=env)
    assert s.server_url == "https://plant.example.com"
    assert s.workstation == "WELD-1"
    assert s.idle_minutes == 3.0
    assert s.language == "pt_BR"
    assert s.screen_scale == 1.25
    assert s.sources == {
        "server_url": "file",
        "workstation": "env KIOSK_WORKSTATION",
        "idle_minutes": "command line --idle-minutes",
        "language": "env KIOSK_LANGUAGE",
        "screen_scale": "file",
    }


def test_config_file_named_by_environment(tmp_path: Path, kiosk_home: Path) -> None:
    other = tmp_path / "elsewhere.toml"
    other.write_text('workstation = "PACK-1"\n')
    s = load(environ={"KIOSK_CONFIG": str(other)})
    assert (s.workstation, s.file, s.file_found) == ("PACK-1", other, True)


@pytest.mark.parametrize(
    ("layer", "name", "value", "expected"),
    [
        ("env", "idle_minutes", "soon", "must be a number of minutes"),
        ("env", "idle_minutes", "0", "must be a number of minutes"),
        ("env", "idle_minutes", "nan", "must be a number of minutes"),
        ("cli", "screen_scale", "9", "must be a factor from 0.5 to 3.0"),
        ("env", "server_url", "ftp://plant", "must be an http:// or https:// URL"),
        ("cli", "server_url", "https://plant:port", "port that is not a number"),
        ("env", "workstation", "ASSY 1", "must be a workstation code"),
        ("cli", "language", "english", "must be a language code"),
        ("file", "idle_minutes", "true", "must be a number of minutes"),
        ("file", "workstation", "12", "must be text"),
    ],
)
def test_bad_value_names_setting_value_and_source(
    config_file: Path, layer: str, name: str, value: str, expected: str
) -> None:
    env: dict[str, str] = {}
    cli: dict[str, object] = {}
    if layer == "file":
        config_file.write_text(f"{name} = {value}\n")
    elif layer == "env":
        env[f"KIOSK_{name.upper()}"] = value
    else:
        cli[name] = value
    with pytest.raises(SettingsError) as e:
        load(cli, environ=env)
    message = str(e.value)
    assert "\n" not in message
    assert message.startswith(f"bad setting {name} = ")
    assert expected in message
    where = {"env": f"env KIOSK_{name.upper()}", "cli": "command line --", "file": "file "}
    assert where[layer] in message


def test_unknown_key_and_broken_toml_are_errors(config_file: Path) -> None:
    config_file.write_text("idle_minute = 5\n")
    with pytest.raises(SettingsError, match=r"unknown setting 'idle_minute'.*known settings"):
        load(environ={})
    config_file.write_text("workstation = ASSY-1\n")
    with pytest.raises(SettingsError, match="is not valid TOML"):
        load(environ={})


def test_bad_value_exits_2_with_one_line_and_no_traceback(
    kiosk_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KIOSK_SCREEN_SCALE", "huge")
    assert main(["--print-config"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(
        "kiosk: error: bad setting screen_scale = 'huge' (env KIOSK_SCREEN_SCALE)"
    )
    assert "Traceback" not in err


def test_print_config_shows_values_and_sources(
    config_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config_file.write_text(
        'server_url = "https://kiosk:hunter2@plant.example.com"\nworkstation = "PAINT-2"\n'
    )
    monkeypatch.setenv("KIOSK_LANGUAGE", "de")
    assert main(["--print-config", "--screen-scale", "1.5"]) == 0
    out = capsys.readouterr().out
    lines = {line.split("=")[0].strip(): line for line in out.splitlines() if "=" in line}
    assert "hunter2" not in out
    assert "'https://kiosk:***@plant.example.com'" in lines["server_url"]
    assert lines["server_url"].endswith("# file")
    assert lines["workstation"].endswith("# file")
    assert lines["language"].endswith("# env KIOSK_LANGUAGE")
    assert "1.5" in lines["screen_scale"]
    assert lines["screen_scale"].endswith("# command line --screen-scale")
    assert lines["idle_minutes"].endswith("# default")
    assert f"# settings file: {config_file}" in out
