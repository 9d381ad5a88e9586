"""Master data over HTTP, after creation: listed, read, edited, deactivated, reactivated.

Nothing is deleted; a deactivated thing stays readable and its history stays whole,
but nothing new goes to it, and the refusal says which and why.
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.server.conftest import ADMIN, API
from tests.server.helpers import problem


def _product(client: TestClient, sku: str, name: str) -> None:
    answer = client.post(f"{API}/products", json={"sku": sku, "name": name}, headers=ADMIN)
    assert answer.status_code == 201, answer.text


def test_products_page_filter_and_count(client: TestClient) -> None:
    for n in range(7):
        _product(client, f"RIVET-{n}", f"Rivet size {n}")
    _product(client, "NUT-1", "Hex nut")
    first = client.get(f"{API}/products", params={"q": "rivet", "limit": 3}, headers=ADMIN)
    assert first.status_code == 200
    body = first.json()
    assert body["total"] == 7
    assert first.headers["X-Total-Count"] == "7"
    assert [p["sku"] for p in body["items"]] == ["RIVET-0", "RIVET-1", "RIVET-2"]
    last = client.get(
        f"{API}/products", params={"q": "RIVET", "limit": 3, "offset": 6}, headers=ADMIN
    ).json()
    assert [p["sku"] for p in last["items"]] == ["RIVET-6"]
    by_name = client.get(f"{API}/products", params={"q": "hex"}, headers=ADMIN).json()
    assert [p["sku"] for p in by_name["items"]] == ["NUT-1"]
    for bad in ({"limit": 0}, {"limit": 10_000}, {"offset": -1}, {"active": "perhaps"}):
        problem(client.get(f"{API}/products", params=bad, headers=ADMIN), 422, "validation")
    problem(
        client.get(f"{API}/products", headers={"Authorization": "Bearer nope"}), 401, "unauthorized"
    )


def test_a_product_is_edited_and_its_sku_stays(client: TestClient) -> None:
    _product(client, "CASE", "Case")
    edited = client.patch(
        f"{API}/products/CASE",
        json={"name": "Steel case", "unit": "pcs", "qc_required": True},
        headers=ADMIN,
    )
    assert edited.status_code == 200, edited.text
    assert edited.json() | {"id": "", "bom": None} == {
        "id": "",
        "sku": "CASE",
        "name": "Steel case",
        "unit": "pcs",
        "qc_required": True,
        "active": True,
        "bom": None,
    }
    problem(
        client.patch(f"{API}/products/CASE", json={"name": ""}, headers=ADMIN), 422, "validation"
    )
    problem(
        client.patch(f"{API}/products/CASE", json={"sku": "X"}, headers=ADMIN), 422, "validation"
    )
    problem(
        client.patch(f"{API}/products/NOPE", json={"name": "x"}, headers=ADMIN), 404, "not_found"
    )
    assert client.get(f"{API}/products/CASE", headers=ADMIN).json()["name"] == "Steel case"


def test_a_deactivated_product_takes_no_new_work_orders_and_no_new_bom_lines(
    client: TestClient,
) -> None:
    _product(client, "OLD", "Old part")
    _product(client, "KIT", "Kit")
    _product(client, "STEEL", "Steel sheet")
    built = client.put(
        f"{API}/products/OLD/bom",
        json={"output_qty": "1", "lines": [{"sku": "STEEL", "qty": "1"}]},
        headers=ADMIN,
    )
    assert built.status_code == 200, built.text
    off = client.post(f"{API}/products/OLD/deactivate", headers=ADMIN)
    assert off.status_code == 200
    assert off.json()["active"] is False
    refused = problem(
        client.post(
            f"{API}/work-orders", json={"items": [{"sku": "OLD", "qty": "2"}]}, headers=ADMIN
        ),
        409,
        "conflict",
    )
    assert refused["reason"] == "deactivated"
    assert "OLD" in refused["detail"]
    problem(
        client.put(
            f"{API}/products/KIT/bom",
            json={"output_qty": "1", "lines": [{"sku": "OLD", "qty": "1"}]},
            headers=ADMIN,
        ),
        409,
        "conflict",
    )
    listed = client.get(f"{API}/products", params={"active": "false"}, headers=ADMIN).json()
    assert [p["sku"] for p in listed["items"]] == ["OLD"]
    assert client.post(f"{API}/products/OLD/reactivate", headers=ADMIN).json()["active"] is True
    again = client.post(
        f"{API}/work-orders", json={"items": [{"sku": "OLD", "qty": "2"}]}, headers=ADMIN
    )
    assert again.status_code == 201, again.text


def test_sites_read_deactivate_and_the_default_stays(client: TestClient) -> None:
    assert client.post(
        f"{API}/sites", json={"code": "EAST", "name": "East"}, headers=ADMIN
    ).is_success
    assert client.get(f"{API}/sites/EAST", headers=ADMIN).json()["active"] is True
    problem(client.get(f"{API}/sites/NOPE", headers=ADMIN), 404, "not_found")
    default = problem(client.post(f"{API}/sites/MAIN/deactivate", headers=ADMIN), 409, "conflict")
    assert "default" in default["detail"].lower()
    client.post(
        f"{API}/workstations", json={"code": "E-1", "name": "E", "site": "EAST"}, headers=ADMIN
    )
    busy = problem(client.post(f"{API}/sites/EAST/deactivate", headers=ADMIN), 409, "conflict")
    assert "E-1" in busy["detail"]
    assert client.post(f"{API}/workstations/E-1/deactivate", headers=ADMIN).is_success
    closed = client.post(f"{API}/sites/EAST/deactivate", headers=ADMIN)
    assert closed.status_code == 200
    assert closed.json()["active"] is False
    problem(
        client.post(
            f"{API}/workstations", json={"code": "E-2", "name": "E", "site": "EAST"}, headers=ADMIN
        ),
        409,
        "conflict",
    )
    active = client.get(f"{API}/sites", params={"active": "true"}, headers=ADMIN).json()
    assert [s["code"] for s in active] == ["MAIN"]


def test_a_deactivated_workstation_gets_no_work_and_no_kiosk(client: TestClient) -> None:
    client.post(f"{API}/workstations", json={"code": "W-1", "name": "Weld"}, headers=ADMIN)
    _product(client, "P", "Part")
    renamed = client.patch(
        f"{API}/workstations/W-1", json={"name": "Weld bay", "type": "welding"}, headers=ADMIN
    )
    assert renamed.json()["name"] == "Weld bay"
    assert renamed.json()["type"] == "welding"
    code = client.post(
        f"{API}/devices/enrolment-codes", json={"workstation": "W-1"}, headers=ADMIN
    ).json()["code"]
    assert client.post(f"{API}/workstations/W-1/deactivate", headers=ADMIN).is_success
    problem(
        client.post(
            f"{API}/work-orders",
            json={"items": [{"sku": "P", "qty": "1"}], "workstation": "W-1"},
            headers=ADMIN,
        ),
        409,
        "conflict",
    )
    problem(
        client.post(f"{API}/devices/enrolment-codes", json={"workstation": "W-1"}, headers=ADMIN),
        409,
        "conflict",
    )
    late = client.post(f"{API}/devices/enrol", json={"code": code, "name": "Tablet"})
    assert late.status_code == 409, late.text
    listed = client.get(f"{API}/workstations", params={"active": "false"}, headers=ADMIN).json()
    assert [w["code"] for w in listed] == ["W-1"]
    problem(client.get(f"{API}/workstations/NOPE", headers=ADMIN), 404, "not_found")


def test_an_operator_is_edited_and_a_leaver_is_refused(client: TestClient) -> None:
    client.post(
        f"{API}/operators", json={"badge": "7001", "name": "Ada", "pin": "4711"}, headers=ADMIN
    )
    edited = client.patch(
        f"{API}/operators/7001",
        json={"name": "Ada L.", "role": "supervisor", "pin": "2468"},
        headers=ADMIN,
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["name"] == "Ada L."
    assert edited.json()["role"] == "supervisor"
    assert "2468" not in edited.text
    problem(
        client.patch(f"{API}/operators/7001", json={"pin": "1"}, headers=ADMIN), 422, "validation"
    )
    problem(
        client.patch(f"{API}/operators/7001", json={"role": "boss"}, headers=ADMIN),
        422,
        "validation",
    )
    assert client.get(f"{API}/operators/7001", headers=ADMIN).json()["role"] == "supervisor"
    gone = client.post(f"{API}/operators/7001/deactivate", headers=ADMIN)
    assert gone.status_code == 200
    assert gone.json()["active"] is False
    leavers = client.get(f"{API}/operators", params={"active": "false"}, headers=ADMIN).json()
    assert [o["badge"] for o in leavers] == ["7001"]
    assert (
        client.get(f"{API}/operators", params={"q": "ada"}, headers=ADMIN).json()[0]["badge"]
        == "7001"
    )
    problem(client.get(f"{API}/operators/0000", headers=ADMIN), 404, "not_found")
    audit = client.get(f"{API}/audit", headers=ADMIN).text
    assert "2468" not in audit
    assert "4711" not in audit
