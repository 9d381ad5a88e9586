"""Sales orders and their lines as they came from the shop or an API client."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kiosk.store.base import Base, id_column
from kiosk.store.types import Quantity, UtcDateTime

ZERO = Decimal(0)


class SalesOrder(Base):
    __tablename__ = "sales_order"
    __table_args__ = (UniqueConstraint("source", "external_id"),)

    id: Mapped[str] = id_column()
    site_id: Mapped[str] = mapped_column(ForeignKey("site.id"), index=True)
    source: Mapped[str] = mapped_column(String(20))  # SalesOrderSource
    external_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))  # SalesOrderStatus
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    lines: Mapped[list[SalesOrderLine]] = relationship(
        cascade="all, delete-orphan", order_by="SalesOrderLine.position"
    )


class SalesOrderLine(Base):
    """A line and how it is covered: reserved from stock, linked work orders, back-order."""

    __tablename__ = "sales_order_line"
    __table_args__ = (
        UniqueConstraint("sales_order_id", "line_id"),
        CheckConstraint("qty >= 0", name="qty_not_negative"),
        CheckConstraint("qty_reserved >= 0", name="reserved_not_negative"),
    )

    id: Mapped[str] = id_column()
    sales_order_id: Mapped[str] = mapped_column(
        ForeignKey("sales_order.id", ondelete="CASCADE"), index=True
    )
    line_id: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    sku: Mapped[str] = mapped_column(String(100))
    product_id: Mapped[str | None] = mapped_column(ForeignKey("product.id"))
    qty: Mapped[Decimal] = mapped_column(Quantity)
    #: Taken from stock when the line arrived (or changed).
    qty_from_stock: Mapped[Decimal] = mapped_column(Quantity, default=ZERO)
    #: Covered by linked MTO work orders.
    qty_from_work_orders: Mapped[Decimal] = mapped_column(Quantity, default=ZERO)
    qty_backordered: Mapped[Decimal] = mapped_column(Quantity, default=ZERO)
    #: Finished stock currently reserved for the line (from stock + delivered by WOs).
    qty_reserved: Mapped[Decimal] = mapped_column(Quantity, default=ZERO)
    #: Shipped to the customer (the line was marked fulfilled): out of stock for good.
    qty_shipped: Mapped[Decimal] = mapped_column(Quantity, default=ZERO, server_default="0")
