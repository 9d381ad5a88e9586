"""Stock levels per site and product, and the append-only movement ledger."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kiosk.store.base import Base, id_column
from kiosk.store.catalog import Product
from kiosk.store.types import Quantity, UtcDateTime


class StockLevel(Base):
    __tablename__ = "stock_level"
    __table_args__ = (
        # The backstop behind every handler: never a negative or oversold reservation.
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
    )

    site_id: Mapped[str] = mapped_column(ForeignKey("site.id"), primary_key=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("product.id"), primary_key=True)
    on_hand: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    reserved: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))

    product: Mapped[Product] = relationship()

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved


class StockMovement(Base):
    """One change of on-hand stock; never updated or deleted (``on_hand`` = their sum)."""

    __tablename__ = "stock_movement"

    id: Mapped[str] = id_column()
    site_id: Mapped[str] = mapped_column(ForeignKey("site.id"))
    product_id: Mapped[str] = mapped_column(ForeignKey("product.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # MovementKind
    qty: Mapped[Decimal] = mapped_column(Quantity)  # signed
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    reason: Mapped[str] = mapped_column(String(500), default="")
    work_order_id: Mapped[str | None] = mapped_column(ForeignKey("work_order.id"), index=True)
    build_run_id: Mapped[str | None] = mapped_column(String(36))
    sales_order_id: Mapped[str | None] = mapped_column(String(36))
    operator_id: Mapped[str | None] = mapped_column(String(36))
    device_id: Mapped[str | None] = mapped_column(String(64))
    command_id: Mapped[str | None] = mapped_column(String(36))
