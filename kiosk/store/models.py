"""Every mapped model in one import, so metadata is complete for Alembic and tests."""

from kiosk.store.base import Base
from kiosk.store.catalog import Bom, BomLine, BomStep, Product, Site, Workstation
from kiosk.store.people import ClockSession, LabourSegment, Operator
from kiosk.store.records import AuditEntry, Counter, Notification, PinFailure
from kiosk.store.sales import SalesOrder, SalesOrderLine
from kiosk.store.server_records import (
    ApiToken,
    Device,
    EnrolmentCode,
    ShopifyOrder,
    WebhookDelivery,
)
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
    "ApiToken",
    "AuditEntry",
    "Base",
    "Bom",
    "BomLine",
    "BomStep",
    "BuildRun",
    "ClockSession",
    "Counter",
    "Device",
    "EnrolmentCode",
    "Hold",
    "LabourSegment",
    "Notification",
    "Operator",
    "PinFailure",
    "Product",
    "QcDisposition",
    "SalesOrder",
    "SalesOrderLine",
    "ShopifyOrder",
    "Site",
    "StockLevel",
    "StockMovement",
    "WebhookDelivery",
    "WoItem",
    "WoLink",
    "WoMaterial",
    "WoMessage",
    "WoStep",
    "WorkOrder",
    "Workstation",
]
