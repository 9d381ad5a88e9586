"""Master data over HTTP: products, BOMs, sites, workstations, operators and stock."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.server.conftest import ADMIN, API, Server
from tests.server.helpers import problem

MALFORMED_PRODUCTS = [
    {},
    {"sku": "A"},
    {"sku": "", "name": "x"},
    {"sku": "A", "name": "x", "qc_required": "maybe"},
    {"sku": "A" * 101, "name": "x"},
    {"sku": "A\x00B", "name": "x"},
    {"sku": "A", "name": "x", "colour": "red"},
    [],
    "text",
]


def test_a_malformed_product_is_a_422(client: TestClient) -> None:
    for body in MALFORMED_PRODUCTS:
        problem(client.post(f"{API}/products", json=body, headers=ADMIN), 422, "validation")
    not_json = client.post(
        f"{API}/products", content=b"{sku", headers={**ADMIN, "Content-Type": "application/json"}
    )
    problem(not_json, 422, "validation")


def test_a_bom_is_replaced_and_a_cycle_is_named(client: TestClient) -> None:
    answer = client.put(
        f"{API}/products/PLATE/bom",
        json={
            "output_qty": "2",
            "lines": [{"sku": "BOLT", "qty": "0.5"}],
            "steps": [{"name": "Cut", "instructions": "Straight", "workstation_type": "saw"}],
        },
        headers=ADMIN,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["bom"] == {
        "output_qty": "2",
        "lines": [{"sku": "BOLT", "qty": "0.5"}],
        "steps": [
            {
                "name": "Cut",
                "instructions": "Straight",
                "workstation_type": "saw",
                "standard_minutes": None,
            }
        ],
    }
    cycle = client.put(
        f"{API}/products/BOLT/bom", json={"lines": [{"sku": "GADGET", "qty": 1}]}, headers=ADMIN
    )
    body = problem(cycle, 422, "bom_cycle")
    assert "BOLT" in body["detail"]
    assert "GADGET" in body["detail"]
    unknown = client.put(
        f"{API}/products/BOLT/bom", json={"lines": [{"sku": "NOPE", "qty": 1}]}, headers=ADMIN
    )
    problem(unknown, 409, "not_found")  # the product is there; a component is not
    for qty in ("abc", "-1", 0, "1e400", True, "NaN", "0.00001"):
        bad = client.put(
            f"{API}/products/PLATE/bom",
            json={"lines": [{"sku": "BOLT", "qty": qty}]},
            headers=ADMIN,
        )
        problem(bad, 422, "validation")


def test_a_site_lists_and_edits_its_name_and_how_people_identify(client: TestClient) -> None:
    sites = client.get(f"{API}/sites", headers=ADMIN)
    assert sites.status_code == 200
    (main,) = sites.json()
    assert (main["code"], main["is_default"], main["identify_by"]) == ("MAIN", True, "badge_scan")
    edited = client.patch(
        f"{API}/sites/MAIN",
        json={"name": "Plant 1", "identify_by": "badge_and_pin"},
        headers=ADMIN,
    )
    assert edited.status_code == 200
    assert (edited.json()["name"], edited.json()["identify_by"]) == ("Plant 1", "badge_and_pin")
    problem(
        client.patch(f"{API}/sites/MAIN", json={"identify_by": "face"}, headers=ADMIN),
        422,
        "validation",
    )
    problem(client.patch(f"{API}/sites/NOPE", json={"name": "x"}, headers=ADMIN), 404, "not_found")
    assert client.get(f"{API}/sites", headers=ADMIN).json()[0]["identify_by"] == "badge_and_pin"


def test_sites_and_workstations(client: TestClient) -> None:
    site = client.post(f"{API}/sites", json={"code": "EAST", "name": "East"}, headers=ADMIN)
    assert site.status_code == 201
    assert site.json()["is_default"] is False
    problem(
        client.post(f"{API}/sites", json={"code": "EAST", "name": "Again"}, headers=ADMIN),
        409,
        "conflict",
    )
    ws = client.post(
        f"{API}/workstations",
        json={"code": "E-1", "name": "East weld", "type": "welding", "site": "EAST"},
        headers=ADMIN,
    )
    assert ws.status_code == 201
    assert ws.json() | {"id": ""} == {
        "id": "",
        "code": "E-1",
        "name": "East weld",
        "type": "welding",
        "site": "EAST",
        "active": True,
    }
    default = client.post(f"{API}/workstations", json={"code": "M-1", "name": "M"}, headers=ADMIN)
    assert default.json()["site"] == "MAIN"
    problem(
        client.post(
            f"{API}/workstations", json={"code": "X", "name": "X", "site": "NOPE"}, headers=ADMIN
        ),
        409,
        "not_found",
    )


def test_operators_never_show_their_pin(client: TestClient) -> None:
    answer = client.post(
        f"{API}/operators",
        json={"badge": "7001", "name": "Ada", "pin": "4711", "role": "supervisor"},
        headers=ADMIN,
    )
    assert answer.status_code == 201
    assert answer.json().keys() == {"id", "badge", "name", "role", "active", "site"}
    # Not in any value either (the random id may contain any four digits, by chance).
    shown = {key: value for key, value in answer.json().items() if key != "id"}
    assert "4711" not in repr(shown)
    problem(
        client.post(
            f"{API}/operators", json={"badge": "7002", "name": "B", "pin": "12"}, headers=ADMIN
        ),
        422,
        "validation",
    )
    problem(
        client.post(
            f"{API}/operators",
            json={"badge": "7003", "name": "B", "pin": "1234", "role": "boss"},
            headers=ADMIN,
        ),
        422,
        "validation",
    )
    problem(
        client.post(
            f"{API}/operators", json={"badge": "7001", "name": "B", "pin": "1234"}, headers=ADMIN
        ),
        409,
        "conflict",
    )
    audit = client.get(f"{API}/audit", headers=ADMIN)
    assert "4711" not in audit.text
    assert "pin_hash" not in audit.text


def test_stock_receipts_adjustments_and_levels(client: TestClient) -> None:
    got = client.post(f"{API}/stock/receipts", json={"sku": "bolt", "qty": "2.5"}, headers=ADMIN)
    assert got.status_code == 200
    assert got.json() == {
        "sku": "BOLT",
        "site": "MAIN",
        "on_hand": "2.5",
        "reserved": "0",
        "available": "2.5",
        "unblocked": [],
    }
    got = client.post(f"{API}/stock/receipts", json={"sku": "BOLT", "qty": 0.1}, headers=ADMIN)
    assert got.json()["on_hand"] == "2.6"
    short = client.post(
        f"{API}/stock/adjustments",
        json={"sku": "BOLT", "qty_delta": "-5", "reason": "count"},
        headers=ADMIN,
    )
    problem(short, 409, "insufficient_stock")
    problem(
        client.post(
            f"{API}/stock/adjustments",
            json={"sku": "BOLT", "qty_delta": "-1", "reason": " "},
            headers=ADMIN,
        ),
        422,
        "validation",
    )
    adjusted = client.post(
        f"{API}/stock/adjustments",
        json={"sku": "BOLT", "qty_delta": "-0.6", "reason": "count"},
        headers=ADMIN,
    )
    assert adjusted.json()["on_hand"] == "2"
    level = client.get(f"{API}/stock/BOLT", headers=ADMIN)
    assert level.json()["available"] == "2"
    problem(client.get(f"{API}/stock/BOLT?site=NOPE", headers=ADMIN), 404, "not_found")
    for qty in ("x", 2_000_000, None, [], "1e3.5"):
        bad = client.post(f"{API}/stock/receipts", json={"sku": "BOLT", "qty": qty}, headers=ADMIN)
        problem(bad, 422, "validation")


def test_the_default_site_is_listed_and_renamed_code_and_all(server: Server) -> None:
    client = server.client
    client.post(f"{API}/workstations", json={"code": "W-1", "name": "Bench"}, headers=ADMIN)
    kiosk = server.device("W-1")
    shop = "acme.myshopify.com"
    client.put(f"{API}/shopify/shops/{shop}", json={"site": "MAIN"}, headers=ADMIN)
    (main,) = client.get(f"{API}/sites", headers=ADMIN).json()
    assert (main["code"], main["is_default"]) == ("MAIN", True)

    renamed = client.patch(
        f"{API}/sites/MAIN", json={"code": "PLANT1", "name": "Plant 1"}, headers=ADMIN
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json() | {"id": ""} == {
        "id": "",
        "code": "PLANT1",
        "name": "Plant 1",
        "is_default": True,
        "identify_by": "badge_scan",
        "active": True,
    }
    assert [s["code"] for s in client.get(f"{API}/sites", headers=ADMIN).json()] == ["PLANT1"]
    # Everything refers to the site by id, so every reference follows the new code.
    assert client.get(f"{API}/shopify/shops/{shop}", headers=ADMIN).json()["site"] == "PLANT1"
    assert client.get(f"{API}/stock/BOLT?site=PLANT1", headers=ADMIN).json()["site"] == "PLANT1"
    pulled = client.get(f"{API}/sync/pull", headers=kiosk).json()["changes"]
    assert [c["data"]["code"] for c in pulled if c["entity"] == "site"] == ["PLANT1"]
    problem(client.patch(f"{API}/sites/MAIN", json={"name": "x"}, headers=ADMIN), 404, "not_found")
    default = client.post(f"{API}/workstations", json={"code": "W-2", "name": "B"}, headers=ADMIN)
    assert default.json()["site"] == "PLANT1"

    client.post(f"{API}/sites", json={"code": "EAST", "name": "East"}, headers=ADMIN)
    taken = client.patch(f"{API}/sites/EAST", json={"code": "PLANT1"}, headers=ADMIN)
    problem(taken, 409, "conflict")
    moved = client.patch(f"{API}/sites/EAST", json={"is_default": True}, headers=ADMIN)
    assert moved.json()["is_default"] is True
    listed = client.get(f"{API}/sites", headers=ADMIN).json()
    assert [(s["code"], s["is_default"]) for s in listed] == [("EAST", True), ("PLANT1", False)]
    no_default = client.patch(f"{API}/sites/EAST", json={"is_default": False}, headers=ADMIN)
    problem(no_default, 422, "validation")
