"""Sub-assembly routing over HTTP: a BOM's step names a workstation type; the table's
work order lists the top's step first, at the cutting station, in its ``steps``."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.server.conftest import ADMIN, API


def post(client: TestClient, path: str, body: dict) -> dict:  # type: ignore[type-arg]
    answer = client.post(f"{API}{path}", json=body, headers=ADMIN)
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


def test_the_tables_work_order_carries_the_tops_step_at_the_cutting_station(
    client: TestClient,
) -> None:
    for sku in ("TABLE", "TOP", "BOARD", "LEG"):
        post(client, "/products", {"sku": sku, "name": sku.title()})
    post(client, "/workstations", {"code": "ASM-1", "name": "Assembly", "type": "assembly"})
    post(client, "/workstations", {"code": "CUT-1", "name": "Saw", "type": "cutting"})
    boms = {
        "TOP": ([("BOARD", 2)], ("Cut and glue", "Clamp 30 min.", "cutting")),
        "TABLE": ([("TOP", 1), ("LEG", 4)], ("Assemble", "", "assembly")),
    }
    for sku, (lines, (name, instructions, ws_type)) in boms.items():
        answer = client.put(
            f"{API}/products/{sku}/bom",
            json={
                "lines": [{"sku": s, "qty": q} for s, q in lines],
                "steps": [
                    {"name": name, "instructions": instructions, "workstation_type": ws_type}
                ],
            },
            headers=ADMIN,
        )
        assert answer.status_code == 200, answer.text
    wo = post(
        client, "/work-orders", {"items": [{"sku": "TABLE", "qty": 2}], "workstation": "ASM-1"}
    )
    assert [
        (s["name"], s["workstation"], s["workstation_type"], s["instructions"]) for s in wo["steps"]
    ] == [
        ("Top: Cut and glue", "CUT-1", "cutting", "Clamp 30 min."),
        ("Assemble", "ASM-1", "assembly", ""),
    ]
    assert {m["sku"]: m["required"] for m in wo["materials"]} == {"BOARD": "4", "LEG": "8"}
