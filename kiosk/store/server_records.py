"""The plant server's own records: API tokens, enrolled devices, enrolment codes and
the webhook inbox with the last applied snapshot of each Shopify order."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.store.base import Base, id_column
from kiosk.store.types import UtcDateTime


class Device(Base):
    """A kiosk enrolled to one workstation; it sees only its workstation's site."""

    __tablename__ = "device"

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(200))
    workstation_id: Mapped[str] = mapped_column(ForeignKey("workstation.id"), index=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("site.id"), index=True)
    enrolled_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: The last command sequence number applied from this device (sync push).
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    #: When its token was last used, and from where (the kiosk's address behind a trusted
    #: proxy): recorded where the token is authenticated (sync.server.auth).
    last_seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_seen_address: Mapped[str | None] = mapped_column(String(45))
    #: Commands waiting in the kiosk's outbox, as it last said (``X-Kiosk-Outbox``).
    outbox_depth: Mapped[int | None] = mapped_column(Integer)
    #: The kiosk's clock minus the server's when it last said its time (``X-Kiosk-Clock``).
    clock_drift_seconds: Mapped[float | None] = mapped_column(Float)


class ApiToken(Base):
    """A bearer token (admin or device); only its SHA-256 is stored, never the secret."""

    __tablename__ = "api_token"

    id: Mapped[str] = id_column()
    kind: Mapped[str] = mapped_column(String(10))  # admin | device
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    device_id: Mapped[str | None] = mapped_column(ForeignKey("device.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class EnrolmentCode(Base):
    """A one-time code an admin hands to a kiosk; only its hash is kept."""

    __tablename__ = "enrolment_code"

    id: Mapped[str] = id_column()
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    workstation_id: Mapped[str] = mapped_column(ForeignKey("workstation.id"))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    device_id: Mapped[str | None] = mapped_column(String(36))


class WebhookDelivery(Base):
    """A verified webhook delivery, stored before it is processed (the inbox)."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (UniqueConstraint("source", "delivery_key", "topic"),)

    id: Mapped[str] = id_column()
    source: Mapped[str] = mapped_column(String(20))
    #: The sender's event or webhook id: a retried delivery carries the same one.
    delivery_key: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    request_id: Mapped[str] = mapped_column(String(64), default="")
    #: ``X-Shopify-Shop-Domain``, lower-cased: the shop's route decides the order's site.
    shop_domain: Mapped[str | None] = mapped_column(String(255), index=True)
    #: The Shopify order it is about, once the inbox has read it (None: not read yet, or
    #: unreadable).
    order_ref: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    #: A DeliveryStatus: pending | waiting (for a route) | done | ignored | failed
    status: Mapped[str] = mapped_column(String(10), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    result: Mapped[str] = mapped_column(Text, default="")
    #: An inbox process working on it until then; the others leave it (see sync.server.inbox).
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ShopifyOrder(Base):
    """What the plant last applied of one Shopify order (its snapshot time and refunds)."""

    __tablename__ = "shopify_order"

    order_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    sales_order_id: Mapped[str | None] = mapped_column(String(36))
    snapshot_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    refund_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
