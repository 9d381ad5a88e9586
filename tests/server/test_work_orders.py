"""Work orders over HTTP: create, list with filters, read, edit, confirm, retry, cancel."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.server.conftest import ADMIN, API, Server
from tests.server.helpers import problem

WO = f"{API}/work-orders"


def create(client: TestClient, sku: str, qty: object, **fields: object) -> dict:  # type: ignore[type-arg]
    answer = client.post(WO, json={"items": [{"sku": sku, "qty": qty}], **fields}, headers=ADMIN)
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


def test_a_work_order_reads_with_every_contract_field(client: TestClient) -> None:
    wo = create(client, "WIDGET", "3", name="Widgets for Monday", priority=2)
    assert wo["status"] == "draft"
    assert wo["type"] == "MTS"
    assert wo["number"].startswith("WO-")
    assert wo["items"][0] | {"name": ""} == {
        "sku": "WIDGET",
        "name": "",
        "qty_planned": "3",
        "qty_built": "0",
        "qty_done": "0",
        "qty_awaiting_qc": "0",
        "qty_rework_pending": "0",
        "qty_scrapped": "0",
        "qc_required": False,
    }
    assert {m["sku"]: m["required"] for m in wo["materials"]} == {"BOLT": "6", "PLATE": "3"}
    assert [s["name"] for s in wo["steps"]] == ["Cut", "Weld"]
    assert wo["links"] == []
    assert wo["hold"] is None
    assert wo["messages"] == []
    contract = {"id", "number", "name", "status", "type", "workstation", "scheduled_at"}
    contract |= {"priority", "items", "materials", "steps", "links", "hold", "messages", "version"}
    assert contract <= wo.keys()
    read = client.get(f"{WO}/{wo['id']}", headers=ADMIN)
    assert read.json() == wo
    problem(client.get(f"{WO}/no-such-id", headers=ADMIN), 404, "not_found")


def test_confirm_blocks_then_a_receipt_unblocks_and_cancel_ends_it(client: TestClient) -> None:
    wo = create(client, "WIDGET", 2)
    confirmed = client.post(f"{WO}/{wo['id']}/confirm", headers=ADMIN).json()
    assert confirmed["status"] == "blocked"
    assert {m["sku"]: m["short"] for m in confirmed["materials"]} == {"BOLT": "4", "PLATE": "2"}
    retry = client.post(f"{WO}/{wo['id']}/retry-allocation", headers=ADMIN)
    assert retry.json()["status"] == "blocked"
    client.post(f"{API}/stock/receipts", json={"sku": "BOLT", "qty": 10}, headers=ADMIN)
    receipt = client.post(f"{API}/stock/receipts", json={"sku": "PLATE", "qty": 10}, headers=ADMIN)
    assert receipt.json()["unblocked"] == [wo["number"]]
    assert client.get(f"{WO}/{wo['id']}", headers=ADMIN).json()["status"] == "ready"
    problem(client.post(f"{WO}/{wo['id']}/confirm", headers=ADMIN), 409, "invalid_transition")
    problem(
        client.post(f"{WO}/{wo['id']}/retry-allocation", headers=ADMIN), 409, "invalid_transition"
    )
    cancelled = client.post(f"{WO}/{wo['id']}/cancel", json={"reason": "not needed"}, headers=ADMIN)
    assert cancelled.json()["status"] == "cancelled"
    assert client.get(f"{API}/stock/BOLT", headers=ADMIN).json()["reserved"] == "0"
    problem(client.post(f"{WO}/{wo['id']}/cancel", headers=ADMIN), 409, "invalid_transition")
    problem(
        client.patch(f"{WO}/{wo['id']}", json={"name": "late"}, headers=ADMIN),
        409,
        "invalid_transition",
    )
    for action in ("confirm", "retry-allocation", "cancel"):
        problem(client.post(f"{WO}/nope/{action}", headers=ADMIN), 404, "not_found")


def test_edit_changes_what_the_status_allows(client: TestClient) -> None:
    client.post(f"{API}/workstations", json={"code": "W1", "name": "Weld 1"}, headers=ADMIN)
    wo = create(client, "WIDGET", 2)
    edited = client.patch(
        f"{WO}/{wo['id']}",
        json={
            "name": "Rush",
            "priority": 1,
            "workstation": "W1",
            "scheduled_at": "2026-12-01T08:00:00",
            "items": [{"sku": "widget", "qty": "5"}],
            "notes": "call Bob",
        },
        headers=ADMIN,
    )
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert (body["name"], body["priority"], body["workstation"]) == ("Rush", 1, "W1")
    assert body["scheduled_at"].startswith("2026-12-01T08:00:00")
    assert body["items"][0]["qty_planned"] == "5"
    assert body["version"] > wo["version"]
    bad = [
        {"priority": 9},
        {"priority": "high"},
        {"items": [{"sku": "WIDGET", "qty": "2.5"}]},
        {"scheduled_at": "next tuesday"},
        {"nmae": "typo"},
    ]
    for patch in bad:
        problem(client.patch(f"{WO}/{wo['id']}", json=patch, headers=ADMIN), 422, "validation")
    problem(
        client.patch(f"{WO}/{wo['id']}", json={"workstation": "NOPE"}, headers=ADMIN),
        409,
        "not_found",
    )
    problem(client.patch(f"{WO}/missing", json={"name": "x"}, headers=ADMIN), 404, "not_found")


def test_creating_refuses_bad_input(client: TestClient) -> None:
    for body in (
        {"items": []},
        {"items": [{"sku": "WIDGET", "qty": 0}]},
        {"items": [{"sku": "WIDGET", "qty": "1.5"}]},
        {"items": [{"sku": "WIDGET", "qty": 1}], "priority": 0},
        {},
    ):
        problem(client.post(WO, json=body, headers=ADMIN), 422, "validation")
    # Facts about the plant, not about the request: 409.
    no_bom = client.post(WO, json={"items": [{"sku": "BOLT", "qty": 1}]}, headers=ADMIN)
    problem(no_bom, 409, "no_bom")
    problem(
        client.post(WO, json={"items": [{"sku": "NOPE", "qty": 1}]}, headers=ADMIN),
        409,
        "not_found",
    )


def test_the_list_filters_by_status_text_skus_and_workstation(server: Server) -> None:
    client = server.client
    client.post(f"{API}/workstations", json={"code": "W1", "name": "Weld 1"}, headers=ADMIN)
    widgets = create(client, "WIDGET", 1, name="Blue widgets", workstation="W1")
    gadgets = create(client, "GADGET", 1, name="Gadgets", priority=1)
    client.post(f"{WO}/{gadgets['id']}/confirm", headers=ADMIN)  # blocked

    def ids(**params: object) -> list[str]:
        answer = client.get(WO, params=params, headers=ADMIN)
        assert answer.status_code == 200, answer.text
        assert int(answer.headers["x-total-count"]) >= len(answer.json())
        return [row["id"] for row in answer.json()]

    assert ids() == [gadgets["id"], widgets["id"]]  # most urgent first
    assert ids(status="draft") == [widgets["id"]]
    assert ids(status=["draft", "blocked"]) == [gadgets["id"], widgets["id"]]
    assert ids(q="blue") == [widgets["id"]]
    assert ids(q=gadgets["number"]) == [gadgets["id"]]
    assert ids(q="%") == []
    assert ids(output_sku="gadget") == [gadgets["id"]]
    # A gadget's widget is spread into bolts and plates (no widgets in stock).
    assert ids(input_sku="PLATE") == [gadgets["id"], widgets["id"]]
    assert ids(input_sku="GADGET") == []
    assert ids(workstation="W1") == [widgets["id"]]
    assert ids(limit=1) == [gadgets["id"]]
    assert ids(limit=1, offset=1) == [widgets["id"]]
    row = client.get(WO, params={"q": "blue"}, headers=ADMIN).json()[0]
    assert row["items"] == [{"sku": "WIDGET", "qty_planned": "1", "qty_done": "0"}]
    for params in ({"status": "nope"}, {"limit": 0}, {"limit": "many"}, {"offset": -1}):
        problem(client.get(WO, params=params, headers=ADMIN), 422, "validation")
    problem(client.get(WO, params={"site": "NOPE"}, headers=ADMIN), 404, "not_found")


def test_materials_planned_by_hand_over_http(client: TestClient) -> None:
    client.post(f"{API}/products", json={"sku": "BRACKET", "name": "Bracket"}, headers=ADMIN)
    body = {
        "items": [{"sku": "BRACKET", "qty": 4}],
        "materials": [{"sku": "BOLT", "qty": "10"}, {"sku": "PLATE", "qty": 1.5}],
    }
    answer = client.post(WO, json=body, headers=ADMIN)
    assert answer.status_code == 201, answer.text
    wo = answer.json()
    assert wo["materials_by_hand"] is True
    assert {m["sku"]: m["required"] for m in wo["materials"]} == {"BOLT": "10", "PLATE": "1.5"}
    confirmed = client.post(f"{WO}/{wo['id']}/confirm", headers=ADMIN).json()
    assert {m["sku"]: m["required"] for m in confirmed["materials"]} == {
        "BOLT": "10",
        "PLATE": "1.5",
    }
    # A spread work order says it was not planned by hand.
    assert create(client, "WIDGET", 1)["materials_by_hand"] is False

    refusals = [
        ({"sku": "BOLT", "qty": 0}, 422, "validation"),
        ({"sku": "BOLT", "qty": "NaN"}, 422, "validation"),
        ({"sku": "BOLT", "qty": 1, "for_sku": "WIDGET"}, 422, "validation"),
        ({"sku": "BRACKET", "qty": 1}, 422, "validation"),
        ({"sku": "NOPE", "qty": 1}, 409, "not_found"),
        ({"sku": "BOLT", "qty": 1, "colour": "red"}, 422, "validation"),
    ]
    before = client.get(WO, headers=ADMIN).json()
    for material, status, code in refusals:
        body = {"items": [{"sku": "BRACKET", "qty": 1}], "materials": [material]}
        problem(client.post(WO, json=body, headers=ADMIN), status, code)
    assert client.get(WO, headers=ADMIN).json() == before
