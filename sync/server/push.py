"""Applying a kiosk's pushed commands: in seq order, exactly once, with stored results.

Each command runs through the core's CommandBus with ``replayed=True`` (physical
facts are then recorded even where the office changed the work order) and a hook
that, inside the command's own transaction, locks the device's ``last_seq`` row,
checks the sequence, stores the result and bumps ``last_seq``. A refusal is
stored the same way in the bus's refusal transaction, so one bad command never
blocks the queue and a retried push returns the first answer.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from kiosk.commands import COMMAND_TYPES, Actor, Command, CommandResult
from kiosk.commands.bus import jsonable
from kiosk.domain.enums import NotificationKind
from kiosk.domain.errors import DomainError, ValidationError
from kiosk.store.base import new_id, utcnow
from kiosk.store.models import (
    AppliedCommand,
    AuditEntry,
    Device,
    Notification,
    PushFailure,
    WorkOrder,
    Workstation,
)
from kiosk.store.transaction_cache import transaction_cache
from sync.protocol import FLOOR_TYPES, PushCommand, PushResult, WireActor, WorkOrderNote
from sync.server.auth import Principal
from sync.server.problems import ApiProblem
from sync.server.state import ServerState

_BASE_FIELDS = {"command_id", "actor", "at", "replayed"}
log = logging.getLogger(__name__)


class SeqGap(Exception):
    def __init__(self, expected: int) -> None:
        super().__init__(f"expected seq {expected}")
        self.expected = expected


class AlreadyApplied(Exception):
    """The device's ``last_seq`` is already at or past this command."""


#: Attempts at a command that fails with a server error of its own (a bug) before it is
#: refused as ``internal`` and the device's queue moves on.
MAX_INTERNAL_ATTEMPTS = 3


class InternalFailure(DomainError):
    """Stored as the refusal of a command the server kept failing to apply (its own bug)."""

    code = "internal"
    http_status = 500


class PushHook:
    """The bus hook for one pushed command (see the module docstring)."""

    def __init__(self, device_id: str, cmd: PushCommand) -> None:
        self.device_id = device_id
        self.cmd = cmd
        self._device: Device | None = None

    def before(self, session: Session, command: Command | None, *, refusing: bool) -> None:
        # Locked by the batch's first command; the later ones find it held (see
        # kiosk.store.transaction_cache: a rollback makes the next one lock it again).
        held = transaction_cache(session, "pushing_device")
        device = held.get(self.device_id)
        if device is None:
            device = session.scalars(
                select(Device).where(Device.id == self.device_id).with_for_update()
            ).one()
            held[self.device_id] = device
        if self.cmd.seq <= device.last_seq:
            raise AlreadyApplied
        if self.cmd.seq != device.last_seq + 1:
            raise SeqGap(device.last_seq + 1)
        self._device = device

    def after(
        self, session: Session, command: Command | None, outcome: CommandResult | DomainError
    ) -> None:
        assert self._device is not None
        data: dict[str, Any]
        if isinstance(outcome, DomainError):
            status, code, detail, data = "refused", outcome.code, outcome.message, {}
            if outcome.reason != outcome.code:
                data["reason"] = outcome.reason
        else:
            status, code, detail, data = outcome.status, None, outcome.detail, dict(outcome.data)
        wo_id = self.cmd.payload.get("work_order_id")
        wo = session.get(WorkOrder, wo_id) if isinstance(wo_id, str) else None
        if wo is not None and wo.site_id != self._device.site_id:
            wo = None  # another site's: the kiosk learns nothing of it
        if wo is not None and status != "applied":
            data["work_order"] = _note(session, wo)
        if status == "refused":
            _tell_supervisor(session, self.cmd, detail, wo)
        session.add(
            AppliedCommand(
                command_id=self.cmd.id,
                device_id=self.device_id,
                seq=self.cmd.seq,
                type=self.cmd.type,
                status=status,
                code=code,
                detail=detail,
                data=data,
                applied_at=utcnow(),
            )
        )
        self._device.last_seq = self.cmd.seq


