"""The OpenAPI document as integrators need it: named operations, true errors, links.

FastAPI writes most of it from the routes; this adds what it cannot know. Errors are
problem+json (not its default validation shape). Operations with a body may also
answer 400 (not JSON, not UTF-8) and 413 (over the size limit). Operation ids are the
handlers' names (``cancel_work_order``), so a generated client reads like the API.
Links say which answer feeds which request (a created work order's ``id`` is the
``work_order_id`` of the next call), for clients and for Schemathesis' stateful tests.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from sync.server import problems

#: What any operation that takes a body may also answer.
_BODY_PROBLEMS = (400, 413)

#: (operation, status) -> the operations its answer's ``id`` (or field) leads to.
_LINKS: dict[tuple[str, str], tuple[str, str, tuple[str, ...]]] = {
    ("create_work_order", "201"): (
        "work_order_id",
        "$response.body#/id",
        (
            "get_work_order",
            "edit_work_order",
            "confirm_work_order",
            "retry_work_order_allocation",
            "cancel_work_order",
        ),
    ),
    ("ingest_sales_order", "201"): (
        "sales_order_id",
        "$response.body#/id",
        ("get_sales_order", "change_sales_order", "cancel_sales_order", "delete_sales_order"),
    ),
    ("ingest_sales_order", "200"): (
        "sales_order_id",
        "$response.body#/id",
        ("get_sales_order", "change_sales_order", "cancel_sales_order", "delete_sales_order"),
    ),
    ("enrol_device", "201"): ("device_id", "$response.body#/device_id", ("revoke_device",)),
    ("create_product", "201"): ("sku", "$response.body#/sku", ("get_product", "set_bom")),
    ("create_site", "201"): ("code", "$response.body#/code", ("edit_site",)),
    ("set_shopify_shop", "200"): (
        "shop_domain",
        "$response.body#/shop_domain",
        ("get_shopify_shop", "delete_shopify_shop"),
    ),
}


def operation_id(route: APIRoute) -> str:
    """The handler's name: what a generated client calls the operation."""
    return route.name


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` return the amended document (built once, then cached)."""
    original = app.openapi

    def document() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                _amend(operation)
        app.openapi_schema = schema
        return schema

    app.openapi = document  # type: ignore[method-assign]


def _amend(operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    if "requestBody" in operation:
        for status in _BODY_PROBLEMS:
            responses.setdefault(str(status), _problem(status))
    for code, response in responses.items():
        if code.startswith(("4", "5")) and "content" in response:
            content = response["content"]
            body = content.pop("application/json", None)
            content.setdefault(problems.MEDIA_TYPE, body)
        link = _LINKS.get((operation.get("operationId", ""), code))
        if link is not None:
            parameter, source, targets = link
            response["links"] = {
                target: {"operationId": target, "parameters": {parameter: source}}
                for target in targets
            }


def _problem(status: int) -> dict[str, Any]:
    return {
        "description": HTTPStatus(status).phrase,
        "content": {problems.MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
