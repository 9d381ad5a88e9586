"""A believable demo plant: an office-furniture shop with work in every state.

Built only through commands, so the demo obeys every rule the floor does.
Demo people (badge / PIN): operators 1001–1004 with PIN 1111, supervisors
9001–9002 with PIN 9999.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select

from kiosk.commands import (
    Actor,
    BomLineSpec,
    ChangeSalesOrder,
    ClockIn,
    Command,
    CommandBus,
    CompleteStep,
    CompleteWorkOrder,
    ConfirmWorkOrder,
    CreateOperator,
    CreateProduct,
    CreateWorkOrder,
    CreateWorkstation,
    IngestSalesOrder,
    ItemSpec,
    LineChange,
    LineSpec,
    LogOutput,
    RaiseHold,
    ReceiveStock,
    RecordQc,
    SetBom,
    StartWorkOrder,
    StepSpec,
)
from kiosk.commands.work_orders import CancelWorkOrder
from kiosk.store.base import utcnow
from kiosk.store.models import Product, SalesOrder, WorkOrder

OFFICE = Actor(principal="demo")

PRODUCTS = [
    # sku, name, unit, qc
    ("STEEL-TUBE", "Steel tube 25 mm", "m", False),
    ("OAK-PANEL", "Oak desk panel 160×80", "pcs", False),
    ("M6-BOLT", "Bolt M6×20", "pcs", False),
    ("M6-NUT", "Nut M6", "pcs", False),
    ("CASTER", "Caster wheel 50 mm", "pcs", False),
    ("GAS-LIFT", "Gas lift cylinder", "pcs", False),
    ("FOAM-PAD", "Seat foam pad", "pcs", False),
    ("FABRIC", "Upholstery fabric, grey", "m", False),
    ("PAINT", "Powder coat, black", "kg", False),
    ("PACK-BOX", "Shipping carton", "pcs", False),
    ("ARMREST", "Armrest, adjustable", "pcs", False),
    ("CHAIR-BASE", "Chair base, 5-star", "pcs", True),
    ("DESK-FRAME", "Desk frame, welded", "pcs", False),
    ("TASK-CHAIR", "Task chair", "pcs", True),
    ("OAK-DESK", "Oak desk 160", "pcs", False),
    ("STOOL", "Shop stool", "pcs", False),
]

BOMS: dict[str, tuple[dict[str, str], list[StepSpec]]] = {
    "CHAIR-BASE": (
        {"STEEL-TUBE": "1.2", "CASTER": "5", "M6-BOLT": "5", "GAS-LIFT": "1"},
        [
            StepSpec("Cut tubes", "Cut 5 × 240 mm; deburr both ends.", "welding", 6),
            StepSpec("Weld star", "Jig W-12. Check the centre bore is square.", "welding", 12),
            StepSpec(
                "Fit casters and lift", "Press casters in; seat the lift by hand.", "welding", 4
            ),
        ],
    ),
    "TASK-CHAIR": (
        {
            "CHAIR-BASE": "1",
            "FOAM-PAD": "1",
            "FABRIC": "0.8",
            "ARMREST": "2",
            "M6-BOLT": "8",
            "PACK-BOX": "1",
        },
        [
            StepSpec(
                "Upholster seat",
                "Staple every 3 cm; no wrinkles at the front edge.",
                "assembly",
                15,
            ),
            StepSpec("Assemble", "Torque M6 bolts to 8 Nm.", "assembly", 10),
            StepSpec("Pack", "Manual and hex key in the bag on top.", "assembly", 4),
        ],
    ),
    "DESK-FRAME": (
        {"STEEL-TUBE": "4.5", "M6-BOLT": "12", "M6-NUT": "12", "PAINT": "0.2"},
        [
            StepSpec("Cut and weld", "Jig D-3; weld all four corners.", "welding", 25),
            StepSpec("Powder coat", "Cure 20 min at 180 °C.", "welding", 30),
        ],
    ),
    "OAK-DESK": (
        {"DESK-FRAME": "1", "OAK-PANEL": "1", "M6-BOLT": "8", "PACK-BOX": "1"},
        [
            StepSpec("Fit top", "Pre-drill 4 mm; felt pads under each bracket.", "assembly", 12),
            StepSpec("Pack", "Corner protectors on all four corners.", "assembly", 6),
        ],
    ),
    "STOOL": (
        {"STEEL-TUBE": "2", "FOAM-PAD": "1", "FABRIC": "0.3", "M6-BOLT": "4"},
        [StepSpec("Build stool", "Weld ring, fit seat, level the feet.", "assembly", 18)],
    ),
}

STOCK = {
    "STEEL-TUBE": 180,
    "OAK-PANEL": 2,
    "M6-BOLT": 1500,
    "M6-NUT": 300,
    "CASTER": 90,
    "GAS-LIFT": 14,
    "FOAM-PAD": 30,
    "FABRIC": 40,
    "PAINT": 6,
    "PACK-BOX": 60,
    "ARMREST": 26,
    "TASK-CHAIR": 2,
}

WORKSTATIONS = [
    ("WELD-1", "Welding cell 1", "welding"),
    ("WELD-2", "Welding cell 2", "welding"),
    ("ASSY-1", "Assembly bench 1", "assembly"),
    ("ASSY-2", "Assembly bench 2", "assembly"),
]

PEOPLE = [
    ("1001", "Maria Lopez", "1111", "operator"),
    ("1002", "Tom Becker", "1111", "operator"),
    ("1003", "Aiko Tanaka", "1111", "operator"),
    ("1004", "Samuel Okafor", "1111", "operator"),
    ("9001", "Grace Hopper", "9999", "supervisor"),
    ("9002", "Lars Nilsen", "9999", "supervisor"),
]


class _Builder:
    def __init__(self, bus: CommandBus) -> None:
        self.bus = bus
        self.clock = utcnow() - timedelta(hours=6)

    def run(self, command: Command) -> dict[str, object]:
        return self.bus.execute(command).data

    def at(self, minutes: int = 7) -> datetime:
        """Device times a few minutes apart, so the history reads like a shift."""
        self.clock += timedelta(minutes=minutes)
        return self.clock


def is_seeded(engine: Engine) -> bool:
    bus = CommandBus(engine)
    with bus.read() as session:
        return (session.scalar(select(func.count()).select_from(Product)) or 0) > 0


def seed_demo_plant(engine: Engine) -> None:
    """Fill an empty store with the demo plant (refuses a store that has products)."""
    if is_seeded(engine):
        raise RuntimeError("the store already has products; the demo plant needs an empty one")
    b = _Builder(CommandBus(engine))
    for sku, name, unit, qc in PRODUCTS:
        b.run(CreateProduct(sku=sku, name=name, unit=unit, qc_required=qc, actor=OFFICE))
    for sku, (lines, steps) in BOMS.items():
        b.run(
            SetBom(
                sku=sku,
                lines=[BomLineSpec(s, q) for s, q in lines.items()],
                steps=steps,
                actor=OFFICE,
            )
        )
    for code, name, kind in WORKSTATIONS:
        b.run(CreateWorkstation(code=code, name=name, type=kind, actor=OFFICE))
    for badge, name, pin, role in PEOPLE:
        b.run(CreateOperator(badge=badge, name=name, pin=pin, role=role, actor=OFFICE))
    for sku, qty in STOCK.items():
        b.run(ReceiveStock(sku=sku, qty=qty, reason="opening count", actor=OFFICE, at=b.at(1)))

    maria = Actor(badge="1001", workstation="WELD-1", device_id="demo-weld-1")
    tom = Actor(badge="1002", workstation="ASSY-1", device_id="demo-assy-1")
    aiko = Actor(badge="1003", workstation="WELD-2", device_id="demo-weld-2")
    grace = Actor(badge="1003", supervisor_badge="9001", workstation="WELD-2")
    for person in (maria, tom, aiko):
        b.run(ClockIn(badge=person.badge or "", actor=person, at=b.at(2)))

    def make(sku: str, qty: int, name: str, ws: str, priority: int = 3) -> str:
        data = b.run(
            CreateWorkOrder(
                items=[ItemSpec(sku, qty)],
                name=name,
                workstation=ws,
                priority=priority,
                scheduled_at=b.clock + timedelta(days=1),
                actor=OFFICE,
                at=b.at(3),
            )
        )
        return str(data["work_order_id"])

    # Completed: stools built and finished this morning.
    stools = make("STOOL", 4, "Stools for the canteen", "ASSY-1")
    b.run(ConfirmWorkOrder(work_order_id=stools, actor=OFFICE, at=b.at()))
    b.run(StartWorkOrder(work_order_id=stools, actor=tom, at=b.at()))
    b.run(LogOutput(work_order_id=stools, qty=4, actor=tom, at=b.at(40)))
    _finish_steps(b, stools, tom)
    b.run(CompleteWorkOrder(work_order_id=stools, actor=tom, at=b.at()))

    # In progress: chair bases, some through QC, some waiting for it.
    bases = make("CHAIR-BASE", 12, "Chair bases, weekly batch", "WELD-1", priority=2)
    b.run(ConfirmWorkOrder(work_order_id=bases, actor=OFFICE, at=b.at()))
    b.run(StartWorkOrder(work_order_id=bases, actor=maria, at=b.at()))
    b.run(LogOutput(work_order_id=bases, qty=5, actor=maria, at=b.at(35)))
    b.run(
        RecordQc(
            work_order_id=bases,
            approved=4,
            failed=1,
            reason="Weld porosity on one leg",
            category="welding",
            failed_action="rework",
            actor=maria,
            at=b.at(10),
        )
    )
    b.run(LogOutput(work_order_id=bases, qty=3, actor=maria, at=b.at(30)))

    # On hold: a desk frame run stopped by a machine fault.
    frames = make("DESK-FRAME", 6, "Desk frames for the Hansen order", "WELD-2")
    b.run(ConfirmWorkOrder(work_order_id=frames, actor=OFFICE, at=b.at()))
    b.run(StartWorkOrder(work_order_id=frames, actor=aiko, at=b.at()))
    b.run(LogOutput(work_order_id=frames, qty=2, actor=aiko, at=b.at(50)))
    b.run(
        RaiseHold(
            work_order_id=frames,
            reason="machine_down",
            note="Welder 2 trips its breaker on start; maintenance called.",
            actor=aiko,
            at=b.at(5),
        )
    )

    # Draft: the office is still planning it.
    make("STOOL", 10, "Showroom stools (draft)", "ASSY-2", priority=4)

    # Cancelled: planned, then dropped.
    dropped = make("OAK-DESK", 2, "Trade-fair desks", "ASSY-2")
    b.run(CancelWorkOrder(work_order_id=dropped, reason="fair postponed", actor=OFFICE, at=b.at()))

    # Sales orders: a chair order that builds (ready), a desk order that is short (blocked),
    # and one whose WO started before the customer cut the quantity (unlinked, amber).
    b.run(
        IngestSalesOrder(
            external_id="#1042",
            source="shopify",
            lines=[LineSpec("l1", "task-chair", 6), LineSpec("l2", "FOOTREST-X", 1)],
            actor=OFFICE,
            at=b.at(),
        )
    )
    b.run(
        IngestSalesOrder(
            external_id="PO-7731",
            source="api",
            lines=[LineSpec("1", "OAK-DESK", 8)],
            actor=OFFICE,
            at=b.at(),
        )
    )
    data = b.run(
        IngestSalesOrder(
            external_id="#1043",
            source="shopify",
            lines=[LineSpec("l1", "STOOL", 5)],
            actor=OFFICE,
            at=b.at(),
        )
    )
    order_1043 = str(data["sales_order_id"])
    stool_wo = _work_order_for(b, "#1043")
    b.run(StartWorkOrder(work_order_id=stool_wo, actor=tom, at=b.at()))
    b.run(LogOutput(work_order_id=stool_wo, qty=1, actor=tom, at=b.at(20)))
    b.run(
        ChangeSalesOrder(
            sales_order_id=order_1043,
            lines=[LineChange("l1", 2)],
            reason="customer reduced the quantity",
            actor=OFFICE,
            at=b.at(),
        )
    )
    del grace  # supervisors act on the kiosk; the demo leaves their decisions open


def _finish_steps(b: _Builder, work_order_id: str, actor: Actor) -> None:
    from kiosk import queries

    with b.bus.read() as session:
        steps = queries.work_order(session, work_order_id).steps
    for step in steps:
        b.run(CompleteStep(work_order_id=work_order_id, step_id=step.id, actor=actor, at=b.at(2)))


def _work_order_for(b: _Builder, external_id: str) -> str:
    from kiosk.store.models import SalesOrderLine, WoLink

    with b.bus.read() as session:
        wo_id = session.scalar(
            select(WorkOrder.id)
            .join(WoLink, WoLink.work_order_id == WorkOrder.id)
            .join(SalesOrderLine, SalesOrderLine.id == WoLink.so_line_id)
            .join(SalesOrder, SalesOrder.id == SalesOrderLine.sales_order_id)
            .where(SalesOrder.external_id == external_id)
        )
    assert wo_id is not None, f"no work order for {external_id}"
    return str(wo_id)


__all__ = ["is_seeded", "seed_demo_plant"]
