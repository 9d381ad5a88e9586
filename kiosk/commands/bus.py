"""The command bus: one handler, one transaction, one audit row per command.

Before the handler the bus applies the command's declared policy (:mod:`kiosk.commands.gate`).
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, Protocol

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from kiosk.commands.base import HANDLERS, Command, CommandResult, Handler
from kiosk.commands.gate import admit
from kiosk.domain.errors import Conflict, DomainError
from kiosk.services.context import Context
from kiosk.store import touched
from kiosk.store.base import new_id, utcnow
from kiosk.store.capture import feed_mark, forget_since
from kiosk.store.models import AuditEntry

log = logging.getLogger(__name__)

#: PostgreSQL serialization failure, deadlock and unique violation: safe to run the
#: command again. A unique key taken by a concurrent transaction (the same sales order
#: delivered twice at once) is seen as committed on the next run, which then finds it;
#: a clash that stays one ends, after the last attempt, as the Conflict below.
_RETRYABLE_SQLSTATES = {"40001", "40P01", "23505"}


class CommandHook(Protocol):
    """Extra work inside a command's own transaction (the kiosk's outbox, the server's
    applied-command table): whatever it writes commits or rolls back with the command."""

    def before(self, session: Session, command: Command, *, refusing: bool) -> None:
        """Start of the transaction (``refusing``: the one that stores a refusal)."""

    def after(
        self, session: Session, command: Command, outcome: CommandResult | DomainError
    ) -> None:
        """End of the transaction, before COMMIT."""


class CommandBus:
    """Runs commands. The only way state changes, for the kiosk, the server and sync replay."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Callable[[], datetime] = utcnow,
        max_attempts: int = 8,
        hook: CommandHook | None = None,
    ) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._clock = clock
        self._max_attempts = max_attempts
        self.hook = hook

    def execute(
        self, command: Command, *, hook: CommandHook | None = None, claim_changes: bool = False
    ) -> CommandResult:
        """Apply ``command`` or raise its DomainError; either way an audit row is stored.

        ``hook`` (default: the bus's own) runs inside the same transaction. The result
        says what changed; ``claim_changes``: the caller takes it from there and the
        engine's watchers (``kiosk.store.touched.watch``) are not told again.
        """
        hook = hook or self.hook
        _handler(command)
        for attempt in range(1, self._max_attempts + 1):
            ctx: Context | None = None
            try:
                with self._sessions() as session, session.begin():
                    ctx = Context(session, command, self._clock())
                    status, detail, data = self._run(session, command, hook, ctx)
                    changes = touched.take(session, claim=claim_changes)
                    result = CommandResult(command.command_id, status, detail, data, changes)
                    if hook is not None:
                        hook.after(session, command, result)
                return result
            except DomainError as err:
                with self._sessions() as session, session.begin():
                    self._store_refusal(session, command, err, ctx, hook)
                raise
            except (DBAPIError, StaleDataError) as err:
                if attempt < self._max_attempts and _is_retryable(err):
                    # Full jitter keeps competing writers from colliding again in step.
                    time.sleep(random.uniform(0, 0.005 * 2**attempt))
                    continue
                if isinstance(err, IntegrityError):
                    conflict = Conflict(
                        "The change clashes with the stored data (someone changed it at the "
                        "same time). Nothing was changed; try again.",
                    )
                    log.warning("integrity error on %s: %s", type(command).__name__, err)
                    with self._sessions() as session, session.begin():
                        self._store_refusal(session, command, conflict, ctx, hook)
                    raise conflict from err
                raise
        raise AssertionError("unreachable")

    def execute_in(
        self, session: Session, command: Command, hook: CommandHook
    ) -> CommandResult | DomainError:
        """Run ``command`` inside the caller's transaction, as :meth:`execute` would.

        For a batch of pushed commands committed together (one COMMIT, one fsync): the
        command runs in a savepoint; a DomainError rolls it back and its refusal is
        stored in a savepoint of its own, then returned, not raised. Anything else is
        raised, and the caller abandons the whole transaction.
        """
        _handler(command)
        ctx: Context | None = None
        mark = feed_mark(session)
        try:
            with session.begin_nested():
                ctx = Context(session, command, self._clock())
                status, detail, data = self._run(session, command, hook, ctx)
                result = CommandResult(command.command_id, status, detail, data)
                hook.after(session, command, result)
            return result
        except DomainError as err:
            forget_since(session, mark)
            with session.begin_nested():
                self._store_refusal(session, command, err, ctx, hook)
            return err

    def replay_in(self, session: Session, command: Command) -> CommandResult:
        """Run ``command`` inside the caller's transaction, in a savepoint.

        For a kiosk's rebase: its pending commands are replayed on top of the
        server's state in the same transaction that put that state back. A
        DomainError rolls back only this command's savepoint and is raised.
        """
        _handler(command)
        with session.begin_nested():
            ctx = Context(session, command, self._clock())
            status, detail, data = self._run(session, command, None, ctx)
        return CommandResult(command.command_id, status, detail, data)

    def _run(
        self, session: Session, command: Command, hook: CommandHook | None, ctx: Context
    ) -> tuple[Literal["applied", "flagged"], str, dict[str, Any]]:
        """The one body of every way a command runs: the hook's start, the declared
        policy, the handler, the audit row. Raises the command's DomainError."""
        if hook is not None:
            hook.before(session, command, refusing=False)
        admit(ctx, command)
        data = _handler(command)(ctx, command) or {}
        status: Literal["applied", "flagged"] = "flagged" if ctx.flags else "applied"
        detail = " ".join(ctx.flags)
        session.add(_audit(ctx, command, status, None, detail))
        return status, detail, data

    def _store_refusal(
        self,
        session: Session,
        command: Command,
        err: DomainError,
        ctx: Context | None,
        hook: CommandHook | None,
    ) -> None:
        """The refused command's audit row (and the hook's record of it), in ``session``'s
        transaction, after the command's own changes were rolled back."""
        if hook is not None:
            hook.before(session, command, refusing=True)
        refused = Context(session, command, self._clock())
        if ctx is not None:
            refused.work_order_id = ctx.work_order_id
            refused.status_before = ctx.status_before
        session.add(_audit(refused, command, "refused", err.code, err.message))
        err.on_refused(refused)
        if hook is not None:
            hook.after(session, command, err)

    def read(self) -> Session:
        """A session for queries; on SQLite it begins DEFERRED so readers never block writers."""
        from kiosk.store.engine import READ_ONLY

        return Session(self.engine.execution_options(**{READ_ONLY: True}))