def _note(session: Session, wo: WorkOrder) -> dict[str, Any]:
    """The WO's status now, and when and by whom it got there (from the audit log)."""
    changed = session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.work_order_id == wo.id,
            AuditEntry.result != "refused",
            AuditEntry.status_after == wo.status,
            AuditEntry.status_before != AuditEntry.status_after,
        )
        .order_by(AuditEntry.recorded_at.desc())
        .limit(1)
    ).first()
    return {
        "id": wo.id,
        "number": wo.number,
        "status": wo.status,
        "changed_at": changed.recorded_at.isoformat() if changed else None,
        "changed_by": _by(changed) if changed else None,
    }


def _by(entry: AuditEntry) -> str:
    """ "office", "system" or "badge:<badge>": who changed the WO, for the kiosk's message."""
    if entry.principal == "system":
        return "system"
    if entry.principal:
        return "office"
    return f"badge:{entry.supervisor_badge or entry.operator_badge}"


def _tell_supervisor(session: Session, cmd: PushCommand, detail: str, wo: WorkOrder | None) -> None:
    where = cmd.actor.workstation or "a kiosk"
    what = cmd.type.replace("_", " ")
    text = f"{what.capitalize()} from {where} was refused: {detail}"
    session.add(
        Notification(
            id=new_id(),
            site_id=wo.site_id if wo is not None else None,
            kind=NotificationKind.REFUSED_ACTION.value,
            text=text,
            created_at=utcnow(),
            work_order_id=wo.id if wo is not None else None,
        )
    )


def build_command(device: Principal, cmd: PushCommand) -> Command:
    """The core command a pushed one stands for; ValidationError when it makes no sense."""
    cls = COMMAND_TYPES.get(cmd.type)
    if cls is None or cmd.type not in FLOOR_TYPES:
        raise ValidationError(f"A kiosk cannot send “{cmd.type}” commands.", type=cmd.type)
    fields = {f.name for f in dataclasses.fields(cls)} - _BASE_FIELDS
    unknown = set(cmd.payload) - fields
    if unknown:
        raise ValidationError(f"Unknown fields for {cmd.type}: {', '.join(sorted(unknown))}.")
    actor = Actor(
        badge=cmd.actor.operator_badge,
        supervisor_badge=cmd.actor.supervisor_badge,
        device_id=device.device_id,
        workstation=device.workstation or cmd.actor.workstation,
        site_id=device.site_id,
    )
    at = cmd.at if cmd.at.tzinfo else cmd.at.replace(tzinfo=utcnow().tzinfo)
    try:
        return cls(command_id=cmd.id, actor=actor, at=at, replayed=True, **cmd.payload)
    except TypeError as err:
        raise ValidationError(
            f"The {cmd.type} command is incomplete: {err}.", reason="incomplete"
        ) from None


def stored_result(row: AppliedCommand) -> PushResult:
    data: dict[str, Any] = dict(row.data or {})
    note: dict[str, Any] | None = data.pop("work_order", None)
    reason = data.pop("reason", None) or row.code
    return PushResult(
        id=row.command_id,
        seq=row.seq,
        status=row.status,  # type: ignore[arg-type]
        code=row.code,
        reason=reason,
        detail=row.detail or None,
        data=data,
        work_order=WorkOrderNote(
            id=note["id"],
            number=note["number"],
            status=note["status"],
            changed_at=datetime.fromisoformat(note["changed_at"]) if note["changed_at"] else None,
            changed_by=note["changed_by"],
        )
        if note
        else None,
    )


def _lookup(state: ServerState, command_id: str) -> AppliedCommand | None:
    with state.read() as session:
        return session.get(AppliedCommand, command_id)


def push_one(state: ServerState, device: Principal, cmd: PushCommand) -> PushResult:
    """Apply one command (or return its stored result); raises SeqGap or ApiProblem."""
    assert device.device_id is not None
    stored = _lookup(state, cmd.id)
    if stored is None:
        hook = PushHook(device.device_id, cmd)
        try:
            command = build_command(device, cmd)
        except ValidationError as err:
            with state.write() as session:
                hook.before(session, None, refusing=True)
                hook.after(session, None, err)
        else:
            try:
                state.bus.execute(command, hook=hook)
            except DomainError:
                pass  # stored by the hook in the bus's refusal transaction
            except AlreadyApplied:
                pass
            except (SeqGap, ApiProblem):
                raise
            except DBAPIError as err:
                if _transient(err):
                    raise ApiProblem(503, "The server could not store the command; retry.") from err
                _failed(state, device, cmd, err)
            except Exception as err:  # a bug: never let it block the kiosk's queue for ever
                _failed(state, device, cmd, err)
        stored = _lookup(state, cmd.id)
    if stored is None or stored.device_id != device.device_id or stored.seq != cmd.seq:
        raise _diverged(cmd)
    return stored_result(stored)


