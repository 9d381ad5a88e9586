"""A stub of Shopify's Admin GraphQL API on loopback, strict about what it is sent.

It checks each request as Shopify documents it (POST of JSON to the versioned
``graphql.json``, the ``X-Shopify-Access-Token`` header, ``query`` and ``variables``;
``inventorySetQuantities`` with ``name: "available"``, a reason, an ``@idempotent``
key and a ``changeFromQuantity`` on every quantity) and answers as Shopify does: the
cost bucket in ``extensions``, ``THROTTLED`` when it is empty, a
``CHANGE_FROM_QUANTITY_STALE`` user error when the quantity moved, the first answer
again for a repeated idempotency key, and (when asked) a 5xx or a 429 now and then.
A request it cannot accept is answered 400 and kept in ``refused``, and the test fails.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "shpat_test_token"
PATH = "/admin/api/2026-10/graphql.json"
_KEY = re.compile(r'@idempotent\(key: "([0-9a-f-]{36})"\)')
_BAD_TOKEN = "no or a wrong X-Shopify-Access-Token"
REASONS = {"correction", "cycle_count_available", "damaged", "movement_created", "restock"}


@dataclass
class ShopifyStub:
    #: SKU -> inventory item gid.
    items: dict[str, str] = field(default_factory=dict)
    #: (inventory item, location gid) -> available.
    available: dict[tuple[str, str], int] = field(default_factory=dict)
    locations: list[str] = field(default_factory=lambda: ["gid://shopify/Location/1001"])
    #: Every n-th request is answered 503 (0: never); every m-th 429 with Retry-After.
    fail_every: int = 0
    limit_every: int = 0
    #: The cost bucket: each query costs 10; it refills with time (``refill``, as the
    #: client waits) and a little with each request (the time between requests).
    bucket: float = 100.0
    restore_per_request: float = 10.0
    restore_rate: float = 50.0
    #: Before the next set of this item, someone changes it in the shop (an order).
    interfere: dict[str, int] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    sets: int = 0
    stale: int = 0
    throttled: int = 0
    faults: int = 0
    _keys: dict[str, dict[str, Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def refill(self, seconds: float) -> None:
        """Time passes for the bucket (the client waited this long)."""
        with self._lock:
            self.bucket = min(self.bucket + seconds * self.restore_rate, 100.0)

    def quantity(self, sku: str, location: str = "gid://shopify/Location/1001") -> int:
        return self.available.get((self.items[sku], location), 0)

    # -- answering -------------------------------------------------------------------

    def answer(self, path: str, headers: Any, raw: bytes) -> tuple[int, dict[str, str], Any]:
        with self._lock:
            n = len(self.requests) + 1
            problem = self._check(path, headers)
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            if problem is None and (not isinstance(body, dict) or "query" not in body):
                problem = "the body is not {query, variables}"
            self.requests.append({"headers": dict(headers), "body": body})
            if problem == _BAD_TOKEN:  # as Shopify answers it
                return 401, {}, {"errors": "[API] Invalid API key or access token"}
            if problem is not None:
                self.refused.append(problem)
                return 400, {}, {"errors": [{"message": problem}]}
            if self.fail_every and n % self.fail_every == 0:
                self.faults += 1
                return 503, {}, {"errors": "Service Unavailable"}
            if self.limit_every and n % self.limit_every == 0:
                self.faults += 1
                return 429, {"Retry-After": "0.5"}, {"errors": "Exceeded 2 calls per second"}
            self.bucket = min(self.bucket + self.restore_per_request, 100.0)
            if self.bucket < 10:
                self.throttled += 1
                return (
                    200,
                    {},
                    {
                        "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                        "extensions": self._cost(10),
                    },
                )
            self.bucket -= 10
            try:
                data = self._run(body["query"], body.get("variables") or {})
            except AssertionError as err:
                self.refused.append(str(err))
                return 400, {}, {"errors": [{"message": str(err)}]}
            return 200, {}, {"data": data, "extensions": self._cost(10)}

    def _check(self, path: str, headers: Any) -> str | None:
        if path != PATH:
            return f"POST to {path}, not {PATH}"
        if headers.get("X-Shopify-Access-Token") != TOKEN:
            return _BAD_TOKEN
        if not (headers.get("Content-Type") or "").startswith("application/json"):
            return "Content-Type is not application/json"
        return None

    def _cost(self, requested: int) -> dict[str, Any]:
        return {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": requested,
                "throttleStatus": {
                    "maximumAvailable": 100.0,
                    "currentlyAvailable": self.bucket,
                    "restoreRate": self.restore_rate,
                },
            }
        }

    def _run(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        if "inventorySetQuantities" in query:
            return self._set(query, variables)
        if "inventoryItems(" in query:
            match = re.fullmatch(r'sku:"(.*)"', variables.get("query", ""))
            assert match, f'inventoryItems query is not sku:"...": {variables!r}'
            sku = match.group(1).replace('\\"', '"').replace("\\\\", "\\")
            item = self.items.get(sku)
            return {"inventoryItems": {"nodes": [{"id": item, "sku": sku}] if item else []}}
        if "inventoryItem(" in query:
            item = variables.get("id")
            assert isinstance(item, str), "inventoryItem without an id"
            assert item.startswith("gid://shopify/InventoryItem/"), item
            if item not in self.items.values():
                return {"inventoryItem": None}
            levels = [
                {
                    "location": {"id": loc},
                    "quantities": [{"name": "available", "quantity": qty}],
                }
                for (it, loc), qty in self.available.items()
                if it == item
            ]
            return {"inventoryItem": {"inventoryLevels": {"nodes": levels}}}
        if "locations(" in query:
            return {"locations": {"nodes": [{"id": loc} for loc in self.locations]}}
        raise AssertionError(f"a query the stub does not know: {query[:80]!r}")

    def _set(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        key = _KEY.search(query)
        assert key, "inventorySetQuantities without an @idempotent key"
        if key.group(1) in self._keys:
            return self._keys[key.group(1)]
        given = variables.get("input") or {}
        assert given.get("name") == "available", "name is not available"
        assert given.get("reason") in REASONS, f"reason {given.get('reason')!r}"
        quantities = given.get("quantities")
        assert isinstance(quantities, list), "quantities is not a list"
        assert quantities, "no quantities"
        for q in quantities:
            assert set(q) == {"inventoryItemId", "locationId", "quantity", "changeFromQuantity"}, q
            assert isinstance(q["quantity"], int), q
            assert q["quantity"] >= 0, q
            assert str(q["locationId"]).startswith("gid://shopify/Location/"), q
        for q in quantities:
            item = q["inventoryItemId"]
            moved = self.interfere.pop(
                next((s for s, i in self.items.items() if i == item), ""), None
            )
            if moved is not None:
                here = (item, q["locationId"])
                self.available[here] = self.available.get(here, 0) + moved
        errors = []
        for n, q in enumerate(quantities):
            now = self.available.get((q["inventoryItemId"], q["locationId"]))
            if q["changeFromQuantity"] is not None and q["changeFromQuantity"] != now:
                errors.append(
                    {
                        "code": "CHANGE_FROM_QUANTITY_STALE",
                        "field": ["input", "quantities", str(n), "changeFromQuantity"],
                        "message": "The quantity has changed since it was read.",
                    }
                )
        if errors:
            self.stale += 1
            result = {"inventoryAdjustmentGroup": None, "userErrors": errors}
        else:
            self.sets += 1
            for q in quantities:
                self.available[(q["inventoryItemId"], q["locationId"])] = q["quantity"]
            group = {"id": f"gid://shopify/InventoryAdjustmentGroup/{self.sets}"}
            result = {"inventoryAdjustmentGroup": group, "userErrors": []}
        answer = {"inventorySetQuantities": result}
        self._keys[key.group(1)] = answer
        return answer


@contextmanager
def serving(stub: ShopifyStub) -> Iterator[str]:
    """The stub on a free loopback port; yields its GraphQL URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, headers, body = stub.answer(self.path, self.headers, raw)
            out = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{PATH}"
    finally:
        server.shutdown()
        server.server_close()
