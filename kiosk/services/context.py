"""What a handler gets: the session of its one transaction, the actor, and helpers.

It lives with the services (the layer below the commands) so that services can take
it without importing the command vocabulary; the bus makes one per command.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.domain.actor import Actor
from kiosk.domain.enums import NotificationKind, Role, WoStatus
from kiosk.domain.errors import NeedsSupervisor, NotClockedIn, NotFound
from kiosk.store.base import new_id
from kiosk.store.models import Notification, Operator, WoMessage, WorkOrder


class Request(Protocol):
    """What a service reads of the command it runs under (a ``kiosk.commands`` Command)."""

    @property
    def command_id(self) -> str: ...
    @property
    def actor(self) -> Actor: ...
    @property
    def at(self) -> datetime: ...
    @property
    def replayed(self) -> bool: ...


class Context:
    def __init__(self, session: Session, command: Request, now: datetime) -> None:
        self.session = session
        self.command = command
        self.actor = command.actor
        #: Server time of handling; device time is ``command.at``.
        self.now = now
        self.flags: list[str] = []
        self.work_order_id: str | None = None
        self.status_before: str | None = None
        self._work_order: WorkOrder | None = None
        #: Set by the bus from the command's policy: the supervisor (badge) or office
        #: principal it asked for, and whether a fact was recorded against the status.
        self._approved_by: str | None = None
        self.against_status = False

    # -- the work order the command is about (recorded in the audit row) --------

    def lock_work_order(self, work_order_id: str) -> WorkOrder:
        """Load and row-lock a work order, remembering its status for the audit row."""
        if self._work_order is not None and self._work_order.id == work_order_id:
            return self._work_order  # locked already (by the bus, for the status check)
        wo = self.session.scalars(
            # NO KEY UPDATE: rows that only refer to the WO (a notification, a link made
            # elsewhere) need not wait for this command; every other writer of it does.
            select(WorkOrder).where(WorkOrder.id == work_order_id).with_for_update(key_share=True)
        ).one_or_none()
        if wo is None or not self.in_site(wo.site_id):
            # Another site's order reads exactly like none at all: nothing to learn.
            raise NotFound(f"Work order {work_order_id} does not exist.", id=work_order_id)
        self.track(wo)
        return wo

    def in_site(self, site_id: str | None) -> bool:
        """May this actor touch a record of ``site_id``? (A device: only its own site's.)"""
        return self.actor.site_id is None or site_id == self.actor.site_id

    def in_site_or_all(self, site_id: str | None) -> bool:
        """For people: those of every site (None) count too."""
        return site_id is None or self.in_site(site_id)

    def track(self, wo: WorkOrder, *, new: bool = False) -> None:
        """Name ``wo`` in the audit row (the first one a command touches)."""
        if self._work_order is None:
            self._work_order = wo
            self.work_order_id = wo.id
            self.status_before = None if new else wo.status

    @property
    def status_after(self) -> str | None:
        return self._work_order.status if self._work_order is not None else None

    # -- people ----------------------------------------------------------------

    def operator(self, badge: str | None, *, what: str = "badge") -> Operator:
        if not badge:
            raise NotClockedIn("Clock in first: this action needs an operator.")
        op = self.session.scalars(select(Operator).where(Operator.badge == badge)).one_or_none()
        if op is None or not op.active or not self.in_site_or_all(op.site_id):
            raise NotFound(f"Unknown {what} {badge}.", badge=badge)
        return op

    def require_supervisor(self, action: str) -> str:
        """The supervisor (badge) or office principal responsible for this action."""
        if self.actor.principal:
            return self.actor.principal
        for badge in (self.actor.supervisor_badge, self.actor.badge):
            if not badge:
                continue
            op = self.session.scalars(select(Operator).where(Operator.badge == badge)).first()
            if (
                op is not None
                and op.active
                and op.role == Role.SUPERVISOR
                and self.in_site_or_all(op.site_id)
            ):
                return badge
        raise NeedsSupervisor(f"Only a supervisor can {action}.", action=action)

    @property
    def approved_by(self) -> str:
        """The supervisor the command's policy asked for (``Supervisor.ALWAYS``)."""
        if self._approved_by is None:
            raise RuntimeError(f"{type(self.command).__name__} declares no supervisor")
        return self._approved_by

    @approved_by.setter
    def approved_by(self, who: str) -> None:
        self._approved_by = who

    def name_of(self, who: str) -> str:
        """A person's name for a record people read (a badge's owner, or the office)."""
        op = self.session.scalars(select(Operator).where(Operator.badge == who)).first()
        return op.name if op is not None else who

    @property
    def who(self) -> str | None:
        """The person to name on a record: the operator, else the supervisor or office."""
        return self.actor.badge or self.actor.supervisor_badge or self.actor.principal

    # -- side records -------------------------------------------------------------

    def notify(
        self,
        kind: NotificationKind,
        text: str,
        *,
        site_id: str | None,
        work_order_id: str | None = None,
        sales_order_id: str | None = None,
    ) -> None:
        self.session.add(
            Notification(
                id=new_id(),
                site_id=site_id,
                kind=kind.value,
                text=text,
                created_at=self.now,
                work_order_id=work_order_id,
                sales_order_id=sales_order_id,
            )
        )

    def message(self, wo: WorkOrder, kind: str, text: str, **extra: object) -> None:
        self.session.add(
            WoMessage(id=new_id(), work_order_id=wo.id, kind=kind, text=text, at=self.now, **extra)
        )

    def flag(self, reason: str) -> None:
        """Record the command as a physical fact that was not applied as intended."""
        self.flags.append(reason)


def set_status(wo: WorkOrder, status: WoStatus) -> None:
    wo.status = status.value
