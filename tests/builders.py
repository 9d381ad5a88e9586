"""Small builders for tests: a plant assembled through the real commands."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Engine, func, select

from kiosk import queries
from kiosk.commands import (
    Actor,
    BomLineSpec,
    ClockIn,
    Command,
    CommandBus,
    CommandResult,
    ConfirmWorkOrder,
    CreateOperator,
    CreateProduct,
    CreateWorkOrder,
    CreateWorkstation,
    ItemSpec,
    ReceiveStock,
    SetBom,
    StartWorkOrder,
    StepSpec,
)
from kiosk.store.models import Notification

OFFICE = Actor(principal="office")


class Plant:
    """A test plant: products, BOMs, stock, people and work orders, all made by commands."""

    def __init__(self, engine: Engine) -> None:
        self.bus = CommandBus(engine)
        self._operators = 0

    def run(self, command: Command) -> CommandResult:
        return self.bus.execute(command)

    # -- master data -----------------------------------------------------------

    def product(self, sku: str, *, qc: bool = False, name: str | None = None) -> str:
        self.run(CreateProduct(sku=sku, name=name or sku.title(), qc_required=qc, actor=OFFICE))
        return sku

    def bom(
        self,
        sku: str,
        lines: dict[str, int | str | Decimal],
        *,
        steps: tuple[str, ...] = ("Build",),
        output_qty: int | str = 1,
        workstation_type: str | None = None,
    ) -> None:
        self.run(
            SetBom(
                sku=sku,
                output_qty=output_qty,
                lines=[BomLineSpec(s, q) for s, q in lines.items()],
                steps=[StepSpec(n, workstation_type=workstation_type) for n in steps],
                actor=OFFICE,
            )
        )

    def receive(self, sku: str, qty: int | str | Decimal) -> None:
        self.run(ReceiveStock(sku=sku, qty=qty, actor=OFFICE))

    def workstation(self, code: str, *, type: str | None = None) -> str:
        self.run(CreateWorkstation(code=code, name=f"Station {code}", type=type, actor=OFFICE))
        return code

    def operator(self, *, supervisor: bool = False, workstation: str | None = None) -> Actor:
        """A new operator (or supervisor), clocked in; returns the actor to act as."""
        self._operators += 1
        badge = f"{'S' if supervisor else 'B'}{self._operators:03d}"
        self.run(
            CreateOperator(
                badge=badge,
                name=f"Person {badge}",
                pin="1234",
                role="supervisor" if supervisor else "operator",
                actor=OFFICE,
            )
        )
        actor = Actor(badge=badge, workstation=workstation, device_id="test-kiosk")
        self.run(ClockIn(badge=badge, actor=actor))
        return actor

    # -- work orders -------------------------------------------------------------

    def work_order(self, sku: str, qty: int, **fields: object) -> str:
        result = self.run(
            CreateWorkOrder(items=[ItemSpec(sku, qty)], actor=OFFICE, **fields)  # type: ignore[arg-type]
        )
        return str(result.data["work_order_id"])

    def ready_work_order(self, sku: str, qty: int) -> str:
        wo = self.work_order(sku, qty)
        self.run(ConfirmWorkOrder(work_order_id=wo, actor=OFFICE))
        return wo

    def started_work_order(self, sku: str, qty: int, operator: Actor) -> str:
        wo = self.ready_work_order(sku, qty)
        self.run(StartWorkOrder(work_order_id=wo, actor=operator))
        return wo

    # -- reading -----------------------------------------------------------------

    def wo(self, work_order_id: str) -> queries.WorkOrderView:
        with self.bus.read() as session:
            return queries.work_order(session, work_order_id)

    def stock(self, sku: str) -> queries.StockView:
        with self.bus.read() as session:
            return queries.stock_level(session, sku)

    def sales_order(self, sales_order_id: str) -> queries.SalesOrderView:
        with self.bus.read() as session:
            return queries.sales_order(session, sales_order_id)

    def notifications(self, kind: str | None = None) -> list[str]:
        with self.bus.read() as session:
            query = select(Notification.text).order_by(Notification.created_at)
            if kind:
                query = query.where(Notification.kind == kind)
            return list(session.scalars(query))

    def count(self, model: type) -> int:
        with self.bus.read() as session:
            return session.scalar(select(func.count()).select_from(model)) or 0


def simple_plant(plant: Plant) -> None:
    """A widget built from 2 bolts and 1 plate; a gadget (QC) from a widget and a bolt."""
    plant.product("BOLT")
    plant.product("PLATE")
    plant.product("WIDGET")
    plant.product("GADGET", qc=True)
    plant.bom("WIDGET", {"BOLT": 2, "PLATE": 1}, steps=("Cut", "Weld"))
    plant.bom("GADGET", {"WIDGET": 1, "BOLT": 1}, steps=("Assemble",))
