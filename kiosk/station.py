"""The kiosk's application facade: what one workstation's screens read, and its commands.

The UI never holds a Session; it calls this object (from its one worker thread) and
gets frozen read objects back. Commands go through the same CommandBus as the server.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine, PoolProxiedConnection, func, select
from sqlalchemy.orm import Session

from kiosk import queries, sync_view
from kiosk.commands import (
    Actor,
    ClearPinLockout,
    ClockIn,
    ClockOut,
    Command,
    CommandBus,
    CommandResult,
    PinLockout,
    VerifyPin,
)
from kiosk.commands.base import Sync
from kiosk.commands.bus import CommandHook
from kiosk.domain.enums import RESERVING_STATUSES, IdentifyBy, IdentifyMethod, WoStatus
from kiosk.domain.errors import NotFound
from kiosk.services import identity
from kiosk.store.base import utcnow
from kiosk.store.models import (
    AuditEntry,
    BuildRun,
    ClockSession,
    Hold,
    LabourSegment,
    Notification,
    Operator,
    Product,
    QcDisposition,
    StockLevel,
    WoItem,
    WoMaterial,
    WorkOrder,
    Workstation,
    WoStep,
)

ZERO = Decimal(0)


@dataclass(frozen=True)
class BoardRow:
    """One line of the board: everything a row shows, precomputed for fast filtering."""

    id: str
    number: str
    name: str
    product: str
    status: WoStatus
    workstation: str | None
    qty_done: Decimal
    qty_planned: Decimal
    short_skus: tuple[str, ...]
    has_materials: bool
    hold_reason: str | None
    unlinked: bool
    closed_short: bool
    scheduled_at: datetime | None
    priority: int
    input_skus: tuple[str, ...]
    output_skus: tuple[str, ...]
    version: int
    #: lower-case "number name product skus…", what the search box matches against.
    haystack: str
    #: Changes whenever anything the row shows changes: cheap to compare on the GUI thread.
    fingerprint: int = 0
    #: Other workstations (codes) with a step of this open WO still to do there (a
    #: sub-assembly's step): their boards list it too.
    step_stations: tuple[str, ...] = ()

    def is_at(self, workstation: str) -> bool:
        """On this workstation's board: assigned here, or a step of it is still to do here."""
        return self.workstation == workstation or workstation in self.step_stations


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


@dataclass(frozen=True)
class NotificationRow:
    id: str
    kind: str
    text: str
    created_at: datetime
    work_order_id: str | None
    acknowledged_by: str | None


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


