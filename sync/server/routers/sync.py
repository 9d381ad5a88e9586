"""Sync endpoints for enrolled kiosks: push the outbox, pull the site's changes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select

from kiosk.store.base import utcnow
from kiosk.store.models import AppliedCommand, Device, PushFailure
from sync.protocol import (
    MAX_PULL_PAGE,
    MAX_PUSH_BATCH,
    PULL_PAGE,
    KnownCommand,
    KnownRequest,
    KnownResponse,
    PullResponse,
    PushRequest,
    PushResponse,
)
from sync.server import pull, push, views
from sync.server.auth import Admin, Caller, Principal, refuse
from sync.server.problems import PROBLEM_RESPONSES, problem_response
from sync.server.state import ServerState, State

router = APIRouter(prefix="/sync", tags=["sync"], responses=PROBLEM_RESPONSES)


def _device(state: ServerState, request: Request, who: Principal) -> Principal:
    if who.is_admin or who.device_id is None:
        raise refuse(state, request, 403, "Sync is for enrolled kiosks (a device token).", who)
    return who


@router.post("/push", response_model=PushResponse)
def push_commands(
    body: PushRequest, request: Request, who: Caller, state: State
) -> PushResponse | JSONResponse:
    """Apply the kiosk's commands in seq order; a command seen before returns its first result.

    A gap in ``seq`` answers 409 ``expected_seq`` with the ``expected`` value and
    applies nothing from the gap on.
    """
    device = _device(state, request, who)
    if body.device_id != device.device_id:
        raise refuse(state, request, 403, "The device id does not match the token.", who)
    if len(body.commands) > MAX_PUSH_BATCH:
        return problem_response(
            413, f"Send at most {MAX_PUSH_BATCH} commands at a time.", code="too_large"
        )
    try:
        results, last = push.push_all(state, device, list(body.commands))
    except push.SeqGap as gap:
        got = min((c.seq for c in body.commands if c.seq >= gap.expected), default=gap.expected)
        return problem_response(
            409,
            f"Expected command {gap.expected} next, got {got}.",
            code="expected_seq",
            expected=gap.expected,
        )
    return PushResponse(results, last, utcnow())


@router.get("/pull", response_model=PullResponse)
def pull_changes(
    request: Request,
    who: Caller,
    state: State,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PULL_PAGE)] = PULL_PAGE,
) -> PullResponse:
    """The site's rows changed after ``cursor`` in commit order; no cursor: a snapshot.

    The cursor is opaque. One naming a change this server does not hold (its database
    was restored from an older backup) answers 422 ``cursor_unknown``: pull again
    without a cursor. ``last_seq`` below what the kiosk saw acknowledged means the
    same restore: send the lost commands again (``POST /sync/known`` says which it has).
    One older than the history the server keeps (``feed_retention_days``) answers 422
    ``too_far_behind``: pull again without a cursor; keep and resend the waiting commands.
    """
    device = _device(state, request, who)
    assert device.site_id is not None
    with state.read() as session:
        # last_seq first: every change of those commands is then already in the feed.
        last = int(session.get(Device, device.device_id).last_seq)  # type: ignore[union-attr]
        changes, nxt, more, snapshot = pull.page(
            session.connection(), device.site_id, cursor, limit
        )
    return PullResponse(
        changes=changes,
        cursor=nxt,
        more=more,
        last_seq=last,
        server_time=utcnow(),
        snapshot=snapshot,
        reset=snapshot and cursor is None,
    )


@router.post("/known", response_model=KnownResponse)
def known_commands(
    body: KnownRequest, request: Request, who: Caller, state: State
) -> KnownResponse:
    """Which of these command ids the server already holds, from any kiosk of this one's
    site, with their stored results: a kiosk restored from an old copy of its store sends
    only what the server never got (at most 1,000 ids a call)."""
    device = _device(state, request, who)
    ids = list(dict.fromkeys(body.command_ids))[:1000]
    with state.read() as session:
        site_devices = select(Device.id).where(Device.site_id == device.site_id)
        rows = session.scalars(
            select(AppliedCommand).where(
                AppliedCommand.command_id.in_(ids), AppliedCommand.device_id.in_(site_devices)
            )
        ).all()
        return KnownResponse(
            [KnownCommand(r.command_id, r.status, r.code, r.detail or None) for r in rows]  # type: ignore[arg-type]
        )


def _failure_out(failure: PushFailure) -> views.PushFailureOut:
    return views.PushFailureOut(
        command_id=failure.command_id,
        device_id=failure.device_id,
        seq=failure.seq,
        type=failure.type,
        attempts=failure.attempts,
        last_error=failure.last_error,
        first_at=failure.first_at,
        last_at=failure.last_at,
        given_up_at=failure.given_up_at,
        replayed_at=failure.replayed_at,
        replay_result=failure.replay_result,
        command=dict(failure.command),
    )


@router.get("/failures")
def list_failures(who: Admin, state: State) -> list[views.PushFailureOut]:
    """Pushed commands the server failed to apply for reasons of its own, newest first."""
    with state.read() as session:
        rows = session.scalars(select(PushFailure).order_by(PushFailure.last_at.desc()).limit(500))
        return [_failure_out(f) for f in rows]


@router.post("/failures/{command_id}/replay")
def replay_failure(
    command_id: Annotated[str, Path(max_length=36)], who: Admin, state: State
) -> views.PushFailureOut:
    """Apply a failed command again once its cause is fixed (applied once at most)."""
    return _failure_out(push.replay_failure(state, command_id, who))