def push_all(
    state: ServerState, device: Principal, cmds: list[PushCommand]
) -> tuple[list[PushResult], int]:
    """Apply a push's commands in seq order; their stored results and the device's last
    seq now. Raises SeqGap (after keeping what came before the gap) or ApiProblem.

    The fast way: one transaction for the batch, a savepoint per command, one COMMIT
    (one fsync) at the end — a kiosk back from an outage sends hundreds at once. A
    command's own refusal is stored in its savepoint and the batch goes on. Anything
    else (the server's bug, a deadlock, the database away) abandons the batch, and the
    same commands are applied one by one (``push_one``), which retries, counts internal
    failures and answers 503 exactly as before. Either way every command's result is
    the same, and stored once. The results and the last seq are read in the batch's
    own transaction, so they are what its COMMIT made true.
    """
    assert device.device_id is not None
    ordered = sorted(cmds, key=lambda c: c.seq)
    gap: SeqGap | None = None
    try:
        with state.write() as session:
            seen = set(
                session.scalars(
                    select(AppliedCommand.command_id).where(
                        AppliedCommand.command_id.in_([c.id for c in ordered])
                    )
                )
            )
            for cmd in ordered:
                if cmd.id in seen:
                    continue
                try:
                    _apply_in(state, session, device, cmd)
                except AlreadyApplied:
                    continue
                except SeqGap as err:
                    gap = err  # keep what came before it: commit, then say so
                    break
            answered = ordered if gap is None else ordered[: _upto(ordered, gap)]
            rows = _applied_rows(session, answered)
            last = _last_seq_in(session, device.device_id)
    except (SeqGap, ApiProblem):
        raise
    except Exception as err:
        log.info("push batch of %d applied one by one (%s)", len(ordered), err)
        results = [push_one(state, device, cmd) for cmd in ordered]
        return results, last_seq(state, device.device_id)
    results = _results_of(device, answered, rows)
    if gap is not None:
        raise gap
    return results, last


def _upto(ordered: list[PushCommand], gap: SeqGap) -> int:
    return sum(1 for cmd in ordered if cmd.seq < gap.expected)


def _apply_in(state: ServerState, session: Session, device: Principal, cmd: PushCommand) -> None:
    assert device.device_id is not None
    hook = PushHook(device.device_id, cmd)
    try:
        command = build_command(device, cmd)
    except ValidationError as err:
        with session.begin_nested():
            hook.before(session, None, refusing=True)
            hook.after(session, None, err)
        return
    state.bus.execute_in(session, command, hook)


def _applied_rows(session: Session, cmds: list[PushCommand]) -> dict[str, AppliedCommand]:
    return {
        row.command_id: row
        for row in session.scalars(
            select(AppliedCommand).where(AppliedCommand.command_id.in_([c.id for c in cmds]))
        )
    }


def _results_of(
    device: Principal, cmds: list[PushCommand], rows: dict[str, AppliedCommand]
) -> list[PushResult]:
    """Each command's stored result; a command stored under another device or seq is
    this kiosk's store restored or copied (``client_diverged``)."""
    results = []
    for cmd in cmds:
        stored = rows.get(cmd.id)
        if stored is None or stored.device_id != device.device_id or stored.seq != cmd.seq:
            raise _diverged(cmd)
        results.append(stored_result(stored))
    return results


def _diverged(cmd: PushCommand) -> ApiProblem:
    return ApiProblem(
        409,
        f"Command {cmd.seq} does not match what this device sent before: the kiosk's "
        "store was restored or copied. Re-enrol it.",
        code="client_diverged",
    )


def _transient(err: DBAPIError) -> bool:
    """The database was away or busy (try again); not a statement it refuses every time."""
    return isinstance(err, OperationalError | InterfaceError) or bool(
        getattr(err, "connection_invalidated", False)
    )


