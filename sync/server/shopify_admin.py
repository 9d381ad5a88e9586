"""The few Shopify Admin GraphQL calls the plant makes: find a SKU's inventory item, read
its available quantities, and set them (compare-and-swap, idempotent).

Shopify answers a throttled query with HTTP 200 and an error coded ``THROTTLED``, and
every answer carries the cost bucket (``extensions.cost.throttleStatus``); an
overloaded shop may answer 429 with ``Retry-After``, or 5xx. Each becomes an
exception saying how long to wait, so the caller retries no sooner.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import requests

#: The Admin API version the plant speaks (``changeFromQuantity`` and ``@idempotent``).
API_VERSION = "2026-10"
#: Keep this many cost points in the bucket; below it, wait for the bucket to refill.
COST_RESERVE = 50.0


class ShopifyError(Exception):
    """A call that did not go through; ``retry_after``: seconds to wait before trying
    again (None: it will not go better by waiting, e.g. a wrong token). ``throttled``:
    Shopify is pacing the app (429, THROTTLED), which is flow control, not a failure."""

    def __init__(
        self, message: str, retry_after: float | None = 30.0, *, throttled: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.throttled = throttled


@dataclass(frozen=True)
class QuantityChange:
    inventory_item: str
    location: str
    quantity: int
    #: What Shopify holds now, as last read: Shopify refuses the change if it moved since.
    change_from: int | None


@dataclass(frozen=True)
class UserError:
    code: str
    field: tuple[str, ...]
    message: str


def location_gid(location_id: str) -> str:
    return (
        location_id if location_id.startswith("gid://") else f"gid://shopify/Location/{location_id}"
    )


def location_number(gid: str) -> str:
    return gid.rsplit("/", 1)[-1]


def api_url(shop: str) -> str:
    return f"https://{shop}/admin/api/{API_VERSION}/graphql.json"


_FIND_ITEM = """
query InventoryItemBySku($query: String!) {
  inventoryItems(first: 2, query: $query) { nodes { id sku } }
}"""

_LEVELS = """
query AvailableByLocation($id: ID!) {
  inventoryItem(id: $id) {
    inventoryLevels(first: 100) {
      nodes { location { id } quantities(names: ["available"]) { name quantity } }
    }
  }
}"""

_LOCATIONS = """
query Locations { locations(first: 2) { nodes { id } } }"""

# The idempotency key is a literal: Shopify requires the directive on this mutation
# (2026-04 on), and a retried request with the same key is applied once.
_SET = """
mutation SetAvailable($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) @idempotent(key: "%s") {
    inventoryAdjustmentGroup { id }
    userErrors { code field message }
  }
}"""


class ShopifyAdmin:
    """One shop's Admin API, with its access token (``X-Shopify-Access-Token``)."""

    def __init__(self, url: str, token: str, *, timeout: float = 15.0) -> None:
        self.url = url
        self._http = requests.Session()
        self._http.headers.update(
            {
                "X-Shopify-Access-Token": token,
                "Content-Type": "application/json",
                "Accept": "application/json",
            }
        )
        self.timeout = timeout
        #: Seconds to wait before the next call, from the last answer's cost bucket.
        self.pace = 0.0

    def close(self) -> None:
        self._http.close()

    def inventory_item(self, sku: str) -> str | None:
        """The inventory item whose variant has this SKU (None: the shop does not sell it)."""
        quoted = sku.replace("\\", "\\\\").replace('"', '\\"')
        data = self._call(_FIND_ITEM, {"query": f'sku:"{quoted}"'})
        nodes = data["inventoryItems"]["nodes"]
        exact = [n for n in nodes if str(n.get("sku", "")).lower() == sku.lower()]
        if len(exact) > 1:
            raise ShopifyError(f"the shop has {len(exact)} variants with SKU {sku}", None)
        return str(exact[0]["id"]) if exact else None

    def available(self, inventory_item: str) -> dict[str, int]:
        """Location id (gid) -> the available quantity Shopify holds there now."""
        data = self._call(_LEVELS, {"id": inventory_item})
        item = data.get("inventoryItem")
        if item is None:
            raise ShopifyError(f"inventory item {inventory_item} is gone from the shop", None)
        found: dict[str, int] = {}
        for level in item["inventoryLevels"]["nodes"]:
            for q in level["quantities"]:
                if q["name"] == "available":
                    found[level["location"]["id"]] = int(q["quantity"])
        return found

    def locations(self) -> list[str]:
        """Up to two of the shop's locations (one is all a shop without a map needs)."""
        data = self._call(_LOCATIONS, {})
        return [str(n["id"]) for n in data["locations"]["nodes"]]

    def set_available(
        self, changes: Sequence[QuantityChange], reference: str, key: str | None = None
    ) -> list[UserError]:
        """Set the available quantities; the refusals Shopify gave (none: all set)."""
        variables = {
            "input": {
                "name": "available",
                "reason": "correction",
                "referenceDocumentUri": reference,
                "quantities": [
                    {
                        "inventoryItemId": c.inventory_item,
                        "locationId": c.location,
                        "quantity": c.quantity,
                        "changeFromQuantity": c.change_from,
                    }
                    for c in changes
                ],
            }
        }
        data = self._call(_SET % (key or uuid.uuid4()), variables)
        errors = data["inventorySetQuantities"]["userErrors"]
        return [
            UserError(str(e.get("code") or ""), tuple(e.get("field") or ()), str(e["message"]))
            for e in errors
        ]

    # -- the wire ------------------------------------------------------------------------

    def _call(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        try:
            answer = self._http.post(
                self.url,
                data=json.dumps({"query": query, "variables": variables}),
                timeout=self.timeout,
            )
        except requests.RequestException as err:
            raise ShopifyError(f"Shopify cannot be reached: {type(err).__name__}") from None
        if answer.status_code == 429:
            raise ShopifyError(
                "Shopify says: too many requests", _retry_after(answer, 2.0), throttled=True
            )
        if answer.status_code >= 500:
            raise ShopifyError(f"Shopify answered {answer.status_code}", _retry_after(answer, 5.0))
        if answer.status_code in (401, 403):
            raise ShopifyError(
                f"Shopify refused the access token ({answer.status_code}): check "
                "KIOSK_SHOPIFY_ADMIN_TOKEN and its write_inventory scope",
                None,
            )
        if answer.status_code != 200:
            raise ShopifyError(f"Shopify answered {answer.status_code}", 60.0)
        try:
            body = answer.json()
        except ValueError:
            raise ShopifyError("Shopify's answer is not JSON", 30.0) from None
        self.pace = _pace(body)
        errors = body.get("errors") or []
        if any((e.get("extensions") or {}).get("code") == "THROTTLED" for e in errors):
            raise ShopifyError("Shopify throttled the call", max(self.pace, 1.0), throttled=True)
        if errors:
            raise ShopifyError(
                "Shopify refused the query: "
                + "; ".join(str(e.get("message", e)) for e in errors)[:500],
                None,
            )
        data = body.get("data")
        if not isinstance(data, dict):
            raise ShopifyError("Shopify's answer has no data", 30.0)
        return data


def _retry_after(answer: requests.Response, default: float) -> float:
    try:
        return max(float(answer.headers.get("Retry-After", default)), 0.0)
    except ValueError:
        return default


def _pace(body: dict[str, Any]) -> float:
    """Seconds until the cost bucket holds the reserve again (0: call at will)."""
    status = ((body.get("extensions") or {}).get("cost") or {}).get("throttleStatus") or {}
    try:
        available = float(status["currentlyAvailable"])
        restore = float(status["restoreRate"])
    except (KeyError, TypeError, ValueError):
        return 0.0
    if available >= COST_RESERVE or restore <= 0:
        return 0.0
    return (COST_RESERVE - available) / restore
