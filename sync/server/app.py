"""The plant server's composition root (`create_app`): routers, error handling,
middleware and the inbox worker, on one engine; nothing else assembles the server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from sqlalchemy import Engine

from sync.server import openapi, problems
from sync.server.inbox import Inbox
from sync.server.methods import AllowMiddleware
from sync.server.middleware import BodyLimitMiddleware, RequestIdMiddleware
from sync.server.office.app import PREFIX as OFFICE
from sync.server.office.app import create_office
from sync.server.retention import FeedPruner
from sync.server.routers import (
    audit,
    devices,
    health,
    master_data,
    metrics,
    notifications,
    sales_orders,
    shopify_shops,
    shopify_stock,
    sync,
    webhooks,
    work_orders,
)
from sync.server.settings import Settings
from sync.server.shopify_stock import stock_pusher
from sync.server.state import ServerState

API_PREFIX = "/api/v1"


def create_app(engine: Engine, settings: Settings | None = None) -> FastAPI:
    """A plant server on ``engine`` (already migrated)."""
    settings = settings or Settings.from_env()
    state = ServerState.build(engine, settings)
    inbox = Inbox(state)
    pruner = FeedPruner(engine, settings.feed_retention)
    pusher = stock_pusher(engine, settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if settings.inbox_worker:
            inbox.start()
            inbox.wake()  # deliveries left from before a restart
        if settings.feed_pruner:
            pruner.start()
        if pusher is not None and settings.stock_pusher:
            pusher.start()  # and what was due before a restart goes now
        try:
            yield
        finally:
            if pusher is not None:
                pusher.stop()
            pruner.stop()
            inbox.stop()

    app = FastAPI(
        title="Shop-floor kiosk plant server",
        version="1",
        description="Work orders, stock, sales orders and kiosks of one plant.",
        lifespan=lifespan,
        generate_unique_id_function=openapi.operation_id,
    )
    app.state.server = state
    app.state.inbox = inbox
    app.state.stock_pusher = pusher
    problems.install(app)
    app.include_router(health.router)
    app.include_router(metrics.router)
    for module in (
        master_data,
        work_orders,
        sales_orders,
        webhooks,
        shopify_shops,
        shopify_stock,
        devices,
        notifications,
        audit,
        sync,
    ):
        app.include_router(module.router, prefix=API_PREFIX)

    @app.get(OFFICE, include_in_schema=False)
    def office_root() -> RedirectResponse:
        return RedirectResponse(f"{OFFICE}/", status_code=308)

    app.mount(OFFICE, create_office(state, inbox, pusher))
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(AllowMiddleware)
    app.add_middleware(RequestIdMiddleware)
    openapi.install(app)
    return app
