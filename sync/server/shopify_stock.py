"""Finished stock back to the shop: what each product can be sold of, set in Shopify.

**Queued with the change.** Any change to a product's stock level made through the
server's engine (a build, a scrap reversal, an adjustment, a receipt, a reservation)
marks the product's row in ``shopify_stock_push`` due, in the same transaction: a push
is never lost to a crash, and a burst of changes is one push.

**Pushed by a background thread.** For each due product the pusher reads the plant's
available quantity (on hand less reserved) at every site a Shopify location is
routed to, reads what Shopify holds there, and sets the difference with
``inventorySetQuantities``, passing what it read as ``changeFromQuantity``: if the
shop's quantity moved in between (an order), Shopify refuses, and the pusher reads
again and retries. A row whose stock changed while it was being pushed stays due.

**Retried with backoff.** A failure waits longer each time (2 s doubling, at most
15 minutes, never sooner than Shopify's ``Retry-After`` or its throttle bucket says);
after ``MAX_ATTEMPTS`` it is ``failed`` and shown in the console until the next
change or a retry from there. A product the shop does not sell (no variant with its
SKU), or one not synced, is ``skipped``.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from sqlalchemy import Connection, Engine, case, event, inspect, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapper, Session

from kiosk.store.base import utcnow
from kiosk.store.models import (
    Product,
    ShopifyLocationRoute,
    ShopifyShop,
    ShopifyStockPush,
    ShopifyStockSetting,
    Site,
    StockLevel,
)
from sync.server.settings import Settings
from sync.server.shopify_admin import (
    QuantityChange,
    ShopifyAdmin,
    ShopifyError,
    api_url,
    location_gid,
    location_number,
)

log = logging.getLogger(__name__)

PENDING, DONE, SKIPPED, FAILED = "pending", "done", "skipped", "failed"
#: Tries before a push is shown as failed (about an hour of backoff).
MAX_ATTEMPTS = 12
BACKOFF_START = 2.0
BACKOFF_MAX = 15 * 60.0
#: A claim lapses after this long (its pusher died) and another takes the row.
CLAIM_LEASE = timedelta(minutes=2)
CLAIM_SIZE = 20
STALE = "CHANGE_FROM_QUANTITY_STALE"

_PUSH = ShopifyStockPush.__table__
_queue_engines: weakref.WeakSet[Engine] = weakref.WeakSet()


# -- the queue: marked due in the transaction of the stock change ---------------------------


def enable_stock_queue(engine: Engine) -> None:
    """Queue a push for every stock change made through ``engine`` (the server's)."""
    _queue_engines.add(engine)


def mark_due(connection: Connection, product_id: str, now: datetime | None = None) -> None:
    """The product's row is due now; one already due (perhaps backing off) stays as it is,
    except that it is known to have changed."""
    now = now or utcnow()
    insert = (postgresql if connection.dialect.name == "postgresql" else sqlite).insert
    fresh = {
        "product_id": product_id,
        "status": PENDING,
        "changed_at": now,
        "due_at": now,
        "attempts": 0,
        "pushed": "",
        "result": "",
    }
    stmt = insert(_PUSH).values(**fresh)
    waiting = stmt.excluded  # type: ignore[attr-defined]
    was_pending = _PUSH.c.status == PENDING
    stmt = stmt.on_conflict_do_update(  # type: ignore[attr-defined]
        index_elements=[_PUSH.c.product_id],
        set_={
            "changed_at": waiting.changed_at,
            "status": PENDING,
            "due_at": case((was_pending, _PUSH.c.due_at), else_=waiting.due_at),
            "attempts": case((was_pending, _PUSH.c.attempts), else_=0),
        },
    )
    connection.execute(stmt)


def _stock_changed(_mapper: Mapper[Any], connection: Connection, level: StockLevel) -> None:
    if connection.engine not in _queue_engines:
        return
    state = inspect(level)
    if state.attrs.on_hand.history.has_changes() or state.attrs.reserved.history.has_changes():
        mark_due(connection, level.product_id)


event.listen(StockLevel, "after_insert", _stock_changed)
event.listen(StockLevel, "after_update", _stock_changed)


# -- the pusher ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StockSync:
    """What pushing needs: the shop, how to reach it, and whether products sync by default."""

    shop: str
    admin: ShopifyAdmin
    default_sync: bool


@dataclass(frozen=True)
class _Target:
    location: str  # gid
    site_id: str
    site_code: str


class StockPusher:
    def __init__(
        self,
        engine: Engine,
        sync: StockSync,
        *,
        poll_seconds: float = 2.0,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.engine = engine
        self.sync = sync
        self.poll_seconds = poll_seconds
        self.clock = clock
        self.sleep = sleep
        self._items: dict[str, str | None] = {}  # SKU -> inventory item (this process)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # -- one pass --------------------------------------------------------------------------

    def drain(self, limit: int = 500) -> int:
        """Push every due product once; how many were settled (done, skipped or failed)."""
        with self._lock:
            settled = 0
            seen: set[str] = set()
            while len(seen) < limit:
                claimed = self._claim(seen)
                if not claimed:
                    break
                for product_id, changed_at in claimed:
                    seen.add(product_id)
                    settled += self._push(product_id, changed_at)
            return settled

    def _claim(self, seen: set[str]) -> list[tuple[str, datetime]]:
        now = self.clock()
        free = or_(ShopifyStockPush.claimed_until.is_(None), ShopifyStockPush.claimed_until < now)
        query = (
            select(ShopifyStockPush.product_id, ShopifyStockPush.changed_at)
            .where(ShopifyStockPush.status == PENDING, ShopifyStockPush.due_at <= now, free)
            .order_by(ShopifyStockPush.due_at)
            .limit(CLAIM_SIZE)
            .with_for_update(skip_locked=True)
        )
        if seen:
            query = query.where(ShopifyStockPush.product_id.not_in(seen))
        with Session(self.engine) as session, session.begin():
            rows = [(r.product_id, r.changed_at) for r in session.execute(query)]
            if rows:
                session.execute(
                    update(ShopifyStockPush)
                    .where(ShopifyStockPush.product_id.in_([p for p, _ in rows]))
                    .values(claimed_until=now + CLAIM_LEASE)
                )
        return rows

    def _push(self, product_id: str, changed_at: datetime) -> int:
        try:
            status, said = self._push_one(product_id)
        except ShopifyError as err:
            return self._retry(
                product_id, changed_at, str(err), err.retry_after, counts=not err.throttled
            )
        except Exception as err:  # a bug or the database: the row is tried again later
            log.exception("stock push of %s failed", product_id)
            return self._retry(product_id, changed_at, f"{type(err).__name__}: {err}", 60.0)
        if status == STALE:  # concurrency, not a failure: read again at once
            return self._retry(product_id, changed_at, said, 0.0, counts=False)
        return self._settle(product_id, changed_at, status, said)

    def _push_one(self, product_id: str) -> tuple[str, str]:
        """Set the product's available quantities in the shop: (status, what was done)."""
        with Session(self.engine) as session:
            product = session.get(Product, product_id)
            if product is None:
                return SKIPPED, "the product is gone"
            setting = session.get(ShopifyStockSetting, product_id)
            syncs = setting.sync if setting is not None else self.sync.default_sync
            if not syncs:
                how = "its own setting" if setting is not None else "the shop-wide default"
                return SKIPPED, f"not synced to Shopify ({how})"
            sku = product.sku
            targets = self._targets(session)
            levels = {
                row.site_id: row.on_hand - row.reserved
                for row in session.scalars(
                    select(StockLevel).where(StockLevel.product_id == product_id)
                )
            }
        if sku not in self._items:
            self._items[sku] = self.sync.admin.inventory_item(sku)
            self._pace()
        item = self._items[sku]
        if item is None:
            return SKIPPED, f"no variant in the shop has SKU {sku}"
        if not targets:
            raise ShopifyError(
                f"no Shopify location of {self.sync.shop} is mapped to a site: route one "
                f"with PUT /api/v1/shopify/shops/{self.sync.shop} (locations)",
                BACKOFF_MAX,
            )
        held = self.sync.admin.available(item)
        self._pace()
        changes = []
        for t in targets:
            qty = _whole(levels.get(t.site_id, Decimal(0)))
            if held.get(t.location) != qty:
                changes.append(QuantityChange(item, t.location, qty, held.get(t.location)))
        said = ", ".join(
            f"{location_number(t.location)} ({t.site_code}): "
            f"{_whole(levels.get(t.site_id, Decimal(0)))}"
            for t in targets
        )
        if not changes:
            return DONE, said
        errors = self.sync.admin.set_available(changes, f"gid://kiosk-plant/Product/{product_id}")
        self._pace()
        if any(e.code == STALE for e in errors):
            return STALE, "the shop's quantity moved while it was being set; reading it again"
        if errors:
            raise ShopifyError("; ".join(f"{e.code}: {e.message}" for e in errors)[:500], None)
        return DONE, said

    def _targets(self, session: Session) -> list[_Target]:
        """Each Shopify location with the site whose stock it shows: the shop's location
        routes; a shop routed as a whole with one location shows that site's stock there."""
        shop = session.get(ShopifyShop, self.sync.shop)
        if shop is None:
            return []
        codes = dict(session.execute(select(Site.id, Site.code)).tuples().all())
        routes = session.scalars(
            select(ShopifyLocationRoute).where(ShopifyLocationRoute.shop_domain == shop.shop_domain)
        ).all()
        if routes:
            return [
                _Target(location_gid(r.location_id), r.site_id, codes.get(r.site_id, "?"))
                for r in sorted(routes, key=lambda r: r.location_id)
            ]
        if shop.site_id is None:
            return []
        only = self._only_location()
        return [_Target(only, shop.site_id, codes.get(shop.site_id, "?"))] if only else []

    def _only_location(self) -> str | None:
        key = "\0locations"
        if key not in self._items:
            found = self.sync.admin.locations()
            self._pace()
            self._items[key] = found[0] if len(found) == 1 else None
        return self._items[key]

    def _pace(self) -> None:
        """Wait as long as the shop's cost bucket says (its restore rate), at most 10 s."""
        if self.sync.admin.pace > 0:
            self.sleep(min(self.sync.admin.pace, 10.0))

    # -- settling ------------------------------------------------------------------------

    def _settle(self, product_id: str, changed_at: datetime, status: str, said: str) -> int:
        """Done (or skipped) unless the stock changed meanwhile: then it stays due."""
        now = self.clock()
        with Session(self.engine) as session, session.begin():
            row = session.get(ShopifyStockPush, product_id, with_for_update=True)
            if row is None:
                return 0
            row.claimed_until = None
            if row.changed_at > changed_at:
                row.due_at = now
                return 0
            row.status = status
            row.attempts = 0
            row.result = "" if status == DONE else said
            if status == DONE:
                row.pushed = said
                row.pushed_at = now
        log.info("stock of %s to Shopify: %s %s", product_id, status, said)
        return 1

    def _retry(
        self,
        product_id: str,
        changed_at: datetime,
        why: str,
        retry_after: float | None,
        *,
        counts: bool = True,
    ) -> int:
        """Try again later: after the backoff for a failure (``counts``), or just as long
        as Shopify asked when it paces the app or the quantity moved (no backoff, and
        never "failed" for it)."""
        now = self.clock()
        with Session(self.engine) as session, session.begin():
            row = session.get(ShopifyStockPush, product_id, with_for_update=True)
            if row is None:
                return 0
            row.claimed_until = None
            row.result = why[:2000]
            if counts:
                row.attempts += 1
            if retry_after is None or row.attempts >= MAX_ATTEMPTS:
                row.status = FAILED
                log.warning("stock of %s to Shopify failed: %s", product_id, why)
                return 1
            wait = retry_after or 0.0
            if counts:
                wait = max(wait, min(BACKOFF_START * 2 ** (row.attempts - 1), BACKOFF_MAX))
            row.due_at = now + timedelta(seconds=wait)
        log.info("stock of %s to Shopify: retry in %.0fs (%s)", product_id, wait, why)
        return 0

    # -- the thread --------------------------------------------------------------------------

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="shopify-stock", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.sync.admin.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
            try:
                self.drain()
            except Exception as err:  # the database went away: try again at the next poll
                log.warning("pushing stock to Shopify failed: %s", type(err).__name__)


def _whole(qty: Decimal) -> int:
    """Shopify counts whole units; a fraction is not for sale, and nothing below zero."""
    return max(int(qty.to_integral_value(rounding=ROUND_FLOOR)), 0)


def stock_pusher(engine: Engine, settings: Settings) -> StockPusher | None:
    """The server's pusher, or None when no shop and Admin token are configured (then
    nothing is queued either: ``ServerState.build`` enables the queue with them)."""
    if not (settings.shopify_shop and settings.shopify_admin_token):
        return None
    url = settings.shopify_api_url or api_url(settings.shopify_shop)
    admin = ShopifyAdmin(url, settings.shopify_admin_token)
    return StockPusher(
        engine, StockSync(settings.shopify_shop, admin, settings.shopify_stock_default)
    )
