"""The app factory: routers, error handling, middleware and the inbox worker, on one engine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine

from sync.server import problems
from sync.server.inbox import Inbox
from sync.server.middleware import BodyLimitMiddleware, RequestIdMiddleware
from sync.server.routers import (
    audit,
    devices,
    health,
    master_data,
    notifications,
    sales_orders,
    sync,
    webhooks,
    work_orders,
)
from sync.server.settings import Settings
from sync.server.state import ServerState

API_PREFIX = "/api/v1"


def create_app(engine: Engine, settings: Settings | None = None) -> FastAPI:
    """A plant server on ``engine`` (already migrated)."""
    settings = settings or Settings.from_env()
    state = ServerState.build(engine, settings)
    inbox = Inbox(state)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if settings.inbox_worker:
            inbox.start()
            inbox.wake()  # deliveries left from before a restart
        try:
            yield
        finally:
            inbox.stop()

    app = FastAPI(
        title="Shop-floor kiosk plant server",
        version="1",
        description="Work orders, stock, sales orders and kiosks of one plant.",
        lifespan=lifespan,
    )
    app.state.server = state
    app.state.inbox = inbox
    problems.install(app)
    app.include_router(health.router)
    for module in (
        master_data,
        work_orders,
        sales_orders,
        webhooks,
        devices,
        notifications,
        audit,
        sync,
    ):
        app.include_router(module.router, prefix=API_PREFIX)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestIdMiddleware)
    _add_problem_schema(app)
    return app


def _add_problem_schema(app: FastAPI) -> None:
    """Errors are problem+json, not FastAPI's default validation shape; say so in OpenAPI."""
    original = app.openapi

    def openapi() -> dict:  # type: ignore[type-arg]
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                for code, response in operation.get("responses", {}).items():
                    if code.startswith(("4", "5")) and "content" in response:
                        content = response["content"]
                        body = content.pop("application/json", None)
                        content.setdefault(problems.MEDIA_TYPE, body)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
