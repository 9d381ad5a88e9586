"""Master data: sites, products, BOMs with routing steps, workstations."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kiosk.store.base import Base, id_column
from kiosk.store.types import Quantity


class Site(Base):
    __tablename__ = "site"

    id: Mapped[str] = id_column()
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    #: How people identify at this site's kiosks (IdentifyBy): a badge scan alone, or
    #: a PIN with every identification.
    identify_by: Mapped[str] = mapped_column(
        String(20), default="badge_scan", server_default="badge_scan"
    )
    #: False: closed down; kept for its history, refused for new work, workstations
    #: and people. The default site is always active.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class Product(Base):
    __tablename__ = "product"

    id: Mapped[str] = id_column()
    sku: Mapped[str] = mapped_column(String(100))
    #: ``sku`` trimmed and lower-cased: SKUs match case-insensitively.
    sku_key: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(20), default="pcs")
    qc_required: Mapped[bool] = mapped_column(Boolean, default=False)
    #: False: no longer made or used; refused for new work orders and new BOM lines,
    #: while the work orders and BOMs that have it go on as they are.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    bom: Mapped[Bom | None] = relationship(back_populates="product", uselist=False)


class Bom(Base):
    """How to build one set of a product; one BOM per product (its default)."""

    __tablename__ = "bom"
    __table_args__ = (CheckConstraint("output_qty > 0", name="output_positive"),)

    id: Mapped[str] = id_column()
    product_id: Mapped[str] = mapped_column(ForeignKey("product.id"), unique=True)
    output_qty: Mapped[Decimal] = mapped_column(Quantity)

    product: Mapped[Product] = relationship(back_populates="bom")
    lines: Mapped[list[BomLine]] = relationship(
        cascade="all, delete-orphan", order_by="BomLine.position"
    )
    steps: Mapped[list[BomStep]] = relationship(
        cascade="all, delete-orphan", order_by="BomStep.position"
    )


class BomLine(Base):
    __tablename__ = "bom_line"
    __table_args__ = (CheckConstraint("qty > 0", name="qty_positive"),)

    id: Mapped[str] = id_column()
    bom_id: Mapped[str] = mapped_column(ForeignKey("bom.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[str] = mapped_column(ForeignKey("product.id"))
    qty: Mapped[Decimal] = mapped_column(Quantity)

    product: Mapped[Product] = relationship()


class BomStep(Base):
    __tablename__ = "bom_step"

    id: Mapped[str] = id_column()
    bom_id: Mapped[str] = mapped_column(ForeignKey("bom.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text, default="")
    workstation_type: Mapped[str | None] = mapped_column(String(60))
    standard_minutes: Mapped[Decimal | None] = mapped_column(Quantity)


class Workstation(Base):
    __tablename__ = "workstation"

    id: Mapped[str] = id_column()
    site_id: Mapped[str] = mapped_column(ForeignKey("site.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str | None] = mapped_column(String(60))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Round-robin cursor: the station with the lowest turn gets the next new WO.
    assignment_turn: Mapped[int] = mapped_column(Integer, default=0)
