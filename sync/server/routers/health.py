"""``/healthz``: without auth, cheap enough for every kiosk to ask every 2 s.

It checks what a request needs: the database answers (``SELECT 1``) and carries
the schema this server version migrates to. A failed check is named in the body
and the answer is 503, so a load balancer takes the worker out and a kiosk holds
its queue (its client treats anything but 200 as "server not reachable").
Each worker asks the database at most once a second; other probes get that answer.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Response, status
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from kiosk.store.migrate import current_revisions, head_revisions
from sync.server.state import ServerState, State
from sync.server.views import Health

router = APIRouter(tags=["health"])

#: Probes within this many seconds share one database check.
CACHE_SECONDS = 1.0
_cache: dict[int, tuple[float, dict[str, str]]] = {}


def _check(state: ServerState) -> dict[str, str]:
    checks: dict[str, str] = {}
    try:
        with state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except SQLAlchemyError as err:
        first = str(getattr(err, "orig", None) or err).strip().splitlines()
        checks["database"] = f"failed: {type(err).__name__}: {first[0] if first else ''}"[:300]
        return checks
    try:
        found, wanted = current_revisions(state.engine), head_revisions()
    except SQLAlchemyError as err:
        checks["schema"] = f"failed: {type(err).__name__}"
        return checks
    if found == wanted:
        checks["schema"] = "ok"
    else:
        shown = ",".join(sorted(found)) or "none"
        checks["schema"] = f"failed: at {shown}, this server needs {','.join(sorted(wanted))}"
    return checks


def checks_of(state: ServerState) -> dict[str, str]:
    """No lock: two probes at the moment the answer expires both ask; neither waits."""
    cached = _cache.get(id(state))
    if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    result = _check(state)
    _cache[id(state)] = (time.monotonic(), result)
    return result


@router.get(
    "/healthz",
    responses={503: {"model": Health, "description": "A check failed; the body names it."}},
)
def health(state: State, response: Response) -> Health:
    checks = checks_of(state)
    if all(value == "ok" for value in checks.values()):
        return Health(status="ok", checks=checks)
    response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return Health(status="failing", checks=checks)
