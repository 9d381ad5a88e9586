"""The OpenAPI document: names an integrator can read, errors it can expect, methods it
can probe, and the field rules the server enforces written where a client can see them."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.server.conftest import ADMIN, API, Server
from tests.server.helpers import problem


def document(server: Server) -> dict[str, Any]:
    return server.client.get("/openapi.json").json()  # type: ignore[no-any-return]


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
    ]


def test_operation_ids_are_unique_handler_names(server: Server) -> None:
    ids = [op["operationId"] for _, _, op in operations(document(server))]
    assert len(ids) == len(set(ids)), sorted(ids)
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", i) for i in ids), ids
    assert {"list_work_orders", "cancel_work_order", "cancel_sales_order"} <= set(ids)


def test_every_body_operation_documents_unreadable_and_oversized_bodies(server: Server) -> None:
    with_body = [(m, p, op) for m, p, op in operations(document(server)) if "requestBody" in op]
    assert len(with_body) > 15
    for method, path, op in with_body:
        for status in ("400", "413", "422"):
            content = op["responses"][status]["content"]
            assert list(content) == ["application/problem+json"], (method, path, status)
    # And the server answers them so.
    answer = server.client.post(
        f"{API}/stock/receipts",
        content=b"\xff\xfe",
        headers={**ADMIN, "Content-Type": "application/json"},
    )
    assert answer.status_code in (400, 422)
    assert (
        str(answer.status_code)
        in document(server)["paths"][f"{API}/stock/receipts"]["post"]["responses"]
    )


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        (f"{API}/work-orders/some-id", "GET, HEAD, OPTIONS, PATCH"),
        (f"{API}/sales-orders/some-id", "DELETE, GET, HEAD, OPTIONS, PATCH"),
        (f"{API}/work-orders", "GET, HEAD, OPTIONS, POST"),
        # A literal path wins over /stock/{sku}, as it does in the router.
        (f"{API}/stock/receipts", "OPTIONS, POST"),
    ],
)
def test_options_and_405_name_every_method_of_the_resource(
    server: Server, path: str, allowed: str
) -> None:
    probe = server.client.options(path)
    assert probe.status_code == 204
    assert probe.headers["allow"] == allowed
    wrong = server.client.put(path, headers=ADMIN, json={})
    problem(wrong, 405, "method_not_allowed")
    assert wrong.headers["allow"] == allowed


def test_an_unknown_path_is_404_for_every_method(server: Server) -> None:
    for method in ("GET", "OPTIONS", "DELETE"):
        answer = server.client.request(method, f"{API}/no-such-thing", headers=ADMIN)
        assert answer.status_code == 404, method


#: (schema, field, a value the server refuses as invalid): each must be refused by the
#: document too, so a client can check before it sends.
REFUSED = [
    ("OperatorIn", "pin", ""),
    ("OperatorIn", "pin", "12a4"),
    ("ItemIn", "qty", "0"),
    ("ItemIn", "qty", "0.0"),
    ("ReceiptIn", "qty", "0.00001"),
    ("AdjustmentIn", "reason", ""),
    ("AdjustmentIn", "reason", "   "),
    ("AdjustmentIn", "qty_delta", "0"),
    ("SiteIn", "code", "MA\x00IN"),
    ("CancelIn", "reason", "\x00"),
]


def _branches(field: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in field.get("anyOf", [field]) if b.get("type") == "string"]


@pytest.mark.parametrize(("schema", "field", "value"), REFUSED)
def test_field_rules_are_in_the_document(
    server: Server, schema: str, field: str, value: str
) -> None:
    spec = document(server)["components"]["schemas"][schema]["properties"][field]
    strings = _branches(spec)
    assert strings, spec

    def allows(branch: dict[str, Any]) -> bool:
        if len(value) < branch.get("minLength", 0):
            return False
        pattern = branch.get("pattern")
        # ECMAScript semantics: $ is the very end (Python's re would allow a final \n).
        return pattern is None or re.search(pattern, value) is not None

    assert not any(allows(b) for b in strings), (schema, field, value, strings)


def test_numbers_rules_are_in_the_document(server: Server) -> None:
    schemas = document(server)["components"]["schemas"]
    qty = schemas["ItemIn"]["properties"]["qty"]["anyOf"]
    assert {"type": "integer", "minimum": 1, "maximum": 1_000_000} in qty
    assert schemas["ProductIn"]["properties"]["qc_required"]["type"] == "boolean"


def test_strict_booleans_and_counts(server: Server) -> None:
    client = server.client
    for flag in (0, 1, "true", "yes"):
        answer = client.post(
            f"{API}/products",
            json={"sku": f"FLAG-{flag}", "name": "Flag", "qc_required": flag},
            headers=ADMIN,
        )
        problem(answer, 422, "validation")
    made = client.post(
        f"{API}/products", json={"sku": "FLAG", "name": "Flag", "qc_required": True}, headers=ADMIN
    )
    assert made.status_code == 201, made.text
    for priority in ("2", True, 2.5):
        answer = client.post(
            f"{API}/work-orders",
            json={"items": [{"sku": "WIDGET", "qty": 1}], "priority": priority},
            headers=ADMIN,
        )
        problem(answer, 422, "validation")
    listed = client.get(f"{API}/notifications", params={"acknowledged": "yes"}, headers=ADMIN)
    problem(listed, 422, "validation")
