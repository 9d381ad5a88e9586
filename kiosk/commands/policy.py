"""What a command class declares about itself, read by the bus, the outbox and the server.

Each command says, in one ``policy = Policy(...)`` line of its class body, where it
travels, how it is treated when the server's state disagrees (ARCHITECTURE.md's
conflict policy), the status-table action it needs on its work order and whether a
supervisor must stand behind it. Nothing else keeps a list of command types.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kiosk.domain.status import Action


class Sync(StrEnum):
    """Where a command travels."""

    #: A kiosk applies it, queues it, and the server replays it (a floor action).
    PUSHED = "pushed"
    #: A kiosk's own business, never sent (a PIN check, a lockout cleared on it).
    LOCAL = "local"
    #: The office's or an integrator's, through the server's API; a kiosk never runs it.
    OFFICE = "office"


class Kind(StrEnum):
    """How a command meets a work order whose status no longer allows it."""

    #: Something that happened on the floor (units built, a verdict, a step, a clock-in).
    #: Replayed from a kiosk it is recorded whatever the status is now, flagged, and a
    #: supervisor is told; typed in live it is checked like an intention.
    FACT = "fact"
    #: A safety call (a hold): never refused on replay; against the status it is kept
    #: as a flagged note and the status stays.
    SAFETY = "safety"
    #: Someone wants the state to change (start, resume, complete, cancel, an office
    #: edit): checked against the status at hand and refused with the reason.
    INTENTION = "intention"


class Supervisor(StrEnum):
    """Whether the command needs a supervisor (the office counts as one)."""

    #: Never on its own account.
    NO = "no"
    #: Always: the bus asks before the handler runs (``ctx.approved_by`` names them).
    ALWAYS = "always"
    #: When the status table says so for the command's action in the current status.
    BY_STATUS = "by_status"
    #: Only in some of its forms (skip a step, close short, over plan, clock someone
    #: else out): the handler asks, because only it knows the form.
    SOMETIMES = "sometimes"


@dataclass(frozen=True, kw_only=True)
class Policy:
    """A command's declaration. ``action`` names a status-table action on the work
    order of the command's ``work_order_id``: the bus locks that work order, checks it
    as ``kind`` says, and asks for a supervisor as ``supervisor`` says, once, before
    the handler runs."""

    sync: Sync
    kind: Kind = Kind.INTENTION
    action: Action | None = None
    supervisor: Supervisor = Supervisor.NO
    #: For the refusal, "Only a supervisor can …", with ``{number}`` for the WO.
    supervisor_for: str = ""
    #: How the operator's message names it when the server flags or refuses it
    #: ("your hold"); ``{qty}`` is the command's quantity in units.
    subject: str = ""
    #: A fact or safety call recorded against the status: how the supervisor's note
    #: names what arrived ("output of {qty}").
    noted_as: str = ""

    def __post_init__(self) -> None:
        if self.supervisor in (Supervisor.ALWAYS, Supervisor.BY_STATUS) and not (
            self.supervisor_for
        ):
            raise TypeError("a supervisor policy says what for (supervisor_for)")
        if self.supervisor == Supervisor.BY_STATUS and self.action is None:
            raise TypeError("Supervisor.BY_STATUS needs the status action it depends on")
        if self.kind != Kind.INTENTION and self.sync != Sync.PUSHED:
            raise TypeError("only a command a kiosk pushes is a fact or a safety call")
        if self.kind != Kind.INTENTION and self.action is not None and not self.noted_as:
            raise TypeError("a fact checked against the status says how it is noted")
