"""Work orders and everything that hangs off them: items, materials, steps,
build runs, QC dispositions, holds, sales-order links and messages."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kiosk.store.base import Base, id_column
from kiosk.store.catalog import Product, Workstation
from kiosk.store.types import Quantity, UtcDateTime

ZERO = Decimal(0)


class WorkOrder(Base):
    __tablename__ = "work_order"

    id: Mapped[str] = id_column()
    number: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    site_id: Mapped[str] = mapped_column(ForeignKey("site.id"), index=True)
    type: Mapped[str] = mapped_column(String(3))  # WoType
    status: Mapped[str] = mapped_column(String(20), index=True)  # WoStatus
    #: The status a hold interrupted; resume returns there.
    status_before_hold: Mapped[str | None] = mapped_column(String(20))
    workstation_id: Mapped[str | None] = mapped_column(ForeignKey("workstation.id"))
    scheduled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: 1 is the most urgent; 3 is normal.
    priority: Mapped[int] = mapped_column(Integer, default=3)
    notes: Mapped[str] = mapped_column(Text, default="")
    #: Amber marker: cut from its sales order and waiting for a person to decide.
    unlink_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_short: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Its material lines were planned by hand when it was made: re-spreads keep them
    #: (a quantity change scales them) instead of rebuilding them from BOMs.
    materials_by_hand: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: Why a supervisor closed it short (a reason code's label, or their words).
    close_reason: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    workstation: Mapped[Workstation | None] = relationship()
    items: Mapped[list[WoItem]] = relationship(
        cascade="all, delete-orphan", order_by="WoItem.position"
    )
    materials: Mapped[list[WoMaterial]] = relationship(
        cascade="all, delete-orphan", order_by="WoMaterial.position"
    )
    steps: Mapped[list[WoStep]] = relationship(
        cascade="all, delete-orphan", order_by="WoStep.position"
    )
    runs: Mapped[list[BuildRun]] = relationship(order_by="BuildRun.at")
    holds: Mapped[list[Hold]] = relationship(order_by="Hold.raised_at")
    links: Mapped[list[WoLink]] = relationship(cascade="all, delete-orphan")
    messages: Mapped[list[WoMessage]] = relationship(order_by="WoMessage.at")

    __mapper_args__ = {"version_id_col": version}

    @property
    def open_hold(self) -> Hold | None:
        return next((h for h in self.holds if h.released_at is None), None)


class WoItem(Base):
    """One product to build on a work order and how far it has got.

    built = every unit a normal run produced; of those, units are awaiting QC,
    waiting for rework, done (approved) or scrapped.
    """

    __tablename__ = "wo_item"
    __table_args__ = (
        CheckConstraint("qty_planned >= 0", name="planned_not_negative"),
        CheckConstraint("qty_awaiting_qc >= 0", name="awaiting_not_negative"),
        CheckConstraint("qty_rework_pending >= 0", name="rework_not_negative"),
        CheckConstraint("qty_done >= 0", name="done_not_negative"),
    )

    id: Mapped[str] = id_column()
    work_order_id: Mapped[str] = mapped_column(
        ForeignKey("work_order.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[str] = mapped_column(ForeignKey("product.id"), index=True)
    #: The BOM the item's materials were spread from; None when they were planned by hand
    #: for a product that has no BOM.
    bom_id: Mapped[str | None] = mapped_column(ForeignKey("bom.id"))
    qty_planned: Mapped[Decimal] = mapped_column(Quantity)
    qty_built: Mapped[Decimal] = mapped_column(Quantity, default=ZERO)
    qty_awaiting_qc: Mapped[Decimal] = mapped_column(Quantity, default=ZERO)
    qty_rework_pending: Mapped[Decimal] = mapped_column(Quantity, default=ZERO)
    qty_done: Mapped[Decimal] = mapped_column(Quantity, default=ZERO)
    qty_scrapped: Mapped[Decimal] = mapped_column(Quantity, default=ZERO)

    product: Mapped[Product] = relationship()


class WoMaterial(Base):
    """A material line of one item; the work order's list merges these by product."""

    __tablename__ = "wo_material"
    __table_args__ = (
        CheckConstraint("qty_reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("qty_consumed >= 0", name="consumed_not_negative"),
    )

    id: Mapped[str] = id_column()
    work_order_id: Mapped[str] = mapped_column(
        ForeignKey("work_order.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[str] = mapped_column(ForeignKey("wo_item.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[str] = mapped_column(ForeignKey("product.id"), index=True)
    qty_required: Mapped[Decimal] = mapped_column(Quantity)
    qty_reserved: Mapped[Decimal] = mapped_column(Quantity, default=ZERO)
    qty_consumed: Mapped[Decimal] = mapped_column(Quantity, default=ZERO)

    product: Mapped[Product] = relationship()


class WoStep(Base):
    """One step of the WO's routing: its own items' steps and their sub-assemblies'."""

    __tablename__ = "wo_step"

    id: Mapped[str] = id_column()
    work_order_id: Mapped[str] = mapped_column(
        ForeignKey("work_order.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text, default="")
    workstation_type: Mapped[str | None] = mapped_column(String(60))
    #: Where the step is done when that is not the WO's own workstation (a
    #: sub-assembly's step at a station of its type); None: the WO's workstation.
    workstation_id: Mapped[str | None] = mapped_column(ForeignKey("workstation.id"), index=True)
    standard_minutes: Mapped[Decimal | None] = mapped_column(Quantity)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    done_by: Mapped[str | None] = mapped_column(String(64))
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)

    workstation: Mapped[Workstation | None] = relationship()


class BuildRun(Base):
    """One cycle of building; its id is made where it happened (a kiosk, maybe offline)."""

    __tablename__ = "build_run"
    __table_args__ = (CheckConstraint("qty > 0", name="qty_positive"),)

    id: Mapped[str] = id_column()
    work_order_id: Mapped[str] = mapped_column(ForeignKey("work_order.id"), index=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("wo_item.id"))
    qty: Mapped[Decimal] = mapped_column(Quantity)
    rework: Mapped[bool] = mapped_column(Boolean, default=False)
    operator_badge: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    over_plan: Mapped[bool] = mapped_column(Boolean, default=False)
    reversed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reversed_by: Mapped[str | None] = mapped_column(String(64))


class QcDisposition(Base):
    __tablename__ = "qc_disposition"
    __table_args__ = (CheckConstraint("approved >= 0 AND failed >= 0", name="counts_not_negative"),)

    id: Mapped[str] = id_column()
    work_order_id: Mapped[str] = mapped_column(ForeignKey("work_order.id"), index=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("wo_item.id"))
    approved: Mapped[Decimal] = mapped_column(Quantity)
    failed: Mapped[Decimal] = mapped_column(Quantity)
    reason: Mapped[str] = mapped_column(String(500), default="")
    category: Mapped[str] = mapped_column(String(60), default="")
    failed_action: Mapped[str | None] = mapped_column(String(10))  # FailedAction
    by_badge: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class Hold(Base):
    __tablename__ = "hold"

    id: Mapped[str] = id_column()
    work_order_id: Mapped[str] = mapped_column(ForeignKey("work_order.id"), index=True)
    reason: Mapped[str] = mapped_column(String(40))  # HoldReason
    note: Mapped[str] = mapped_column(Text, default="")
    raised_by: Mapped[str | None] = mapped_column(String(64))
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime)
    released_by: Mapped[str | None] = mapped_column(String(64))
    released_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class WoLink(Base):
    """An MTO work order builds ``qty`` units for one sales-order line."""

    __tablename__ = "wo_link"
    __table_args__ = (CheckConstraint("qty >= 0", name="qty_not_negative"),)

    id: Mapped[str] = id_column()
    work_order_id: Mapped[str] = mapped_column(
        ForeignKey("work_order.id", ondelete="CASCADE"), index=True
    )
    so_line_id: Mapped[str] = mapped_column(ForeignKey("sales_order_line.id"), index=True)
    qty: Mapped[Decimal] = mapped_column(Quantity)
    #: Done units already handed to the line (reserved in finished stock for it).
    qty_delivered: Mapped[Decimal] = mapped_column(Quantity, default=ZERO)


class WoMessage(Base):
    """A permanent note on a WO: why it was unlinked, a refused or flagged action."""

    __tablename__ = "wo_message"

    id: Mapped[str] = id_column()
    work_order_id: Mapped[str] = mapped_column(ForeignKey("work_order.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    so_line_id: Mapped[str | None] = mapped_column(String(36))
    #: For an unlink: the quantity the sales-order line asks for now (0 = line gone).
    requested_qty: Mapped[Decimal | None] = mapped_column(Quantity)
