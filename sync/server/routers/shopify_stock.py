"""Stock back to the shop (admin): each product's setting and last push; push again."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field, StrictBool

from kiosk import queries
from kiosk.commands import PushShopifyStock, SetShopifyStockSync
from sync.server.auth import Admin
from sync.server.problems import PROBLEM_RESPONSES
from sync.server.routers.master_data import SkuPath
from sync.server.schemas import Body
from sync.server.state import State

router = APIRouter(prefix="/shopify/stock", tags=["shopify"], responses=PROBLEM_RESPONSES)


class StockPushOut(BaseModel):
    sku: str
    name: str
    #: The product's own choice; null: the shop-wide default (KIOSK_SHOPIFY_STOCK_DEFAULT).
    sync: bool | None
    status: str = Field(description="pending, done, skipped or failed")
    changed_at: datetime
    due_at: datetime
    attempts: int
    pushed: str = Field(description="What was last set, per Shopify location (and site)")
    pushed_at: datetime | None
    reason: str


class StockSyncIn(Body):
    sync: StrictBool | None = Field(description="true, false, or null for the shop-wide default")


def _out(view: queries.StockPushView) -> StockPushOut:
    return StockPushOut(**view.__dict__)


@router.get("")
def list_stock_pushes(
    _: Admin,
    state: State,
    status: Annotated[Literal["pending", "done", "skipped", "failed"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[StockPushOut]:
    """Products whose stock changed since stock sync was on: failures first."""
    with state.read() as session:
        rows = queries.stock_pushes(session, status=status, limit=limit, offset=offset)
    return [_out(r) for r in rows]


@router.put("/products/{sku}")
def set_stock_sync(
    body: StockSyncIn, sku: Annotated[str, SkuPath], who: Admin, state: State, request: Request
) -> dict[str, object]:
    """Sync this product's stock to Shopify or not (null: as the shop-wide default); its
    stock is pushed (or not) straight away."""
    result = state.run(SetShopifyStockSync(sku=sku, sync=body.sync, actor=who.actor()))
    _wake(request)
    return {"sku": result.data["sku"], "sync": body.sync}


@router.post("/products/{sku}/push")
def push_stock(
    sku: Annotated[str, SkuPath], who: Admin, state: State, request: Request
) -> dict[str, object]:
    """Push this product's stock now (a failed push, once its cause is fixed)."""
    result = state.run(PushShopifyStock(sku=sku, actor=who.actor()))
    _wake(request)
    return {"sku": result.data["sku"], "status": "pending"}


def _wake(request: Request) -> None:
    pusher = getattr(request.app.state, "stock_pusher", None)
    if pusher is not None:
        pusher.wake()
