"""Every state change as a command with one handler: the one place state changes.

The kiosk UI, the server's API and sync replay all build these dataclasses and
hand them to :class:`CommandBus`.
"""

from kiosk.commands.base import COMMAND_TYPES, SYSTEM, Actor, Command, CommandResult
from kiosk.commands.bus import CommandBus
from kiosk.commands.catalog import (
    BomLineSpec,
    CreateProduct,
    CreateSite,
    CreateWorkstation,
    EditProduct,
    EditSite,
    EditWorkstation,
    SetBom,
    SetProductActive,
    SetSiteActive,
    SetWorkstationActive,
    StepSpec,
)
from kiosk.commands.floor import (
    CompleteStep,
    CompleteWorkOrder,
    LogOutput,
    RaiseHold,
    ResumeWorkOrder,
    ReverseRun,
    StartWorkOrder,
)
from kiosk.commands.notifications import AcknowledgeNotification
from kiosk.commands.people import (
    ClearPinLockout,
    ClockIn,
    ClockOut,
    CreateOperator,
    EditOperator,
    PinLockout,
    SetOperatorActive,
    VerifyPin,
)
from kiosk.commands.qc import RecordQc
from kiosk.commands.sales import (
    AcceptSalesOrderChange,
    CancelSalesOrder,
    ChangeSalesOrder,
    DeleteSalesOrder,
    FulfilSalesLine,
    IngestSalesOrder,
    KeepAsStock,
    LineChange,
    LineSpec,
)
from kiosk.commands.shopify_deliveries import ReplayWebhookDelivery
from kiosk.commands.shopify_routes import (
    AwaitShopifyRoute,
    DeleteShopifyRoute,
    LocationRouteSpec,
    SetShopifyRoute,
)
from kiosk.commands.shopify_stock import PushShopifyStock, SetShopifyStockSync
from kiosk.commands.stock import AdjustStock, ReceiveStock
from kiosk.commands.work_orders import (
    CancelWorkOrder,
    ConfirmWorkOrder,
    CreateWorkOrder,
    EditWorkOrder,
    ItemSpec,
    MaterialSpec,
    RetryAllocation,
)

__all__ = [
    "COMMAND_TYPES",
    "SYSTEM",
    "AcceptSalesOrderChange",
    "AcknowledgeNotification",
    "Actor",
    "AdjustStock",
    "AwaitShopifyRoute",
    "BomLineSpec",
    "CancelSalesOrder",
    "CancelWorkOrder",
    "ChangeSalesOrder",
    "ClearPinLockout",
    "ClockIn",
    "ClockOut",
    "Command",
    "CommandBus",
    "CommandResult",
    "CompleteStep",
    "CompleteWorkOrder",
    "ConfirmWorkOrder",
    "CreateOperator",
    "CreateProduct",
    "CreateSite",
    "CreateWorkOrder",
    "CreateWorkstation",
    "DeleteSalesOrder",
    "DeleteShopifyRoute",
    "EditOperator",
    "EditProduct",
    "EditSite",
    "EditWorkOrder",
    "EditWorkstation",
    "FulfilSalesLine",
    "IngestSalesOrder",
    "ItemSpec",
    "KeepAsStock",
    "LineChange",
    "LineSpec",
    "LocationRouteSpec",
    "LogOutput",
    "MaterialSpec",
    "PinLockout",
    "PushShopifyStock",
    "RaiseHold",
    "ReceiveStock",
    "RecordQc",
    "ReplayWebhookDelivery",
    "ResumeWorkOrder",
    "RetryAllocation",
    "ReverseRun",
    "SetBom",
    "SetOperatorActive",
    "SetProductActive",
    "SetShopifyRoute",
    "SetShopifyStockSync",
    "SetSiteActive",
    "SetWorkstationActive",
    "StartWorkOrder",
    "StepSpec",
    "VerifyPin",
]
