"""The read side: every screen's and every API view's reads, as frozen values.

The kiosk facade, the server's views (and the office console) read through here;
the commands never do. Derived quantities ("short", "left to build") come from
``kiosk.domain.rules``, so each is computed once. Never ORM objects: callers get
plain values that cannot lazy-load.

- ``board``: the board's lines, all of them or only those a change touched;
- ``work_order``: one work order in full, a stock level, a sales order;
- ``floor``: people, labour, notifications, today's good units, the station;
- ``sync_overview``: the kiosk's queue and the server's answers;
- ``work_order_list``: the office's filtered, paged list;
- ``master_data``: sites, workstations, operators and products, listed and one by one;
- ``deliveries``: the Shopify deliveries the server stored, and what became of each;
- ``shopify_stock``: stock going back to Shopify, product by product.
"""

from kiosk.queries.board import BoardCache, BoardRow, board_rows
from kiosk.queries.deliveries import (
    DeliveryFilters,
    DeliveryView,
    delivery,
    delivery_topics,
    list_deliveries,
)
from kiosk.queries.floor import (
    ALL_SITES,
    Identified,
    LabourRow,
    NotificationRow,
    Person,
    ShiftSummary,
    StationInfo,
    clocked_in,
    good_units_today,
    labour,
    notifications,
    person,
    station_info,
)
from kiosk.queries.shopify_stock import StockPushView, stock_pushes
from kiosk.queries.work_order import (
    HoldView,
    ItemView,
    LinkView,
    MaterialView,
    MessageView,
    QcView,
    RunView,
    SalesLineView,
    SalesOrderView,
    StepView,
    StockView,
    WorkOrderView,
    names_of,
    qc_dispositions,
    sales_order,
    stock_level,
    work_order,
    work_order_by_number,
)
from kiosk.queries.work_order_list import Filters as WorkOrderFilters
from kiosk.queries.work_order_list import ItemSummary, WorkOrderSummary, list_work_orders

__all__ = [
    "ALL_SITES",
    "BoardCache",
    "BoardRow",
    "DeliveryFilters",
    "DeliveryView",
    "HoldView",
    "Identified",
    "ItemSummary",
    "ItemView",
    "LabourRow",
    "LinkView",
    "MaterialView",
    "MessageView",
    "NotificationRow",
    "Person",
    "QcView",
    "RunView",
    "SalesLineView",
    "SalesOrderView",
    "ShiftSummary",
    "StationInfo",
    "StepView",
    "StockPushView",
    "StockView",
    "WorkOrderFilters",
    "WorkOrderSummary",
    "WorkOrderView",
    "board_rows",
    "clocked_in",
    "delivery",
    "delivery_topics",
    "good_units_today",
    "labour",
    "list_deliveries",
    "list_work_orders",
    "names_of",
    "notifications",
    "person",
    "qc_dispositions",
    "sales_order",
    "station_info",
    "stock_level",
    "stock_pushes",
    "work_order",
    "work_order_by_number",
]
