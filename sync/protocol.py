"""The sync wire schema shared by the kiosk's client and the server (API.md, "sync").

Plain dataclasses: FastAPI validates and documents them on the server, and the
kiosk (which installs neither FastAPI nor pydantic) builds and reads them as JSON.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

import kiosk.commands  # noqa: F401 (registers every command type)
from kiosk.commands.base import pushed_types

#: Most commands one push may carry; a bigger batch is answered 413.
MAX_PUSH_BATCH = 200
#: Default and largest page of a pull.
PULL_PAGE = 500
MAX_PULL_PAGE = 5000

#: The command types a kiosk may push: each command class declares it (``sync``).
FLOOR_TYPES = pushed_types()


@dataclass
class WireActor:
    operator_badge: str | None = None
    supervisor_badge: str | None = None
    workstation: str | None = None


@dataclass
class PushCommand:
    id: str
    seq: int
    type: str
    at: datetime
    actor: WireActor = field(default_factory=WireActor)
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass
class PushRequest:
    device_id: str
    commands: list[PushCommand]


@dataclass
class WorkOrderNote:
    """What the operator's message names: the WO, its status now, when and by whom it changed."""

    id: str
    number: str
    status: str
    changed_at: datetime | None = None
    changed_by: str | None = None


@dataclass
class PushResult:
    id: str
    seq: int
    status: Literal["applied", "flagged", "refused"]
    code: str | None = None
    detail: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    work_order: WorkOrderNote | None = None
    #: The finer stable name of a refusal (``needs_supervisor``); ``code`` where none.
    reason: str | None = None


@dataclass
class PushResponse:
    results: list[PushResult]
    last_seq: int
    server_time: datetime


@dataclass
class Change:
    entity: str
    id: str
    op: Literal["upsert", "delete"]
    data: dict[str, Any] | None = None


@dataclass
class PullResponse:
    changes: list[Change]
    cursor: str
    more: bool
    last_seq: int
    server_time: datetime
    #: This page belongs to a snapshot; ``reset``: its first page (drop the local copy).
    snapshot: bool = False
    reset: bool = False


# -- JSON for the kiosk side ------------------------------------------------------------


def to_json(obj: Any) -> Any:
    """A dataclass as JSON-ready values (datetimes as ISO 8601)."""
    return _plain(asdict(obj))


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def push_response(raw: dict[str, Any]) -> PushResponse:
    results = []
    for r in raw["results"]:
        note = r.get("work_order")
        results.append(
            PushResult(
                id=r["id"],
                seq=int(r["seq"]),
                status=r["status"],
                code=r.get("code"),
                reason=r.get("reason"),
                detail=r.get("detail"),
                data=r.get("data") or {},
                work_order=WorkOrderNote(
                    id=note["id"],
                    number=note["number"],
                    status=note["status"],
                    changed_at=_time(note["changed_at"]) if note.get("changed_at") else None,
                    changed_by=note.get("changed_by"),
                )
                if note
                else None,
            )
        )
    return PushResponse(results, int(raw["last_seq"]), _time(raw["server_time"]))


def pull_response(raw: dict[str, Any]) -> PullResponse:
    return PullResponse(
        changes=[Change(c["entity"], c["id"], c["op"], c.get("data")) for c in raw["changes"]],
        cursor=raw["cursor"],
        more=bool(raw["more"]),
        last_seq=int(raw["last_seq"]),
        server_time=_time(raw["server_time"]),
        snapshot=bool(raw.get("snapshot", False)),
        reset=bool(raw.get("reset", False)),
    )


@dataclass
class KnownRequest:
    """Which of these command ids does the server hold (from any kiosk of the site)?"""

    command_ids: list[str]


@dataclass
class KnownCommand:
    id: str
    status: Literal["applied", "flagged", "refused"]
    code: str | None = None
    detail: str | None = None


@dataclass
class KnownResponse:
    known: list[KnownCommand]
