"""Sales orders, notifications and the audit log over HTTP."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.server.conftest import ADMIN, API, Server
from tests.server.helpers import problem

SO = f"{API}/sales-orders"


def ingest(client: TestClient, external_id: str, lines: list[tuple[str, str, object]]) -> dict:  # type: ignore[type-arg]
    answer = client.post(
        SO,
        json={
            "external_id": external_id,
            "lines": [{"line_id": lid, "sku": sku, "qty": qty} for lid, sku, qty in lines],
        },
        headers=ADMIN,
    )
    assert answer.status_code in (200, 201), answer.text
    return answer.json()  # type: ignore[no-any-return]


def test_an_order_is_covered_from_stock_and_work_orders_once(client: TestClient) -> None:
    client.post(f"{API}/stock/receipts", json={"sku": "WIDGET", "qty": 6}, headers=ADMIN)
    first = client.post(
        SO,
        json={
            "external_id": "A-1",
            "lines": [
                {"line_id": 1, "sku": "widget", "qty": 10},
                {"line_id": "2", "sku": "?", "qty": 1},
            ],
        },
        headers=ADMIN,
    )
    assert first.status_code == 201
    order = first.json()
    line, unmatched = order["lines"]
    assert (line["status"], line["qty_from_stock"], line["qty_from_work_orders"]) == (
        "matched",
        "6",
        "4",
    )
    assert len(line["work_order_ids"]) == 1
    assert unmatched["status"] == "unmatched"
    again = client.post(
        SO,
        json={"external_id": "A-1", "lines": [{"line_id": 1, "sku": "widget", "qty": 99}]},
        headers=ADMIN,
    )
    assert again.status_code == 200
    assert again.json() == order
    assert client.get(f"{SO}/{order['id']}", headers=ADMIN).json() == order
    wo = client.get(f"{API}/work-orders/{line['work_order_ids'][0]}", headers=ADMIN).json()
    assert wo["type"] == "MTO"
    assert wo["links"][0] | {"sales_order_id": ""} == {
        "sales_order_id": "",
        "external_id": "A-1",
        "line_id": "1",
        "qty": "4",
    }


def test_change_cancel_and_delete(client: TestClient) -> None:
    for sku in ("BOLT", "PLATE"):
        client.post(f"{API}/stock/receipts", json={"sku": sku, "qty": 20}, headers=ADMIN)
    order = ingest(client, "B-1", [("1", "WIDGET", 3), ("2", "GADGET", 1)])
    wo_id = order["lines"][0]["work_order_ids"][0]
    changed = client.patch(
        f"{SO}/{order['id']}", json={"lines": [{"line_id": "1", "qty": "5"}]}, headers=ADMIN
    )
    assert changed.json()["lines"][0]["qty"] == "5"
    assert (
        client.get(f"{API}/work-orders/{wo_id}", headers=ADMIN).json()["items"][0]["qty_planned"]
        == "5"
    )
    removed = client.patch(
        f"{SO}/{order['id']}", json={"lines": [{"line_id": "1", "qty": 0}]}, headers=ADMIN
    )
    assert removed.json()["lines"][0]["qty"] == "0"
    assert client.get(f"{API}/work-orders/{wo_id}", headers=ADMIN).json()["status"] == "cancelled"
    problem(
        client.patch(
            f"{SO}/{order['id']}", json={"lines": [{"line_id": "9", "qty": 1}]}, headers=ADMIN
        ),
        409,
        "not_found",
    )
    for patch in ({"lines": []}, {"lines": [{"line_id": "2", "qty": -1}]}, {"lines": "all"}):
        problem(client.patch(f"{SO}/{order['id']}", json=patch, headers=ADMIN), 422, "validation")
    cancelled = client.post(f"{SO}/{order['id']}/cancel", headers=ADMIN)
    assert cancelled.json()["status"] == "cancelled"
    problem(client.post(f"{SO}/{order['id']}/cancel", headers=ADMIN), 409, "conflict")
    problem(
        client.patch(
            f"{SO}/{order['id']}", json={"lines": [{"line_id": "2", "qty": 1}]}, headers=ADMIN
        ),
        409,
        "conflict",
    )
    assert client.delete(f"{SO}/{order['id']}", headers=ADMIN).status_code == 204
    problem(client.get(f"{SO}/{order['id']}", headers=ADMIN), 404, "not_found")
    problem(client.delete(f"{SO}/{order['id']}", headers=ADMIN), 404, "not_found")
    problem(client.post(f"{SO}/missing/cancel", headers=ADMIN), 404, "not_found")


def test_malformed_orders_are_422(client: TestClient) -> None:
    for body in (
        {"external_id": "", "lines": [{"line_id": "1", "sku": "WIDGET", "qty": 1}]},
        {"external_id": "X", "lines": []},
        {"external_id": "X", "lines": [{"line_id": "1", "sku": "WIDGET", "qty": "2.5"}]},
        {"external_id": "X", "lines": [{"line_id": "1", "sku": "WIDGET", "qty": 1}] * 2},
        {"external_id": "X" * 101, "lines": [{"line_id": "1", "sku": "WIDGET", "qty": 1}]},
        {"external_id": "X", "source": "fax", "lines": [{"line_id": "1", "sku": "W", "qty": 1}]},
    ):
        problem(client.post(SO, json=body, headers=ADMIN), 422, "validation")


def test_notifications_are_listed_and_acknowledged_once(client: TestClient) -> None:
    ingest(client, "N-1", [("1", "NO-SUCH-SKU", 1)])
    notes = client.get(f"{API}/notifications", headers=ADMIN).json()
    assert [n["kind"] for n in notes] == ["unmatched_sku"]
    note = notes[0]
    acked = client.post(f"{API}/notifications/{note['id']}/ack", headers=ADMIN)
    assert acked.status_code == 200
    assert acked.json()["acknowledged_by"].startswith("admin:")
    problem(client.post(f"{API}/notifications/{note['id']}/ack", headers=ADMIN), 409, "conflict")
    problem(client.post(f"{API}/notifications/nope/ack", headers=ADMIN), 404, "not_found")
    assert client.get(f"{API}/notifications?acknowledged=false", headers=ADMIN).json() == []
    assert len(client.get(f"{API}/notifications?acknowledged=true", headers=ADMIN).json()) == 1


def test_the_audit_log_lists_a_work_orders_commands_oldest_first(client: TestClient) -> None:
    wo = client.post(
        f"{API}/work-orders", json={"items": [{"sku": "WIDGET", "qty": 1}]}, headers=ADMIN
    ).json()
    client.post(f"{API}/work-orders/{wo['id']}/confirm", headers=ADMIN)
    client.post(f"{API}/work-orders/{wo['id']}/confirm", headers=ADMIN)  # refused
    rows = client.get(f"{API}/audit", params={"work_order_id": wo["id"]}, headers=ADMIN).json()
    assert [(r["command_type"], r["result"]) for r in rows] == [
        ("create_work_order", "applied"),
        ("confirm", "applied"),
        ("confirm", "refused"),
    ]
    assert rows[2]["code"] == "invalid_transition"
    assert rows[1]["status_before"] == "draft"
    assert all(r["principal"] == "admin:bootstrap" for r in rows)


def test_a_line_is_fulfilled_over_http_and_the_order_with_it(server: Server) -> None:
    client = server.client
    server.plant.receive("WIDGET", 3)
    body = {"external_id": "SHIP-1", "lines": [{"line_id": "1", "sku": "WIDGET", "qty": 3}]}
    so = client.post(f"{API}/sales-orders", json=body, headers=ADMIN).json()
    done = client.post(f"{API}/sales-orders/{so['id']}/lines/1/fulfil", headers=ADMIN)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "fulfilled"
    assert done.json()["lines"][0]["qty_shipped"] == "3"
    assert client.get(f"{API}/stock/WIDGET", headers=ADMIN).json()["on_hand"] == "0"
    again = client.post(f"{API}/sales-orders/{so['id']}/lines/1/fulfil", headers=ADMIN)
    assert again.status_code == 409  # the order is fulfilled: it changes no more
    body = {"external_id": "SHIP-2", "lines": [{"line_id": "1", "sku": "WIDGET", "qty": 2}]}
    waiting = client.post(f"{API}/sales-orders", json=body, headers=ADMIN).json()
    early = client.post(f"{API}/sales-orders/{waiting['id']}/lines/1/fulfil", headers=ADMIN)
    assert early.status_code == 409
    assert early.json()["reason"] == "line_not_ready"
    missing = client.post(f"{API}/sales-orders/{waiting['id']}/lines/7/fulfil", headers=ADMIN)
    assert missing.status_code == 404
