"""Schemathesis hooks for the OpenAPI truth test: the one rule the schema cannot state.

``schemathesis.toml`` lets ``PUT /products/{sku}/bom`` answer 422 to schema-valid data,
because whether a BOM contains itself depends on the other BOMs, which JSON Schema
cannot see (API.md: "a cycle → 422 naming it"). This check keeps that exemption
exactly that wide: a schema-valid request may be refused as invalid only with a
code listed here, for its operation. Any other 422 to valid data fails the run.
"""

from __future__ import annotations

from typing import Any

import schemathesis

#: Operation label -> the problem codes a schema-valid request may still get as 422.
UNSTATED_RULES: dict[str, frozenset[str]] = {
    "PUT /api/v1/products/{sku}/bom": frozenset({"bom_cycle"}),
    # A hand-planned material names one of the request's own items, is not that item's
    # product, and is listed once per item: rules across fields of one body.
    "POST /api/v1/work-orders": frozenset(
        {"material_item_unknown", "material_of_itself", "material_listed_twice"}
    ),
    # A patch names a line to change or to add, and the lines it adds have ids of their
    # own among themselves.
    "PATCH /api/v1/sales-orders/{sales_order_id}": frozenset(
        {"nothing_to_change", "duplicate_line"}
    ),
}


@schemathesis.check
def only_unstated_rules_refuse_valid_data(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 422 to schema-valid data must name a rule the schema cannot express."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    allowed = UNSTATED_RULES.get(case.operation.label)
    if allowed is None:
        return None  # positive_data_acceptance already fails this one
    code = response.json().get("reason")  # the finer name (a broad code may say validation)
    if code not in allowed:
        raise AssertionError(
            f"{case.operation.label} refused schema-valid data with {code!r}; "
            f"only {sorted(allowed)} are rules the schema cannot state"
        )
    return None
