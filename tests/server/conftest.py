"""Server test fixtures: an app on the ``engine`` fixture (SQLite and PostgreSQL), clients
with admin and device tokens, and helpers for signed Shopify deliveries."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from sync.server.app import create_app
from sync.server.settings import Settings
from tests.builders import Plant, simple_plant

ADMIN_TOKEN = "test-admin-secret-0123456789abcdef"
SHOPIFY_SECRET = "hush-hush-shopify"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
API = "/api/v1"

_deliveries = itertools.count(1)


@dataclass
class Server:
    client: TestClient
    engine: Engine
    plant: Plant

    @property
    def app(self) -> Any:
        return self.client.app

    def drain(self) -> int:
        """Apply the stored webhook deliveries now (the tests run without the worker thread)."""
        return int(self.app.state.inbox.drain())

    def device(self, workstation: str) -> dict[str, str]:
        """Enrol a kiosk at ``workstation``; its auth header."""
        code = self.client.post(
            f"{API}/devices/enrolment-codes", json={"workstation": workstation}, headers=ADMIN
        ).json()["code"]
        answer = self.client.post(f"{API}/devices/enrol", json={"code": code, "name": "tablet"})
        assert answer.status_code == 201, answer.text
        return {"Authorization": f"Bearer {answer.json()['token']}"}

    def webhook(
        self,
        topic: str,
        payload: dict[str, Any] | bytes,
        *,
        delivery_id: str | None = None,
        secret: str = SHOPIFY_SECRET,
    ) -> Any:
        raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        return self.client.post(
            f"{API}/webhooks/shopify",
            content=raw,
            headers={
                "Content-Type": "application/json",
                "X-Shopify-Topic": topic,
                "X-Shopify-Hmac-Sha256": sign(raw, secret),
                "X-Shopify-Webhook-Id": delivery_id or f"delivery-{next(_deliveries)}",
            },
        )


def sign(raw: bytes, secret: str = SHOPIFY_SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()


@contextmanager
def make_server(engine: Engine, **settings: Any) -> Iterator[Server]:
    values: dict[str, Any] = {
        "admin_token": ADMIN_TOKEN,
        "shopify_secret": SHOPIFY_SECRET,
        "inbox_worker": False,
    }
    values.update(settings)
    app = create_app(engine, Settings(**values))
    with TestClient(app) as client:
        yield Server(client, engine, Plant(engine))


@pytest.fixture
def server(engine: Engine) -> Iterator[Server]:
    """The app on a migrated database with the simple plant (BOLT, PLATE, WIDGET, GADGET)."""
    with make_server(engine) as srv:
        simple_plant(srv.plant)
        yield srv


@pytest.fixture
def client(server: Server) -> TestClient:
    return server.client


def order_payload(
    order_id: int,
    lines: list[tuple[int, str, int]],
    *,
    updated_at: str = "2026-11-20T10:00:00Z",
    cancelled: bool = False,
    financial_status: str = "paid",
) -> dict[str, Any]:
    """A Shopify order as webhooks carry it (only the fields the server reads, and some more)."""
    return {
        "id": order_id,
        "name": f"#{order_id}",
        "created_at": "2026-11-20T09:59:00Z",
        "updated_at": updated_at,
        "cancelled_at": updated_at if cancelled else None,
        "financial_status": financial_status,
        "line_items": [
            {"id": lid, "sku": sku, "quantity": qty + 5, "current_quantity": qty, "title": sku}
            for lid, sku, qty in lines
        ],
    }


def refund_payload(
    refund_id: int, order_id: int, lines: dict[int, int], *, created_at: str
) -> dict[str, Any]:
    return {
        "id": refund_id,
        "order_id": order_id,
        "created_at": created_at,
        "refund_line_items": [
            {"id": refund_id * 10 + i, "line_item_id": lid, "quantity": qty}
            for i, (lid, qty) in enumerate(lines.items())
        ],
    }
