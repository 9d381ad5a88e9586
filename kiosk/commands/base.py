"""The command vocabulary's shared parts: actor, command base class, results, registry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

from kiosk.commands.policy import Kind, Policy, Supervisor, Sync
from kiosk.domain.actor import SYSTEM, Actor
from kiosk.domain.changes import NOTHING, Changes
from kiosk.store.base import new_id, utcnow

if TYPE_CHECKING:
    from kiosk.services.context import Context

__all__ = ["SYSTEM", "Actor", "Command", "CommandResult", "Kind", "Policy", "Supervisor", "Sync"]


@dataclass(frozen=True, kw_only=True)
class Command:
    """Base of every state change: an id made where it was born, an actor and a device time."""

    type_name: ClassVar[str] = ""
    #: Declared by every command class (see :mod:`kiosk.commands.policy`); registering
    #: a handler for a class that declares none fails at import.
    policy: ClassVar[Policy]

    command_id: str = field(default_factory=new_id)
    actor: Actor = field(default_factory=Actor)
    at: datetime = field(default_factory=utcnow)
    #: True when the server replays a kiosk's queued command: physical facts are
    #: then recorded (and flagged) even where the office changed the work order.
    replayed: bool = False


@dataclass(frozen=True)
class CommandResult:
    command_id: str
    status: Literal["applied", "flagged"]
    detail: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    #: What the command changed: a screen reloads only that.
    changes: Changes = NOTHING


C = TypeVar("C", bound=Command)
Handler = Callable[["Context", Any], dict[str, Any] | None]

HANDLERS: dict[type[Command], Handler] = {}
COMMAND_TYPES: dict[str, type[Command]] = {}


def pushed_types() -> frozenset[str]:
    """The command types a kiosk sends and the server accepts from one."""
    return frozenset(name for name, cls in COMMAND_TYPES.items() if cls.policy.sync == Sync.PUSHED)


def handles(command_type: type[C]) -> Callable[[Callable[[Context, C], Any]], Any]:
    """Register the one handler of a command type."""

    def register(fn: Callable[[Context, C], Any]) -> Callable[[Context, C], Any]:
        if command_type in HANDLERS:
            raise RuntimeError(f"{command_type.__name__} already has a handler")
        if not isinstance(command_type.__dict__.get("policy"), Policy):
            raise TypeError(f"{command_type.__name__} declares no policy")
        if command_type.policy.action is not None and "work_order_id" not in {
            f.name for f in fields(command_type)
        }:
            raise TypeError(f"{command_type.__name__} has a status action but no work order")
        HANDLERS[command_type] = fn
        if command_type.type_name:
            COMMAND_TYPES[command_type.type_name] = command_type
        return fn

    return register
