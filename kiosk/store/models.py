"""Every mapped model in one import, so metadata is complete for Alembic and tests."""

from kiosk.store.base import Base
from kiosk.store.catalog import Bom, BomLine, BomStep, Product, Site, Workstation
from kiosk.store.people import ClockSession, LabourSegment, Operator
from kiosk.store.records import AuditEntry, Counter, Notification, PinFailure
from kiosk.store.sales import SalesOrder, SalesOrderLine
from kiosk.store.stock import StockLevel, StockMovement
from kiosk.store.work_orders import (
    BuildRun,
    Hold,
    QcDisposition,
    WoItem,
    WoLink,
    WoMaterial,
    WoMessage,
    WorkOrder,
    WoStep,
)

__all__ = [
    "AuditEntry",
    "Base",
    "Bom",
    "BomLine",
    "BomStep",
    "BuildRun",
    "ClockSession",
    "Counter",
    "Hold",
    "LabourSegment",
    "Notification",
    "Operator",
    "PinFailure",
    "Product",
    "QcDisposition",
    "SalesOrder",
    "SalesOrderLine",
    "Site",
    "StockLevel",
    "StockMovement",
    "WoItem",
    "WoLink",
    "WoMaterial",
    "WoMessage",
    "WoStep",
    "WorkOrder",
    "Workstation",
]
