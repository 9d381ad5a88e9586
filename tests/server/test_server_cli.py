"""``kiosk-server`` commands read the settings the server reads, through the real CLI.

A token made by ``admin create-token`` with only ``KIOSK_DATABASE_URL`` set must
be accepted by a server started with that same variable; a command that would
make a new empty database stops and says so; ``--print-config`` names sources.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import requests
from sqlalchemy import make_url

from tests.server.conftest import API
from tests.server.process import _command, kiosk_server


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env["KIOSK_HOME"] = str(tmp_path / "home")  # the default SQLite would be made here
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_command(), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _sqlite_file(url: str) -> Path | None:
    target = make_url(url)
    return Path(target.database or "") if target.get_backend_name() == "sqlite" else None


def test_token_made_with_the_env_var_works_on_the_server(db_url: str, tmp_path: Path) -> None:
    env = _env(tmp_path, KIOSK_DATABASE_URL=db_url)
    file = _sqlite_file(db_url)
    if file is not None:
        # A new SQLite file is not made by an admin command unless asked.
        refused = _run(["admin", "create-token", "--name", "office"], env)
        assert refused.returncode == 2, refused.stderr
        assert "no plant database" in refused.stderr
        assert "--create" in refused.stderr
        assert refused.stdout == ""
        assert not file.exists()
        made = _run(["admin", "create-token", "--name", "office", "--create"], env)
    else:
        made = _run(["admin", "create-token", "--name", "office"], env)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert token.startswith("kst_")
    with kiosk_server(None, env=env) as base:
        answer = requests.get(
            f"{base}{API}/devices", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
    assert answer.status_code == 200, answer.text
    assert not (tmp_path / "home" / "data" / "server.db").exists()


def test_admin_command_refuses_an_empty_postgres(pg_url: str, tmp_path: Path) -> None:
    """An empty PostgreSQL database: refused by an admin command, set up by serve."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    eng = create_engine(pg_url, poolclass=NullPool)
    with eng.begin() as conn:  # empty it: the fixture's copy comes migrated
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    eng.dispose()
    env = _env(tmp_path, KIOSK_DATABASE_URL=pg_url)
    refused = _run(["admin", "create-token"], env)
    assert refused.returncode == 2
    assert "no plant database" in refused.stderr, refused.stderr
    log = tmp_path / "server.log"
    with kiosk_server(None, env=env, log_file=log, log_level="INFO"):
        pass
    assert "was empty: created the plant schema" in log.read_text()
    made = _run(["admin", "create-token"], env)
    assert made.returncode == 0, made.stderr


def test_print_config_names_each_source(tmp_path: Path) -> None:
    settings = tmp_path / "server.toml"
    settings.write_text(
        'database_url = "postgresql+psycopg://kiosk:s3cret@db/plant"\n'
        "port = 9000\n"
        'admin_token = "file-secret"\n'
        'forwarded_allow_ips = "10.0.0.5"\n'
    )
    env = _env(tmp_path, KIOSK_SERVER_CONFIG=str(settings), KIOSK_SERVER_PORT="9100")
    shown = _run(["--print-config", "--workers", "2"], env)
    assert shown.returncode == 0, shown.stderr
    lines = {line.split("=")[0].strip(): line for line in shown.stdout.splitlines()}
    assert "# file" in lines["database_url"]
    assert "s3cret" not in shown.stdout
    assert "9100" in lines["port"]
    assert "env KIOSK_SERVER_PORT" in lines["port"]
    assert "2" in lines["workers"]
    assert "command line --workers" in lines["workers"]
    assert "'***'" in lines["admin_token"]
    assert "file-secret" not in shown.stdout
    assert "10.0.0.5" in lines["forwarded_allow_ips"]
    assert "# default" in lines["log_level"]


def test_a_bad_setting_stops_with_one_line(tmp_path: Path) -> None:
    settings = tmp_path / "server.toml"
    settings.write_text("prot = 9000\n")
    env = _env(tmp_path, KIOSK_SERVER_CONFIG=str(settings))
    typo = _run(["--print-config"], env)
    assert typo.returncode == 2
    assert len(typo.stderr.strip().splitlines()) == 1
    assert "unknown setting 'prot'" in typo.stderr
    settings.write_text("")
    bad = _run(["admin", "create-token"], {**env, "KIOSK_SERVER_WORKERS": "many"})
    assert bad.returncode == 2
    assert "bad setting workers = 'many' (env KIOSK_SERVER_WORKERS)" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_a_database_a_newer_server_migrated_is_refused_in_one_line(
    db_url: str, tmp_path: Path
) -> None:
    """An upgrade rolled back without its backup: exit 78 (the unit does not restart on
    it), one line saying what to do, and the schema left alone."""
    from sqlalchemy import create_engine, text

    env = _env(tmp_path, KIOSK_DATABASE_URL=db_url)
    assert _run(["admin", "create-token", "--create"], env).returncode == 0
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0999'"))
    for args in (["--port", "1"], ["admin", "create-token"]):
        refused = _run(args, env)
        assert refused.returncode == 78, refused.stderr
        lines = refused.stderr.strip().splitlines()
        assert len(lines) == 1, refused.stderr
        assert "newer kiosk-server" in lines[0]
        assert "0999" in lines[0]
        assert "restore the backup" in lines[0]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0999"
    engine.dispose()


def test_an_office_user_made_on_the_command_line_signs_in(db_url: str, tmp_path: Path) -> None:
    env = _env(tmp_path, KIOSK_DATABASE_URL=db_url)
    create = ["admin", "create-user", "Greta", "--role", "admin", "--create"]

    def made(password: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*_command(), *create], env=env, input=password + "\n", capture_output=True,
            text=True, timeout=120, check=False,
        )  # fmt: skip

    short = made("short")
    assert short.returncode == 2
    assert "at least 8 characters" in short.stderr
    assert "Traceback" not in short.stderr
    ok = made("a long passphrase")
    assert ok.returncode == 0, ok.stderr
    assert "Greta (admin) created" in ok.stdout
    assert "a long passphrase" not in ok.stdout + ok.stderr
    again = made("another passphrase")
    assert again.returncode == 2
    assert "already" in again.stderr
    with kiosk_server(None, env=env) as base, requests.Session() as browser:
        form = browser.get(f"{base}/office/login", timeout=10)
        token = form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        signed = browser.post(
            f"{base}/office/login",
            data={"username": "greta", "password": "a long passphrase", "csrf_token": token},
            timeout=10,
        )
        assert signed.status_code == 200
        assert signed.url == f"{base}/office/"
        assert "Greta" in signed.text
