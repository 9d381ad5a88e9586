"""Monitoring: ``/healthz`` checks the database and names what failed; ``/metrics`` is
Prometheus text, readable with the metrics token or an admin token, right with two workers."""

from __future__ import annotations

import re
from pathlib import Path

import requests
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kiosk.store.engine import make_engine
from sync.server.app import create_app
from sync.server.settings import Settings
from tests.builders import simple_plant
from tests.server.conftest import ADMIN, ADMIN_TOKEN, API, Server, make_server
from tests.server.process import kiosk_server

METRICS_TOKEN = "metrics-scraper-secret-42"


def test_healthz_checks_the_database_and_the_schema(server: Server) -> None:
    answer = server.client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "checks": {"database": "ok", "schema": "ok"}}


def _health_of(engine: Engine) -> tuple[int, dict[str, str]]:
    app = create_app(engine, Settings(admin_token=ADMIN_TOKEN, inbox_worker=False))
    with TestClient(app) as client:
        answer = client.get("/healthz")
    body = answer.json()
    assert body["status"] == ("ok" if answer.status_code == 200 else "failing")
    return answer.status_code, body["checks"]


def test_healthz_is_503_and_names_an_unreachable_database() -> None:
    engine = make_engine("postgresql+psycopg://kiosk:kiosk@127.0.0.1:1/nowhere")
    try:
        status, checks = _health_of(engine)
    finally:
        engine.dispose()
    assert status == 503
    assert list(checks) == ["database"]
    assert checks["database"].startswith("failed: OperationalError")


def test_healthz_is_503_and_names_a_schema_it_does_not_know(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)  # an empty database: reachable, no plant schema
    try:
        status, checks = _health_of(engine)
    finally:
        engine.dispose()
    assert status == 503
    assert checks["database"] == "ok"
    assert checks["schema"].startswith("failed: at none, this server needs ")


def test_metrics_needs_the_metrics_token_or_an_admin(engine: Engine) -> None:
    with make_server(engine, metrics_token=METRICS_TOKEN) as srv:
        simple_plant(srv.plant)
        srv.plant.workstation("W-1")
        kiosk = srv.device("W-1")
        assert srv.client.get("/metrics").status_code == 401
        wrong = srv.client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        assert srv.client.get("/metrics", headers=kiosk).status_code == 403
        for headers in (ADMIN, {"Authorization": f"Bearer {METRICS_TOKEN}"}):
            answer = srv.client.get("/metrics", headers=headers)
            assert answer.status_code == 200
            assert answer.headers["content-type"].startswith("text/plain; version=")
            assert "kiosk_database_up 1.0" in answer.text
            assert 'kiosk_devices{state="active"} 1.0' in answer.text
            assert 'kiosk_webhook_inbox{status="pending"} 0.0' in answer.text


def _sample(text: str, name: str, **labels: str) -> float:
    """The value of the one sample of ``name`` whose labels include ``labels``."""
    found = []
    for line in text.splitlines():
        match = re.fullmatch(r"([a-z_]+)\{(.*)\} (\S+)", line)
        if not match or match[1] != name:
            continue
        have = dict(re.findall(r'(\w+)="([^"]*)"', match[2]))
        if all(have.get(k) == v for k, v in labels.items()):
            found.append(float(match[3]))
    assert len(found) == 1, (name, labels, found)
    return found[0]


def test_request_counts_add_up_over_two_workers(pg_url: str, tmp_path: Path) -> None:
    """Each request lands on one worker, each scrape on one: every scrape sees them all."""
    home = tmp_path / "home"
    env = {"KIOSK_ADMIN_TOKEN": ADMIN_TOKEN, "KIOSK_HOME": str(home)}
    n = 40
    with kiosk_server(pg_url, workers=2, env=env) as base:
        for i in range(n):  # a new connection each, so both workers answer some
            answer = requests.post(
                f"{base}{API}/devices/no-such-{i}/revoke", headers=ADMIN, timeout=10
            )
            assert answer.status_code == 404
        scrapes = [
            requests.get(f"{base}/metrics", headers=ADMIN, timeout=10).text for _ in range(6)
        ]
        files = list(home.glob("data/metrics-*/counter_*.db"))
    for text in scrapes:
        count = _sample(
            text,
            "kiosk_http_requests_total",
            route="/api/v1/devices/{device_id}/revoke",
            method="POST",
            status="404",
        )
        assert count == n
    assert len({f.name for f in files}) == 2  # both workers counted some
