"""``/metrics`` for Prometheus: the metrics token or an admin token, never a kiosk's."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials
from prometheus_client import CONTENT_TYPE_LATEST

from sync.server import metrics
from sync.server.auth import bearer, digest, refuse, resolve
from sync.server.problems import PROBLEM_RESPONSES
from sync.server.state import State

router = APIRouter(tags=["health"])


def _allowed(state: State, secret: str) -> bool | None:
    """True: may read; False: a valid token of the wrong kind; None: not a token."""
    wanted = state.settings.metrics_token
    if wanted and hmac.compare_digest(digest(secret), digest(wanted)):
        return True
    with state.read() as session:
        principal = resolve(session, secret, state.settings.admin_token)
    return None if principal is None else principal.is_admin


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {}}, "description": "Prometheus text format."},
        **{status: PROBLEM_RESPONSES[status] for status in (401, 403)},
    },
)
def read_metrics(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    state: State,
) -> Response:
    """Counters and the plant's state for Prometheus (the metrics token or an admin token)."""
    if credentials is None or not credentials.credentials:
        raise refuse(state, request, 401, "A bearer token is required.")
    allowed = _allowed(state, credentials.credentials)
    if allowed is None:
        raise refuse(state, request, 401, "The token is not valid (unknown or revoked).")
    if not allowed:
        raise refuse(state, request, 403, "This needs the metrics token or an admin token.")
    return Response(metrics.exposition(state), media_type=CONTENT_TYPE_LATEST)
