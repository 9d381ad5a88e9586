"""Shopify: every delivery the shop sent, what became of it, and a replay button.

Admins only (a replay re-applies an order). The same query and the same replay as
``GET /api/v1/webhooks/shopify/deliveries`` and its ``/replay``.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response

from kiosk import queries
from kiosk.commands import PushShopifyStock, SetShopifyStockSync
from kiosk.domain.enums import DELIVERY_PUBLIC_STATUSES
from kiosk.domain.errors import NotFound, ValidationError
from sync.server.office import web
from sync.server.office.actor import actor_of
from sync.server.routers.webhooks import replay_stored
from sync.server.state import State

router = APIRouter()

PAGE_SIZE = 50


@router.get("/shopify")
def deliveries(request: Request, _: web.AdminPerson, state: State) -> Response:
    params = request.query_params
    statuses = [s for s in params.getlist("status") if s in DELIVERY_PUBLIC_STATUSES]
    topic = (params.get("topic") or "")[:100] or None
    order = (params.get("order") or "").strip()[:64] or None
    page = max(1, min(_int(params.get("page")), 100_000))
    filters = queries.DeliveryFilters(statuses=statuses, topic=topic, order=order)
    with state.read() as session:
        rows, total = queries.list_deliveries(
            session, filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        )
        topics = queries.delivery_topics(session)
        pushes = queries.stock_pushes(session, limit=100) if state.settings.shopify_shop else []
    pages = max(1, -(-total // PAGE_SIZE))
    kept = [("status", s) for s in statuses] + [("topic", topic or ""), ("order", order or "")]
    kept = [(k, v) for k, v in kept if v]
    notice = params.get("done")
    return web.render(
        request,
        "shopify.html",
        {
            "rows": rows,
            "total": total,
            "topics": topics,
            "statuses": DELIVERY_PUBLIC_STATUSES,
            "chosen": statuses,
            "topic": topic,
            "order": order,
            "page": page,
            "pages": pages,
            "prev_query": urlencode([*kept, ("page", page - 1)]) if page > 1 else None,
            "next_query": urlencode([*kept, ("page", page + 1)]) if page < pages else None,
            "here": urlencode([*kept, ("page", page)]),
            "notice": notice[:300] if notice else None,
            "stock_shop": state.settings.shopify_shop
            if state.settings.shopify_admin_token
            else None,
            "stock_default": state.settings.shopify_stock_default,
            "pushes": pushes,
        },
    )


def _int(value: str | None) -> int:
    try:
        return int(value or 1)
    except ValueError:
        return 1


@router.get("/shopify/deliveries/{delivery_id}")
def delivery(request: Request, delivery_id: str, _: web.AdminPerson, state: State) -> Response:
    with state.read() as session:
        found = queries.delivery(session, delivery_id)
    if found is None:
        raise NotFound(f"No stored delivery {delivery_id[:36]}.", id=delivery_id)
    return web.render(request, "shopify_delivery.html", {"d": found, "body": _pretty(found.body)})


def _pretty(body: str | None) -> str:
    """The payload indented for reading (as it came, if it is not JSON)."""
    try:
        return json.dumps(json.loads(body or ""), indent=2, ensure_ascii=False)[:200_000]
    except ValueError:
        return (body or "")[:200_000]


@router.post("/shopify/deliveries/{delivery_id}/replay")
def replay(
    request: Request, delivery_id: str, who: web.AdminPerson, form: web.Form, state: State
) -> Response:
    replay_stored(state, request.app.state.inbox, delivery_id[:36], actor_of(who))
    with state.read() as session:
        found = queries.delivery(session, delivery_id)
    said = f"Replayed: {found.status}. {found.reason}" if found else "Replayed."
    # Back to the list as it was filtered (only its own parameters are carried).
    kept = [(k, v) for k, v in parse_qsl(web.field(form, "back")[:2000]) if k in _LIST_PARAMS]
    return web.see_other(f"/office/shopify?{urlencode([*kept, ('done', said[:250])])}", request)


_LIST_PARAMS = frozenset({"status", "topic", "order", "page"})


@router.post("/shopify/stock/{sku}/push")
def push_stock(
    request: Request, sku: str, who: web.AdminPerson, _: web.Form, state: State
) -> Response:
    state.run(PushShopifyStock(sku=sku[:100], actor=actor_of(who)))
    _wake_pusher(request)
    return web.see_other(
        f"/office/shopify?{urlencode({'done': f'{sku[:100]}: pushing now.'})}", request
    )


_SYNC_CHOICES = {"default": None, "on": True, "off": False}


@router.post("/shopify/stock/{sku}/sync")
def set_stock_sync(
    request: Request, sku: str, who: web.AdminPerson, form: web.Form, state: State
) -> Response:
    choice = web.field(form, "sync")
    if choice not in _SYNC_CHOICES:
        raise ValidationError("Choose default, on or off.", field="sync")
    state.run(SetShopifyStockSync(sku=sku[:100], sync=_SYNC_CHOICES[choice], actor=actor_of(who)))
    _wake_pusher(request)
    said = f"{sku[:100]}: stock sync {choice}."
    return web.see_other(f"/office/shopify?{urlencode({'done': said})}", request)


def _wake_pusher(request: Request) -> None:
    pusher = getattr(request.app.state, "stock_pusher", None)
    if pusher is not None:
        pusher.wake()
