"""Liveness: answers without auth and without touching the database."""

from __future__ import annotations

from fastapi import APIRouter

from sync.server.views import Health

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def health() -> Health:
    return Health(status="ok")