def _handler(command: Command) -> Handler:
    handler = HANDLERS.get(type(command))
    if handler is None:
        raise TypeError(f"no handler for {type(command).__name__}")
    return handler


def _is_retryable(err: Exception) -> bool:
    if isinstance(err, StaleDataError):
        return True
    orig = getattr(err, "orig", None)
    if getattr(orig, "sqlstate", None) in _RETRYABLE_SQLSTATES:
        return True
    return "database is locked" in str(orig or err)


def _audit(
    ctx: Context, command: Command, result: str, code: str | None, detail: str
) -> AuditEntry:
    actor = command.actor
    return AuditEntry(
        id=new_id(),
        command_id=command.command_id,
        command_type=command.type_name or type(command).__name__,
        result=result,
        code=code,
        detail=detail,
        operator_badge=actor.badge,
        supervisor_badge=actor.supervisor_badge,
        principal=actor.principal,
        device_id=actor.device_id,
        workstation=actor.workstation,
        device_time=command.at,
        recorded_at=ctx.now,
        work_order_id=ctx.work_order_id,
        status_before=ctx.status_before,
        status_after=ctx.status_after if result != "refused" else ctx.status_before,
        payload=payload_of(command),
    )


def payload_of(command: Command) -> dict[str, Any]:
    """The command's own fields as JSON-safe values (secrets such as PINs left out)."""
    skip = {"command_id", "actor", "at", "replayed", "pin"}
    raw = asdict(command) if is_dataclass(command) else {}
    return {k: _jsonable(v) for k, v in raw.items() if k not in skip}


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON types (decimals and times as strings; no NaN or Infinity)."""
    return _jsonable(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)  # JSON (and PostgreSQL's json) has no NaN or Infinity
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value
