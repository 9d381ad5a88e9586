"""The closed vocabularies of the domain, as StrEnums stored by value."""

from __future__ import annotations

from enum import StrEnum


class WoStatus(StrEnum):
    DRAFT = "draft"
    BLOCKED = "blocked"
    READY = "ready"
    IN_PROGRESS = "in_progress"
    ON_HOLD = "on_hold"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return _WO_LABELS[self]

    @property
    def is_terminal(self) -> bool:
        return self in (WoStatus.COMPLETED, WoStatus.CANCELLED)


_WO_LABELS = {
    WoStatus.DRAFT: "Draft",
    WoStatus.BLOCKED: "Blocked",
    WoStatus.READY: "Ready",
    WoStatus.IN_PROGRESS: "In progress",
    WoStatus.ON_HOLD: "On hold",
    WoStatus.COMPLETED: "Completed",
    WoStatus.CANCELLED: "Cancelled",
}

#: Statuses whose material lines may hold reservations.
RESERVING_STATUSES = frozenset({WoStatus.READY, WoStatus.IN_PROGRESS, WoStatus.ON_HOLD})
#: Not started yet: an MTO order in these follows its sales order.
NOT_STARTED = frozenset({WoStatus.DRAFT, WoStatus.READY, WoStatus.BLOCKED})


class WoType(StrEnum):
    MTO = "MTO"
    MTS = "MTS"


class Role(StrEnum):
    OPERATOR = "operator"
    SUPERVISOR = "supervisor"


class IdentifyBy(StrEnum):
    """How people identify at a site's kiosks (a site setting; both paths follow it)."""

    #: A badge scan alone identifies (the badge is the credential); a badge keyed in on
    #: the keypad needs the PIN too, since anyone can type a number.
    BADGE_SCAN = "badge_scan"
    #: Every identification needs the PIN, scanned badge or keyed.
    BADGE_AND_PIN = "badge_and_pin"


class IdentifyMethod(StrEnum):
    """How the badge reached the kiosk."""

    SCAN = "scan"
    KEYPAD = "keypad"


class MovementKind(StrEnum):
    RECEIPT = "receipt"
    ADJUSTMENT = "adjustment"
    CONSUMPTION = "consumption"
    PRODUCTION = "production"
    SCRAP = "scrap"
    SHIPMENT = "shipment"
    REVERSAL = "reversal"


class HoldReason(StrEnum):
    MATERIAL_SHORTAGE = "material_shortage"
    MACHINE_DOWN = "machine_down"
    QUALITY_ISSUE = "quality_issue"
    WAITING_FOR_INSTRUCTIONS = "waiting_for_instructions"
    TOOLING = "tooling"
    SAFETY = "safety"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class FailedAction(StrEnum):
    REWORK = "rework"
    SCRAP = "scrap"


class NotificationKind(StrEnum):
    UNMATCHED_SKU = "unmatched_sku"
    MATERIAL_SHORTAGE = "material_shortage"
    BACK_ORDER = "back_order"
    UNLINKED = "unlinked"
    REFUSED_ACTION = "refused_action"
    #: A kiosk's physical fact recorded although the WO had changed meanwhile (sync).
    FLAGGED_FACT = "flagged_fact"
    OVER_PRODUCTION = "over_production"
    #: Too many wrong PINs for one badge: it is locked until it cools down or is cleared.
    PIN_LOCKOUT = "pin_lockout"
    SALES_ORDER_UNCOVERED = "sales_order_uncovered"
    #: A Shopify order from a shop or location with no route to a site: it waits.
    UNROUTED_ORDER = "unrouted_order"


class SalesOrderStatus(StrEnum):
    OPEN = "open"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    FULFILLED = "fulfilled"


class SalesOrderSource(StrEnum):
    SHOPIFY = "shopify"
    API = "api"
    MANUAL = "manual"


class DeliveryStatus(StrEnum):
    """Where a stored webhook delivery stands (``webhook_delivery.status``)."""

    PENDING = "pending"  # stored, to be applied by the inbox
    WAITING = "waiting"  # parked until its shop or location is routed to a site
    DONE = "done"  # applied
    IGNORED = "ignored"  # settled without effect: another topic, a stale snapshot, a repeat
    FAILED = "failed"  # could not be applied; kept, and can be replayed

    @property
    def public(self) -> str:
        """The status integrators and the office see: applied, deferred, ignored or failed."""
        return _DELIVERY_PUBLIC[self]

    @classmethod
    def stored_as(cls, public: str) -> tuple[DeliveryStatus, ...]:
        """The stored statuses a public one stands for (deferred: pending or waiting)."""
        return tuple(s for s in cls if s.public == public)


_DELIVERY_PUBLIC = {
    DeliveryStatus.PENDING: "deferred",
    DeliveryStatus.WAITING: "deferred",
    DeliveryStatus.DONE: "applied",
    DeliveryStatus.IGNORED: "ignored",
    DeliveryStatus.FAILED: "failed",
}
#: The public statuses, in the order the console offers them.
DELIVERY_PUBLIC_STATUSES = ("applied", "deferred", "ignored", "failed")
