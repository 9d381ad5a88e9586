"""What a workstation's screens read besides the board: people, labour, notifications,
today's good units and the station itself."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.domain.changes import NOTHING, Changes
from kiosk.domain.enums import WoStatus
from kiosk.domain.errors import NotFound
from kiosk.store.base import utcnow
from kiosk.store.models import (
    BuildRun,
    ClockSession,
    LabourSegment,
    Notification,
    Operator,
    Product,
    QcDisposition,
    Site,
    WoItem,
    WorkOrder,
    Workstation,
)

ZERO = Decimal(0)


@dataclass(frozen=True)
class Person:
    badge: str
    name: str
    role: str
    clocked_in_at: datetime | None = None

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"


@dataclass(frozen=True)
class Identified:
    """Someone identified at this kiosk: now the one acting."""

    person: Person
    #: Already clocked in here before (a switch), rather than clocked in just now.
    already: bool
    #: The workstations they were clocked in at before (and were moved from).
    moved_from: tuple[str, ...] = ()
    #: What clocking in changed (a screen reloads only that).
    changes: Changes = NOTHING


@dataclass(frozen=True)
class NotificationRow:
    id: str
    kind: str
    text: str
    created_at: datetime
    work_order_id: str | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None = None
    sales_order_id: str | None = None
    #: The site's code (None: for every site).
    site: str | None = None


@dataclass(frozen=True)
class LabourRow:
    operator: str
    started_at: datetime
    ended_at: datetime | None

    @property
    def minutes(self) -> int:
        end = self.ended_at or utcnow()
        return max(int((end - self.started_at).total_seconds() // 60), 0)


@dataclass(frozen=True)
class ShiftSummary:
    """Good units today at this workstation, per hour of the day, against today's plan."""

    planned: Decimal
    done: Decimal
    by_hour: tuple[tuple[int, Decimal], ...]


@dataclass(frozen=True)
class StationInfo:
    code: str
    name: str
    type: str | None


def station_info(session: Session, workstation: str | None) -> StationInfo:
    ws = None
    if workstation:
        ws = session.scalars(
            select(Workstation).where(Workstation.code == workstation)
        ).one_or_none()
    if ws is None:
        return StationInfo(workstation or "—", "Whole plant", None)
    return StationInfo(ws.code, ws.name, ws.type)


def labour(session: Session, work_order_id: str) -> list[LabourRow]:
    return [
        LabourRow(name, start, end)
        for name, start, end in session.execute(
            select(Operator.name, LabourSegment.started_at, LabourSegment.ended_at)
            .join(Operator, LabourSegment.operator_id == Operator.id)
            .where(LabourSegment.work_order_id == work_order_id)
            .order_by(LabourSegment.started_at)
        )
    ]


def person(session: Session, badge: str) -> Person:
    op = session.scalars(select(Operator).where(Operator.badge == badge)).one_or_none()
    if op is None or not op.active:
        raise NotFound(f"Badge {badge} is not known here.", badge=badge)
    return Person(op.badge, op.name, op.role)


def clocked_in(session: Session, workstation: str | None) -> list[Person]:
    """Who is clocked in at ``workstation`` (None: anywhere), earliest first."""
    query = (
        select(Operator.badge, Operator.name, Operator.role, ClockSession.clocked_in_at)
        .join(ClockSession, ClockSession.operator_id == Operator.id)
        .where(ClockSession.clocked_out_at.is_(None))
        .order_by(ClockSession.clocked_in_at)
    )
    if workstation:
        query = query.join(Workstation, ClockSession.workstation_id == Workstation.id).where(
            Workstation.code == workstation
        )
    return [Person(*row) for row in session.execute(query)]


#: ``notifications(site_id=...)``: every site's (the office; a kiosk's store holds one).
ALL_SITES = None


def notifications(
    session: Session,
    *,
    acknowledged: bool | None = False,
    site_id: str | None = ALL_SITES,
    ids: Collection[str] | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[NotificationRow]:
    """Newest first: unacknowledged ones (``acknowledged`` False), seen ones (True) or
    both (None); of one site or all; the kiosk's inbox and the API's list alike."""
    query = (
        select(Notification, Site.code)
        .outerjoin(Site, Site.id == Notification.site_id)
        .order_by(Notification.created_at.desc(), Notification.id)
        .limit(limit)
        .offset(offset)
    )
    if site_id is not None:
        query = query.where(Notification.site_id == site_id)
    if ids is not None:
        query = query.where(Notification.id.in_(sorted(ids)))
    if acknowledged is not None:
        column = Notification.acknowledged_at
        query = query.where(column.is_not(None) if acknowledged else column.is_(None))
    return [
        NotificationRow(
            n.id,
            n.kind,
            n.text,
            n.created_at,
            n.work_order_id,
            n.acknowledged_by,
            n.acknowledged_at,
            n.sales_order_id,
            site,
        )
        for n, site in session.execute(query).tuples()
    ]


def good_units_today(
    session: Session, workstation: str | None, day_start: datetime
) -> ShiftSummary:
    """Good units since ``day_start`` (UTC) on ``workstation``'s work orders, per hour:
    what the plant counts as done today. A unit is good when it is done: built (no QC),
    or approved at QC (counted when approved). Scrapped, reworked or reversed units are
    not. The plan is what is scheduled up to today and not finished before it."""
    ws_filter = [Workstation.code == workstation] if workstation else []
    built = session.execute(
        select(BuildRun.at, BuildRun.qty)
        .join(WorkOrder, BuildRun.work_order_id == WorkOrder.id)
        .join(Workstation, WorkOrder.workstation_id == Workstation.id)
        .join(WoItem, BuildRun.item_id == WoItem.id)
        .join(Product, WoItem.product_id == Product.id)
        .where(
            BuildRun.at >= day_start,
            BuildRun.reversed_at.is_(None),
            BuildRun.rework.is_(False),
            Product.qc_required.is_(False),
            *ws_filter,
        )
    ).all()
    approved = session.execute(
        select(QcDisposition.at, QcDisposition.approved)
        .join(WorkOrder, QcDisposition.work_order_id == WorkOrder.id)
        .join(Workstation, WorkOrder.workstation_id == Workstation.id)
        .where(QcDisposition.at >= day_start, QcDisposition.approved > 0, *ws_filter)
    ).all()
    planned = session.scalar(
        select(func.coalesce(func.sum(WoItem.qty_planned), 0))
        .join(WorkOrder, WoItem.work_order_id == WorkOrder.id)
        .join(Workstation, WorkOrder.workstation_id == Workstation.id)
        .where(
            WorkOrder.status.in_(
                [WoStatus.READY, WoStatus.IN_PROGRESS, WoStatus.ON_HOLD, WoStatus.COMPLETED]
            ),
            (WorkOrder.scheduled_at.is_(None))
            | (WorkOrder.scheduled_at < day_start + timedelta(days=1)),
            (WorkOrder.status != WoStatus.COMPLETED) | (WorkOrder.finished_at >= day_start),
            *ws_filter,
        )
    )
    by_hour: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for at, qty in [*built, *approved]:
        by_hour[int((at - day_start).total_seconds() // 3600)] += qty
    done = sum(by_hour.values(), ZERO)
    return ShiftSummary(Decimal(planned or 0), done, tuple(sorted(by_hour.items())))