class Station:
    """One workstation's view of the plant and the commands its operators run."""

    def __init__(self, engine: Engine, workstation: str | None, device_id: str) -> None:
        self.engine = engine
        self.bus = CommandBus(engine)
        self.workstation = workstation
        self.device_id = device_id
        self._version_conn: PoolProxiedConnection | None = None

    # ---------------------------------------------------------------- commands
    def actor(self, badge: str | None, supervisor_badge: str | None = None) -> Actor:
        return Actor(
            badge=badge,
            supervisor_badge=supervisor_badge,
            device_id=self.device_id,
            workstation=self.workstation,
        )

    def execute(self, command: Command) -> CommandResult:
        """Run a floor command here (the outbox hook, when syncing, queues it in the same
        transaction). Office commands belong to the server: run here, they would change
        this copy of the plant and never reach it."""
        if command.policy.sync not in (Sync.PUSHED, Sync.LOCAL):
            raise TypeError(
                f"{type(command).__name__} is not a kiosk's command ({command.policy.sync})"
            )
        return self.bus.execute(command, hook=self.command_hook)

    # ---------------------------------------------------------------- people
    def identify(self, badge: str, pin: str | None, method: IdentifyMethod) -> Identified:
        """Clock ``badge`` in here (or confirm they are), under the site's policy."""
        result = self._reporting_lockouts(
            badge, ClockIn(badge=badge, pin=pin, method=method.value, actor=self.actor(badge))
        )
        person = self.person(badge)
        return Identified(person, bool(result.data["already"]), tuple(result.data["moved_from"]))

    def verify(self, badge: str, pin: str, *, supervisor: bool, acting: str | None) -> Person:
        """Check a badge and PIN (``supervisor``: and the role) while ``acting`` works."""
        command = VerifyPin(badge=badge, pin=pin, supervisor=supervisor, actor=self.actor(acting))
        self._reporting_lockouts(badge, command)
        return self.person(badge)

    def _reporting_lockouts(self, badge: str, command: Command) -> CommandResult:
        try:
            return self.execute(command)
        except identity.BadgeLocked as err:
            if err.newly:  # the supervisors (and the server's audit log) hear of it
                self.execute(PinLockout(badge=badge, actor=self.actor(None)))
            raise

    def clock_out(self, badge: str, supervisor_badge: str | None = None) -> CommandResult:
        """Clock ``badge`` out: by themself, or by a supervisor (who is then the actor)."""
        actor = self.actor(None, supervisor_badge) if supervisor_badge else self.actor(badge)
        return self.execute(ClockOut(badge=badge, actor=actor))

    def unlock(self, badge: str | None, supervisor_badge: str) -> CommandResult:
        """A supervisor ends a badge's lockout here (None: every one, and a pause)."""
        return self.execute(ClearPinLockout(badge=badge, actor=self.actor(None, supervisor_badge)))

    def identify_by(self) -> IdentifyBy:
        """How people identify at this kiosk: the site's setting."""
        with self.bus.read() as session:
            return identity.policy(session, self.workstation)

    # ---------------------------------------------------------------- reads
    def info(self) -> StationInfo:
        with self.bus.read() as session:
            ws = None
            if self.workstation:
                ws = session.scalars(
                    select(Workstation).where(Workstation.code == self.workstation)
                ).one_or_none()
            if ws is None:
                return StationInfo(self.workstation or "—", "Whole plant", None)
            return StationInfo(ws.code, ws.name, ws.type)

    def board(self) -> list[BoardRow]:
        """Every open or recent work order of the plant, in a handful of set queries."""
        with self.bus.read() as session:
            wos = session.execute(
                select(
                    WorkOrder.id,
                    WorkOrder.number,
                    WorkOrder.name,
                    WorkOrder.status,
                    WorkOrder.scheduled_at,
                    WorkOrder.priority,
                    WorkOrder.unlink_pending,
                    WorkOrder.closed_short,
                    WorkOrder.version,
                    WorkOrder.site_id,
                    Workstation.code,
                ).outerjoin(Workstation, WorkOrder.workstation_id == Workstation.id)
            ).all()
            items: dict[str, list[tuple[str, str, Decimal, Decimal]]] = defaultdict(list)
            for wo_id, sku, name, planned, done in session.execute(
                select(
                    WoItem.work_order_id,
                    Product.sku,
                    Product.name,
                    WoItem.qty_planned,
                    WoItem.qty_done,
                ).join(Product, WoItem.product_id == Product.id)
            ):
                items[wo_id].append((sku, name, planned, done))
            materials: dict[str, dict[str, tuple[Decimal, Decimal, Decimal]]] = defaultdict(dict)
            product_of: dict[str, str] = {}
            for wo_id, product_id, sku, required, reserved, consumed in session.execute(
                select(
                    WoMaterial.work_order_id,
                    WoMaterial.product_id,
                    Product.sku,
                    func.sum(WoMaterial.qty_required),
                    func.sum(WoMaterial.qty_reserved),
                    func.sum(WoMaterial.qty_consumed),
                )
                .join(Product, WoMaterial.product_id == Product.id)
                .group_by(WoMaterial.work_order_id, WoMaterial.product_id, Product.sku)
            ):
                materials[wo_id][product_id] = (required, reserved, consumed)
                product_of[product_id] = sku
            available = {
                (site, product): on_hand - reserved
                for site, product, on_hand, reserved in session.execute(
                    select(
                        StockLevel.site_id,
                        StockLevel.product_id,
                        StockLevel.on_hand,
                        StockLevel.reserved,
                    )
                )
            }
            step_stations: dict[str, set[str]] = defaultdict(set)
            for wo_id, code in session.execute(
                select(WoStep.work_order_id, Workstation.code)
                .join(Workstation, WoStep.workstation_id == Workstation.id)
                .where(WoStep.done_at.is_(None))
            ):
                step_stations[wo_id].add(code)
            holds: dict[str, str] = dict(
                session.execute(
                    select(Hold.work_order_id, Hold.reason).where(Hold.released_at.is_(None))
                )
                .tuples()
                .all()
            )
        rows = []
        for (
            wo_id,
            number,
            name,
            status,
            scheduled,
            priority,
            unlink,
            short_closed,
            version,
            site,
            ws,
        ) in wos:
            st = WoStatus(status)
            its = items.get(wo_id, [])
            mats = materials.get(wo_id, {})
            short = []
            for product_id, (required, reserved, consumed) in mats.items():
                outstanding = max(required - consumed - reserved, ZERO)
                if st.is_terminal or outstanding <= 0:
                    continue
                if st not in RESERVING_STATUSES and available.get((site, product_id), ZERO) >= (
                    outstanding
                ):
                    continue
                short.append(product_of[product_id])
            outputs = tuple(sku for sku, _, _, _ in its)
            inputs = tuple(sorted(product_of[p] for p in mats))
            product = ", ".join(f"{sku} {pname}" for sku, pname, _, _ in its[:2])
            qty_done = sum((i[3] for i in its), ZERO)
            qty_planned = sum((i[2] for i in its), ZERO)
            hold = holds.get(wo_id)
            shorts = tuple(sorted(short))
            elsewhere = () if st.is_terminal else tuple(sorted(step_stations[wo_id] - {ws}))
            rows.append(
                BoardRow(
                    id=wo_id,
                    number=number,
                    name=name,
                    product=product,
                    status=st,
                    workstation=ws,
                    qty_done=qty_done,
                    qty_planned=qty_planned,
                    short_skus=shorts,
                    has_materials=bool(mats),
                    hold_reason=hold,
                    unlinked=unlink,
                    closed_short=short_closed,
                    scheduled_at=scheduled,
                    priority=priority,
                    input_skus=inputs,
                    output_skus=outputs,
                    version=version,
                    haystack=" ".join((number, name, product, *inputs, *outputs)).lower(),
                    fingerprint=hash(
                        (
                            version,
                            st,
                            qty_done,
                            qty_planned,
                            shorts,
                            hold,
                            unlink,
                            short_closed,
                            scheduled,
                            priority,
                            ws,
                            name,
                            elsewhere,
                        )
                    ),
                    step_stations=elsewhere,
                )
            )
        return rows

    def work_order(self, work_order_id: str) -> queries.WorkOrderView:
        with self.bus.read() as session:
            return queries.work_order(session, work_order_id)

    def work_order_by_number(self, number: str) -> queries.WorkOrderView:
        with self.bus.read() as session:
            return queries.work_order_by_number(session, number)

    def labour(self, work_order_id: str) -> list[LabourRow]:
        with self.bus.read() as session:
            return [
                LabourRow(name, start, end)
                for name, start, end in session.execute(
                    select(Operator.name, LabourSegment.started_at, LabourSegment.ended_at)
                    .join(Operator, LabourSegment.operator_id == Operator.id)
                    .where(LabourSegment.work_order_id == work_order_id)
                    .order_by(LabourSegment.started_at)
                )
            ]

    def person(self, badge: str) -> Person:
        with self.bus.read() as session:
            op = session.scalars(select(Operator).where(Operator.badge == badge)).one_or_none()
            if op is None or not op.active:
                raise NotFound(f"Badge {badge} is not known here.", badge=badge)
            return Person(op.badge, op.name, op.role)

    def clocked_in(self) -> list[Person]:
        """Who is clocked in at this workstation, earliest first."""
        with self.bus.read() as session:
            query = (
                select(Operator.badge, Operator.name, Operator.role, ClockSession.clocked_in_at)
                .join(ClockSession, ClockSession.operator_id == Operator.id)
                .where(ClockSession.clocked_out_at.is_(None))
                .order_by(ClockSession.clocked_in_at)
            )
            if self.workstation:
                query = query.join(
                    Workstation, ClockSession.workstation_id == Workstation.id
                ).where(Workstation.code == self.workstation)
            return [Person(*row) for row in session.execute(query)]

    def notifications(self, include_acknowledged: bool = False) -> list[NotificationRow]:
        with self.bus.read() as session:
            query = select(Notification).order_by(Notification.created_at.desc()).limit(200)
            if not include_acknowledged:
                query = query.where(Notification.acknowledged_at.is_(None))
            return [
                NotificationRow(
                    n.id, n.kind, n.text, n.created_at, n.work_order_id, n.acknowledged_by
                )
                for n in session.scalars(query)
            ]

    def shift(self, day_start: datetime) -> ShiftSummary:
        """Good units since ``day_start`` (UTC) on this workstation's work orders, per hour:
        what the plant counts. A unit is good when it is done: built (no QC), or approved
        at QC (counted when approved). Scrapped, reworked or reversed units are not."""
        with self.bus.read() as session:
            ws_filter = []
            if self.workstation:
                ws_filter = [Workstation.code == self.workstation]
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

    def change_token(self) -> int:
        """A number that changes whenever anyone commits to the store (cheap to poll)."""
        if self.engine.dialect.name == "sqlite":
            # data_version moves when *another* connection commits, so keep one aside.
            if self._version_conn is None:
                self._version_conn = self.engine.raw_connection()
            cursor = self._version_conn.cursor()
            try:
                return int(cursor.execute("PRAGMA data_version").fetchone()[0])
            finally:
                cursor.close()
        with self.bus.read() as session:
            return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)

    def close(self) -> None:
        if self._version_conn is not None:
            self._version_conn.close()
            self._version_conn = None

    # ---------------------------------------------------------------- sync
    #: Runs inside every command's transaction (the sync outbox); None: no sync.
    command_hook: CommandHook | None = None

    def use_outbox(self, hook: CommandHook) -> None:
        """Queue every command for the server in the same transaction that applies it."""
        self.command_hook = hook

    def sync_overview(self) -> sync_view.SyncOverview:
        with self.bus.read() as session:
            return sync_view.overview(session)

    def mark_answers_seen(self, seqs: list[int]) -> None:
        with Session(self.engine) as session, session.begin():
            sync_view.mark_seen(session, seqs)

    def store_health(self) -> sync_view.StoreHealth:
        return sync_view.store_health(self.engine)
