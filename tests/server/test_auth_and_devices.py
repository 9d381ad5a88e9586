"""Tokens, enrolment, revocation and a device's reach (its own site only)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from kiosk.store.base import utcnow
from kiosk.store.models import ApiToken, AuditEntry, EnrolmentCode
from sync.server.__main__ import main
from tests.server.conftest import ADMIN, API, Server
from tests.server.helpers import problem

#: Paths anyone may call without a token.
OPEN = {"/healthz", f"{API}/devices/enrol", f"{API}/webhooks/shopify"}
#: Paths a kiosk may call with its device token.
DEVICE_OK = {
    ("GET", f"{API}/products/{{sku}}"),
    ("GET", f"{API}/stock/{{sku}}"),
    ("GET", f"{API}/work-orders"),
    ("GET", f"{API}/work-orders/{{work_order_id}}"),
    ("GET", f"{API}/notifications"),
    ("POST", f"{API}/notifications/{{notification_id}}/ack"),
    ("POST", f"{API}/sync/push"),
    ("GET", f"{API}/sync/pull"),
    ("POST", f"{API}/sync/known"),
}


def operations(server: Server) -> list[tuple[str, str]]:
    spec = server.client.get("/openapi.json").json()
    return [
        (method.upper(), path)
        for path, ops in spec["paths"].items()
        for method in ops
        if path not in OPEN
    ]


def refusals(server: Server) -> int:
    with server.plant.bus.read() as session:
        return (
            session.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.result == "refused")
            )
            or 0
        )


def test_every_path_needs_a_token_and_admin_paths_refuse_a_device(server: Server) -> None:
    client = server.client
    device = (
        server.device("W-A")
        if client.post(
            f"{API}/workstations", json={"code": "W-A", "name": "A"}, headers=ADMIN
        ).status_code
        == 201
        else {}
    )
    ops = operations(server)
    assert len(ops) >= 24
    before = refusals(server)
    for method, path in ops:
        url = re.sub(r"\{[^}]+\}", "x", path)
        problem(client.request(method, url), 401, "unauthorized")
        problem(
            client.request(method, url, headers={"Authorization": "Bearer kst_wrong"}),
            401,
            "unauthorized",
        )
        if (method, path) not in DEVICE_OK:
            problem(client.request(method, url, headers=device), 403, "forbidden")
    expected = 2 * len(ops) + len([op for op in ops if op not in DEVICE_OK])
    assert refusals(server) - before == expected
    answer = client.get(f"{API}/work-orders", headers={"Authorization": "Basic abc"})
    assert answer.headers["www-authenticate"] == "Bearer"


def test_enrolment_codes_are_single_use_and_expire(server: Server) -> None:
    client = server.client
    client.post(f"{API}/workstations", json={"code": "W-A", "name": "A"}, headers=ADMIN)
    made = client.post(
        f"{API}/devices/enrolment-codes", json={"workstation": "W-A"}, headers=ADMIN
    ).json()
    assert made["workstation"] == "W-A"
    lifetime = made["expires_at"]
    assert lifetime > utcnow().isoformat()
    first = client.post(
        f"{API}/devices/enrol", json={"code": made["code"].lower(), "name": "Tablet 1"}
    )
    assert first.status_code == 201
    assert first.json()["site"] == "MAIN"
    token = first.json()["token"]
    assert len(token) >= 43  # 256 bits, base64
    again = client.post(f"{API}/devices/enrol", json={"code": made["code"], "name": "Tablet 2"})
    problem(again, 401, "unauthorized")
    problem(
        client.post(f"{API}/devices/enrol", json={"code": "AAAA-BBBB", "name": "x"}),
        401,
        "unauthorized",
    )
    late = client.post(
        f"{API}/devices/enrolment-codes", json={"workstation": "W-A"}, headers=ADMIN
    ).json()
    with server.plant.bus._sessions() as session, session.begin():
        session.execute(
            update(EnrolmentCode)
            .where(EnrolmentCode.used_at.is_(None))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    problem(
        client.post(f"{API}/devices/enrol", json={"code": late["code"], "name": "x"}),
        401,
        "unauthorized",
    )
    problem(
        client.post(f"{API}/devices/enrolment-codes", json={"workstation": "NOPE"}, headers=ADMIN),
        409,  # the collection is there; the workstation named is not
        "not_found",
    )
    with server.plant.bus.read() as session:
        hashes = list(session.scalars(select(ApiToken.token_hash)))
    assert token not in hashes
    assert len(hashes) == 1


def test_a_revoked_device_token_is_401(server: Server) -> None:
    client = server.client
    client.post(f"{API}/workstations", json={"code": "W-A", "name": "A"}, headers=ADMIN)
    device = server.device("W-A")
    assert client.get(f"{API}/work-orders", headers=device).status_code == 200
    devices = client.get(f"{API}/devices", headers=ADMIN).json()
    revoked = client.post(f"{API}/devices/{devices[0]['id']}/revoke", headers=ADMIN)
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    problem(client.get(f"{API}/work-orders", headers=device), 401, "unauthorized")
    problem(client.post(f"{API}/devices/nope/revoke", headers=ADMIN), 404, "not_found")


def test_a_device_reaches_only_its_own_site(server: Server) -> None:
    client = server.client
    client.post(f"{API}/sites", json={"code": "EAST", "name": "East"}, headers=ADMIN)
    client.post(f"{API}/workstations", json={"code": "M-1", "name": "M"}, headers=ADMIN)
    client.post(
        f"{API}/workstations", json={"code": "E-1", "name": "E", "site": "EAST"}, headers=ADMIN
    )
    items = [{"sku": "WIDGET", "qty": 1}]
    east = client.post(
        f"{API}/work-orders", json={"items": items, "site": "EAST"}, headers=ADMIN
    ).json()
    main_wo = client.post(f"{API}/work-orders", json={"items": items}, headers=ADMIN).json()
    client.post(f"{API}/work-orders/{east['id']}/confirm", headers=ADMIN)  # notifies EAST
    kiosk = server.device("M-1")
    problem(client.get(f"{API}/work-orders/{east['id']}", headers=kiosk), 404, "not_found")
    assert client.get(f"{API}/work-orders/{main_wo['id']}", headers=kiosk).status_code == 200
    listed = client.get(f"{API}/work-orders", headers=kiosk).json()
    assert [row["id"] for row in listed] == [main_wo["id"]]
    assert [r["id"] for r in client.get(f"{API}/work-orders?site=EAST", headers=kiosk).json()] == [
        main_wo["id"]
    ]
    problem(client.get(f"{API}/stock/BOLT?site=EAST", headers=kiosk), 403, "forbidden")
    assert client.get(f"{API}/stock/BOLT?site=MAIN", headers=kiosk).json()["site"] == "MAIN"
    assert client.get(f"{API}/stock/BOLT", headers=kiosk).json()["site"] == "MAIN"
    assert client.get(f"{API}/notifications", headers=kiosk).json() == []
    east_note = client.get(f"{API}/notifications", headers=ADMIN).json()[0]
    problem(
        client.post(f"{API}/notifications/{east_note['id']}/ack", headers=kiosk), 404, "not_found"
    )
    east_kiosk = server.device("E-1")
    problem(
        client.post(f"{API}/notifications/{east_note['id']}/ack", headers=east_kiosk),
        403,
        "forbidden",
    )
    client.post(
        f"{API}/operators",
        json={"badge": "9001", "name": "Sue", "pin": "9999", "role": "supervisor"},
        headers=ADMIN,
    )
    acked = client.post(
        f"{API}/notifications/{east_note['id']}/ack",
        json={"supervisor_badge": "9001"},
        headers=east_kiosk,
    )
    assert acked.status_code == 200, acked.text
    assert acked.json()["acknowledged_by"] == "9001"


def test_admin_create_token_prints_a_working_token(
    server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.engine.url.render_as_string(hide_password=False)
    assert main(["admin", "create-token", "--name", "ops", "--database", url]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("kst_")
    answer = server.client.get(f"{API}/work-orders", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
