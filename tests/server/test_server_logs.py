"""A real ``kiosk-server``'s log: one access line per request, no Alembic chatter at start,
and the client address of a kiosk behind a trusted reverse proxy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import requests

from tests.server.conftest import ADMIN, ADMIN_TOKEN, API
from tests.server.process import kiosk_server

REQUESTS = 30


def _lines(log: Path) -> list[dict[str, Any]]:
    out = []
    for raw in log.read_text().splitlines():
        if raw.startswith("{"):
            out.append(json.loads(raw))
    return out


def test_one_access_line_per_request_with_two_workers(pg_url: str, tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    env = {"KIOSK_ADMIN_TOKEN": ADMIN_TOKEN}
    with kiosk_server(pg_url, workers=2, env=env, log_file=log, log_level="INFO") as base:
        for i in range(REQUESTS):  # a new connection each: both workers answer some
            answer = requests.get(
                f"{base}{API}/devices", headers={**ADMIN, "X-Request-Id": f"count-{i}"}, timeout=10
            )
            assert answer.status_code == 200
    lines = _lines(log)
    ours = [line for line in lines if line["request_id"].startswith("count-")]
    access = [line for line in ours if line["logger"] == "sync.server.access"]
    assert sorted(line["request_id"] for line in access) == sorted(
        f"count-{i}" for i in range(REQUESTS)
    )
    assert [line for line in ours if line not in access] == []  # nothing else, e.g. uvicorn's
    assert not [line for line in lines if line["logger"] == "uvicorn.access"]
    assert all(line["client"] == "127.0.0.1" and line["status"] == 200 for line in access)


def test_no_alembic_info_lines_when_a_new_database_is_migrated(
    sqlite_url: str, tmp_path: Path
) -> None:
    log = tmp_path / "server.log"
    with kiosk_server(sqlite_url, log_file=log, log_level="INFO"):
        pass
    lines = _lines(log)
    assert [line["msg"] for line in lines if line["logger"].startswith("alembic")] == []
    said = [line for line in lines if line["logger"] == "sync.server"]
    assert any("was empty: created the plant schema" in line["msg"] for line in said)
    assert any(line["msg"].startswith("serving ") for line in said)


def _client_of(log: Path, rid: str) -> str:
    found = [line["client"] for line in _lines(log) if line["request_id"] == rid]
    assert len(found) == 1, found
    return found[0]


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(
    sqlite_url: str, tmp_path: Path
) -> None:
    """The test is the proxy (on 127.0.0.1): trusted by default, not when another is named."""
    forwarded = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    trusted = tmp_path / "trusted.log"
    with kiosk_server(sqlite_url, log_file=trusted, log_level="INFO") as base:
        requests.get(f"{base}/healthz", headers={**forwarded, "X-Request-Id": "t1"}, timeout=10)
    assert _client_of(trusted, "t1") == "203.0.113.7"
    other = tmp_path / "other.log"
    args = ("--forwarded-allow-ips", "10.9.9.9")
    with kiosk_server(sqlite_url, log_file=other, log_level="INFO", extra_args=args) as base:
        requests.get(f"{base}/healthz", headers={**forwarded, "X-Request-Id": "t2"}, timeout=10)
    assert _client_of(other, "t2") == "127.0.0.1"
    none = tmp_path / "none.log"
    env = {"KIOSK_FORWARDED_ALLOW_IPS": ""}
    with kiosk_server(sqlite_url, log_file=none, log_level="INFO", env=env) as base:
        requests.get(f"{base}/healthz", headers={**forwarded, "X-Request-Id": "t3"}, timeout=10)
    assert _client_of(none, "t3") == "127.0.0.1"
