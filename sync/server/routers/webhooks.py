"""Shopify webhooks: verify the raw body's signature, store the delivery, answer at once."""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, Header, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from sync.server import logs, shopify
from sync.server.auth import refuse
from sync.server.problems import PROBLEM_RESPONSES
from sync.server.state import State

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
    if topic not in shopify.TOPICS:
        return WebhookAck(status="ignored")
    key = (x_shopify_event_id or x_shopify_webhook_id or "").strip()
    key = key or "sha256:" + hashlib.sha256(raw).hexdigest()
    inbox = request.app.state.inbox
    stored = await run_in_threadpool(
        inbox.store, key, topic, raw, logs.request_id.get(), x_shopify_shop_domain
    )
    return WebhookAck(status="accepted" if stored else "duplicate")