def _failed(state: ServerState, device: Principal, cmd: PushCommand, err: Exception) -> None:
    """Count a failed attempt; after a few, refuse the command as ``internal`` (a stored
    result, a notification, the payload kept for a replay) and let the queue move on."""
    assert device.device_id is not None
    log.error("pushed command %s (%s) failed: %s", cmd.id, cmd.type, err, exc_info=err)
    now = utcnow()
    try:
        with state.write() as session:
            failure = session.get(PushFailure, cmd.id, with_for_update=True)
            if failure is None:
                failure = PushFailure(
                    command_id=cmd.id,
                    device_id=device.device_id,
                    seq=cmd.seq,
                    type=cmd.type[:40],
                    command=jsonable(dataclasses.asdict(cmd)),
                    attempts=0,
                    first_at=now,
                    last_at=now,
                )
                session.add(failure)
            failure.attempts += 1
            failure.last_at = now
            failure.last_error = f"{type(err).__name__}: {err}"[:2000]
            attempts = failure.attempts
    except DBAPIError as again:
        raise ApiProblem(503, "The server could not store the command; retry.") from again
    if attempts < MAX_INTERNAL_ATTEMPTS:
        raise ApiProblem(
            503, f"The server failed to apply command {cmd.seq} ({attempts}); it will retry."
        )
    refusal = InternalFailure(
        f"The server could not apply this {cmd.type.replace('_', ' ')} after "
        f"{attempts} attempts (its own fault, now logged). It is kept for a supervisor to "
        "apply again once fixed."
    )
    hook = PushHook(device.device_id, cmd)
    try:
        with state.write() as session:
            hook.before(session, None, refusing=True)
            hook.after(session, None, refusal)
            kept = session.get(PushFailure, cmd.id)
            if kept is not None:
                kept.given_up_at = now
    except AlreadyApplied:
        return


def replay_failure(state: ServerState, command_id: str, by: Principal) -> PushFailure:
    """Apply a command that was refused as ``internal`` again, once its cause is fixed, as
    its device sent it. Idempotent: a command applied once is not applied again."""
    with state.read() as session:
        failure = session.get(PushFailure, command_id)
        if failure is None:
            raise ApiProblem(404, "No failed command with that id.", code="not_found")
        if failure.replayed_at is not None and failure.replay_result.startswith(
            ("applied", "flagged")
        ):
            return failure
        device_row = session.get(Device, failure.device_id)
    if device_row is None:
        raise ApiProblem(404, "The device that sent it is gone.", code="not_found")
    device = Principal(
        "device",
        device_row.name,
        None,
        device_row.id,
        device_row.site_id,
        _workstation_code(state, device_row.workstation_id),
    )
    wire = protocol_command(dict(failure.command))
    try:
        command = build_command(device, wire)
        result = state.bus.execute(command)
        outcome = f"{result.status}: {result.detail}".strip(": ")
    except DomainError as err:
        outcome = f"refused: {err.code}: {err.message}"
    except Exception as err:  # still broken: keep it, say so
        log.error("replay of %s failed again: %s", command_id, err, exc_info=err)
        outcome = f"failed again: {type(err).__name__}: {err}"[:2000]
    with state.write() as session:
        kept = session.get(PushFailure, command_id)
        assert kept is not None
        kept.replayed_at = utcnow()
        kept.replay_result = f"{outcome} (replayed by {by.label})"
        return kept


def _workstation_code(state: ServerState, workstation_id: str | None) -> str | None:
    if workstation_id is None:
        return None
    with state.read() as session:
        ws = session.get(Workstation, workstation_id)
        return ws.code if ws is not None else None


def protocol_command(raw: dict[str, Any]) -> PushCommand:
    """A stored wire command back as the dataclass it was received as."""
    actor = raw.get("actor") or {}
    at = raw["at"] if isinstance(raw["at"], datetime) else datetime.fromisoformat(raw["at"])
    return PushCommand(
        id=raw["id"],
        seq=int(raw["seq"]),
        type=raw["type"],
        at=at,
        actor=WireActor(**actor) if isinstance(actor, dict) else WireActor(),
        payload=dict(raw.get("payload") or {}),
    )


def last_seq(state: ServerState, device_id: str) -> int:
    with state.read() as session:
        return _last_seq_in(session, device_id)


def _last_seq_in(session: Session, device_id: str) -> int:
    return int(session.scalar(select(Device.last_seq).where(Device.id == device_id)) or 0)
