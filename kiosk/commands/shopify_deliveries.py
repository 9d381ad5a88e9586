"""Replaying a stored Shopify delivery: the office's second try after fixing the cause.

Every verified delivery is kept (see ``sync.server.inbox``), applied or not. A replay
hands it back to the inbox as if it had just arrived; applying is idempotent (an order
is a snapshot converged to, a refund is remembered by id), so replaying one that was
applied changes nothing, and one that failed is applied once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiosk.commands.base import Command, Policy, Sync, handles
from kiosk.domain.enums import DeliveryStatus
from kiosk.domain.errors import NotFound
from kiosk.services.context import Context
from kiosk.store.models import WebhookDelivery


@dataclass(frozen=True, kw_only=True)
class ReplayWebhookDelivery(Command):
    type_name = "replay_webhook_delivery"
    policy = Policy(sync=Sync.OFFICE)
    delivery_id: str


@handles(ReplayWebhookDelivery)
def replay_webhook_delivery(ctx: Context, cmd: ReplayWebhookDelivery) -> dict[str, Any]:
    delivery = ctx.session.get(WebhookDelivery, str(cmd.delivery_id)[:36], with_for_update=True)
    if delivery is None:
        raise NotFound(f"No stored delivery {str(cmd.delivery_id)[:36]}.", id=cmd.delivery_id)
    was = DeliveryStatus(delivery.status)
    if was == DeliveryStatus.PENDING:
        return {"delivery_id": delivery.id, "was": was.public}  # already on its way
    delivery.status = DeliveryStatus.PENDING.value
    delivery.attempts = 0
    delivery.claimed_until = None
    delivery.result = f"replayed ({was.public} before: {delivery.result})"[:2000]
    return {"delivery_id": delivery.id, "was": was.public}
