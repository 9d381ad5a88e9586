"""Shopify webhooks: verify the raw body's signature, store the delivery, answer at once."""

from __future__ import annotations

import hashlib
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from kiosk import queries
from kiosk.commands import Actor, ReplayWebhookDelivery
from kiosk.domain.errors import NotFound
from sync.server import logs, shopify, views
from sync.server.auth import Admin, refuse
from sync.server.inbox import Inbox
from sync.server.problems import PROBLEM_RESPONSES
from sync.server.state import ServerState, State

router = APIRouter(prefix="/webhooks", tags=["webhooks"], responses=PROBLEM_RESPONSES)


class WebhookAck(BaseModel):
    #: accepted (stored, applied shortly), duplicate (seen before) or ignored (other topic)
    status: str


_RAW_BODY = {
    "requestBody": {
        "required": True,
        "description": "The order or refund exactly as Shopify sent it; the signature is "
        "computed over these bytes.",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


@router.post("/shopify", openapi_extra=_RAW_BODY)
async def shopify_webhook(
    request: Request,
    state: State,
    x_shopify_hmac_sha256: str | None = Header(None),
    x_shopify_topic: str | None = Header(None),
    x_shopify_webhook_id: str | None = Header(None),
    x_shopify_event_id: str | None = Header(None),
    x_shopify_shop_domain: str | None = Header(None),
) -> WebhookAck:
    """Answered as soon as the delivery is stored; the worker applies it right after, at
    the site its shop (``X-Shopify-Shop-Domain``) or the order's location is routed to
    (``PUT /shopify/shops/{shop_domain}``); with no route it waits for one."""
    raw = await request.body()
    if not shopify.verify(state.settings.shopify_secret, raw, x_shopify_hmac_sha256):
        raise await run_in_threadpool(
            refuse, state, request, 401, "The webhook signature does not verify."
        )
    topic = (x_shopify_topic or "").strip()
    key = (x_shopify_event_id or x_shopify_webhook_id or "").strip()
    key = key or "sha256:" + hashlib.sha256(raw).hexdigest()
    inbox = request.app.state.inbox
    stored = await run_in_threadpool(
        inbox.store, key, topic, raw, logs.request_id.get(), x_shopify_shop_domain
    )
    if topic not in shopify.TOPICS:
        return WebhookAck(status="ignored")  # kept, and listed as ignored
    return WebhookAck(status="accepted" if stored else "duplicate")


# -- what was delivered, and replaying it -------------------------------------------------

PublicStatus = Literal["applied", "deferred", "ignored", "failed"]
IdPath = Path(max_length=36)


@router.get("/shopify/deliveries")
def list_deliveries(
    response: Response,
    _: Admin,
    state: State,
    status: Annotated[list[PublicStatus] | None, Query()] = None,
    topic: Annotated[str | None, Query(max_length=100)] = None,
    order: Annotated[str | None, Query(max_length=64, description="A Shopify order id")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[views.DeliveryOut]:
    """Every delivery the shop sent, newest first: its topic, event id, order, when it
    arrived, what became of it (``applied``, ``deferred``: waiting for its order or a
    route, ``ignored``: nothing to do, ``failed``) and why. The total is in
    ``X-Total-Count``. The payload is in each delivery's own read."""
    filters = queries.DeliveryFilters(statuses=status or (), topic=topic, order=order)
    with state.read() as session:
        rows, total = queries.list_deliveries(session, filters, limit=limit, offset=offset)
    response.headers["X-Total-Count"] = str(total)
    return [views.delivery_out(row) for row in rows]


def read_delivery(state: ServerState, delivery_id: str) -> views.DeliveryOut:
    with state.read() as session:
        found = queries.delivery(session, delivery_id)
    if found is None:
        raise NotFound(f"No stored delivery {delivery_id}.", id=delivery_id)
    return views.delivery_out(found)


@router.get("/shopify/deliveries/{delivery_id}")
def get_delivery(delivery_id: Annotated[str, IdPath], _: Admin, state: State) -> views.DeliveryOut:
    """One delivery, with its payload exactly as it arrived."""
    return read_delivery(state, delivery_id)


@router.post("/shopify/deliveries/{delivery_id}/replay")
def replay_delivery(
    delivery_id: Annotated[str, IdPath], who: Admin, state: State, request: Request
) -> views.DeliveryOut:
    """Apply a stored delivery again, now (after fixing what made it fail, say). Applying
    is idempotent: a delivery that was applied changes nothing the second time."""
    replay_stored(state, request.app.state.inbox, delivery_id, who.actor())
    return read_delivery(state, delivery_id)


def replay_stored(state: ServerState, inbox: Inbox, delivery_id: str, actor: Actor) -> None:
    """Hand the delivery back to the inbox (audited under the person) and apply it now;
    one that must still wait (a refund before its order) is left to the inbox."""
    state.run(ReplayWebhookDelivery(delivery_id=delivery_id, actor=actor))
    if not inbox.process(delivery_id):
        inbox.wake()
