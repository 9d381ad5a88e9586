"""Every mapped model in one import, so metadata is complete for Alembic and tests."""

from kiosk.store.base import Base
from kiosk.store.catalog import Bom, BomLine, BomStep, Product, Site, Workstation
from kiosk.store.office_users import LoginThrottle, OfficeSession, OfficeUser
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
from kiosk.store.shopify_routes import ShopifyLocationRoute, ShopifyShop
from kiosk.store.shopify_stock import ShopifyStockPush, ShopifyStockSetting
from kiosk.store.stock import StockLevel, StockMovement
from kiosk.store.sync_records import (
    AppliedCommand,
    ChangeLog,
    FeedCounter,
    OutboxEntry,
    PushFailure,
    ShadowRow,
    SyncState,
)
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
    "AppliedCommand",
    "AuditEntry",
    "Base",
    "Bom",
    "BomLine",
    "BomStep",
    "BuildRun",
    "ChangeLog",
    "ClockSession",
    "Counter",
    "Device",
    "EnrolmentCode",
    "FeedCounter",
    "Hold",
    "LabourSegment",
    "LoginThrottle",
    "Notification",
    "OfficeSession",
    "OfficeUser",
    "Operator",
    "OutboxEntry",
    "PinFailure",
    "Product",
    "PushFailure",
    "QcDisposition",
    "SalesOrder",
    "SalesOrderLine",
    "ShadowRow",
    "ShopifyLocationRoute",
    "ShopifyOrder",
    "ShopifyShop",
    "ShopifyStockPush",
    "ShopifyStockSetting",
    "Site",
    "StockLevel",
    "StockMovement",
    "SyncState",
    "WebhookDelivery",
    "WoItem",
    "WoLink",
    "WoMaterial",
    "WoMessage",
    "WoStep",
    "WorkOrder",
    "Workstation",
]

# Registers the row-change capture (change feed and shadow rows) on every model.
import kiosk.store.capture
import kiosk.store.touched  # noqa: F401
