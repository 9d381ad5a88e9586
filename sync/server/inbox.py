"""The webhook inbox: verified deliveries stored at once, then applied by a background worker.

Deliveries are de-duplicated by (source, event id, topic) when stored, with the shop
that sent them. A new order goes to the site its shop or location is routed to; with
no route it waits (status ``waiting``) until the office sets one. The worker
applies them oldest first.

On PostgreSQL several inboxes (``kiosk-server``'s inbox processes, or one thread per
web worker) drain together and split the work: each claims a few pending deliveries
at a time (``FOR UPDATE SKIP LOCKED``, then a lease in ``claimed_until`` so that the
claim outlives that short transaction), and a stored delivery wakes them all
(``NOTIFY``). Claims only spare work: deliveries of one order are serialized by an
advisory lock on the order, and each is re-read under it, so a lease that lapsed
under a slow inbox costs a second look, never a second application. On SQLite one
server process is the rule and a process lock is enough.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, or_, select, text, update
from sqlalchemy.exc import IntegrityError

from kiosk.commands import AwaitShopifyRoute
from kiosk.commands.shopify_routes import WAITING
from kiosk.domain.enums import DeliveryStatus
from kiosk.domain.errors import DomainError
from kiosk.services import shop_routing
from kiosk.services.shop_routing import Route
from kiosk.store.base import new_id, utcnow
from kiosk.store.engine import is_sqlite
from kiosk.store.models import ShopifyOrder, WebhookDelivery
from sync.server import logs, shopify
from sync.server.shopify_orders import (
    SHOPIFY,
    Deferred,
    OrderState,
    apply_order,
    apply_refund,
)
from sync.server.state import ServerState

log = logging.getLogger(__name__)

#: Transient failures (database gone) are retried this often before the delivery fails.
MAX_ATTEMPTS = 10
#: A refund whose order never arrives stops waiting after this long.
DEFER_LIMIT = timedelta(days=3)
#: SQLite serves from one process; this lock serializes every inbox of that process.
_SQLITE_ORDER_LOCK = threading.Lock()
#: Deliveries an inbox takes at a time: few, so that several inboxes split a backlog.
CLAIM_SIZE = 8
#: A claim lapses after this long (its inbox died with it) and another inbox takes over.
CLAIM_LEASE = timedelta(minutes=2)
#: The PostgreSQL channel on which a stored or released delivery wakes every inbox.
CHANNEL = "webhook_inbox"
#: Wake-ups of the inboxes are at most this often per server process (a burst is one).
ANNOUNCE_INTERVAL = 0.01


_OTHER_TOPIC = "not a topic the plant takes (orders and refunds only)"


class _Parked(Exception):
    """The delivery is not to be applied now (``settled``: it was set aside for good)."""

    def __init__(self, settled: bool) -> None:
        super().__init__()
        self.settled = settled


class _Announcer:
    """Tells every listening inbox (``NOTIFY``) that deliveries wait, from a thread of its own.

    A ``NOTIFY`` in the transaction that stores a delivery would serialize the commits
    of every webhook answer on PostgreSQL's notification lock (ack p99 180 ms instead of
    47 ms with 8 senders); here it follows the commits it announces, and a burst of
    deliveries is one wake-up per ``ANNOUNCE_INTERVAL``.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._due = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def announce(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="inbox-notify", daemon=True)
                self._thread.start()
        self._due.set()

    def _run(self) -> None:
        while True:
            self._due.wait()
            self._due.clear()  # before the NOTIFY: a delivery committed from now on asks again
            try:
                with self.engine.connect() as conn:
                    conn.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})
                    conn.commit()
            except Exception as err:  # the inboxes' poll finds the deliveries anyway
                log.warning("could not wake the inboxes: %s", type(err).__name__)
            time.sleep(ANNOUNCE_INTERVAL)


class Inbox:
    def __init__(self, state: ServerState) -> None:
        self.state = state
        self._drain_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._announcer = None if is_sqlite(state.engine) else _Announcer(state.engine)

    # -- receiving ---------------------------------------------------------------------

    def store(
        self,
        delivery_key: str,
        topic: str,
        raw: bytes,
        request_id: str,
        shop_domain: str | None = None,
    ) -> bool:
        """Keep a verified delivery; False if this one was stored before (a retry).

        A topic the plant does not take is kept too, settled as ignored at once, so the
        office sees everything the shop sent.
        """
        shop = (shop_domain or "").strip().lower()[:255] or None
        taken = topic in shopify.TOPICS
        try:
            with self.state.write() as session:
                session.add(
                    WebhookDelivery(
                        id=new_id(),
                        source="shopify",
                        delivery_key=delivery_key[:200],
                        topic=topic[:100],
                        body=raw.decode("utf-8", "replace"),
                        request_id=request_id[:64],
                        shop_domain=shop,
                        received_at=utcnow(),
                        status=(DeliveryStatus.PENDING if taken else DeliveryStatus.IGNORED).value,
                        attempts=0,
                        result="" if taken else _OTHER_TOPIC,
                        processed_at=None if taken else utcnow(),
                    )
                )
        except IntegrityError:
            return False
        if taken:
            self.wake()
        return True

    def wake(self) -> None:
        """Have the deliveries looked at now, by this inbox and (on PostgreSQL) every other."""
        self._wake.set()
        if self._announcer is not None:
            self._announcer.announce()

    # -- applying --------------------------------------------------------------------------

    def drain(self, limit: int = 200) -> int:
        """Apply the pending deliveries, oldest first; returns how many were settled.

        One pass looks at each delivery at most once: one that must wait (a refund
        before its order, a database error) is released for the next pass.
        """
        with self._drain_lock:
            seen: set[str] = set()
            settled = 0
            while len(seen) < limit:
                claimed = self._claim(seen, min(CLAIM_SIZE, limit - len(seen)))
                if not claimed:
                    break
                for delivery_id in claimed:
                    seen.add(delivery_id)
                    if self.process(delivery_id):
                        settled += 1
                    else:
                        self._release(delivery_id)
            return settled

    def _claim(self, seen: set[str], size: int) -> list[str]:
        """Up to ``size`` pending deliveries no other inbox is working on, now this one's."""
        now = utcnow()
        free = or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now)
        query = (
            select(WebhookDelivery.id)
            .where(WebhookDelivery.status == "pending", free)
            .order_by(WebhookDelivery.received_at, WebhookDelivery.id)
            .limit(size)
            .with_for_update(skip_locked=True)  # rows another inbox is claiming: skipped
        )
        if seen:
            query = query.where(WebhookDelivery.id.not_in(seen))
        with self.state.write() as session:
            claimed = list(session.scalars(query))
            if claimed:
                session.execute(
                    update(WebhookDelivery)
                    .where(WebhookDelivery.id.in_(claimed))
                    .values(claimed_until=now + CLAIM_LEASE)
                    .execution_options(synchronize_session=False)
                )
        return claimed

    def _release(self, delivery_id: str) -> None:
        with contextlib.suppress(Exception), self.state.write() as session:
            session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == delivery_id)
                .values(claimed_until=None)
                .execution_options(synchronize_session=False)
            )

    def process(self, delivery_id: str) -> bool:
        with self.state.read() as session:
            delivery = session.get(WebhookDelivery, delivery_id)
            if delivery is None or delivery.status != "pending":
                return False
            topic, body, rid = delivery.topic, delivery.body, delivery.request_id
            received, shop = delivery.received_at, delivery.shop_domain
        token = logs.request_id.set(rid or f"inbox-{delivery_id[:8]}")
        try:
            if topic not in shopify.TOPICS:  # a replayed delivery of another topic
                return self._settle(delivery_id, DeliveryStatus.IGNORED, _OTHER_TOPIC)
            try:
                data = json.loads(body)
                if not isinstance(data, dict):
                    raise shopify.PayloadError("the payload is not a JSON object")
                key = shopify.order_key(topic, data)
            except (ValueError, shopify.PayloadError) as err:
                return self._settle(
                    delivery_id, DeliveryStatus.FAILED, f"unreadable payload: {err}"
                )
            with self._order_lock(key):
                return self._apply(delivery_id, topic, data, key, received, shop)
        except Exception as err:
            log.exception("delivery %s failed", delivery_id)
            return self._retry_later(delivery_id, f"{type(err).__name__}: {err}")
        finally:
            logs.request_id.reset(token)

    def _apply(  # type: ignore[no-untyped-def]
        self,
        delivery_id: str,
        topic: str,
        data: dict[str, Any],
        key: str,
        received,
        shop: str | None,
    ) -> bool:
        with self.state.read() as session:
            delivery = session.get(WebhookDelivery, delivery_id)
            if delivery is None or delivery.status != "pending":
                return False  # another server process settled it while we waited
            row = session.get(ShopifyOrder, key)
            st = (
                OrderState(row.sales_order_id, row.snapshot_at, tuple(row.refund_ids or ()))
                if row
                else OrderState()
            )
        try:
            if topic == shopify.REFUND_TOPIC:
                outcome = apply_refund(self.state, shopify.parse_refund(data), st)
            else:
                snap = shopify.parse_order(data)
                site, where = None, ""
                if st.sales_order_id is None:  # a new order: it needs a site
                    route = self._route(delivery_id, shop, snap.location_id)
                    if route is None:
                        return True  # parked: it waits for a route
                    site, where = route.site, f"at {route.site} ({route.why}): "
                outcome = apply_order(self.state, snap, st, site=site).after(where)
        except _Parked as parked:
            return parked.settled
        except Deferred as err:
            # A refund whose order waits for a route waits with it, however long.
            if utcnow() - received > DEFER_LIMIT and not self._shop_waits(shop):
                return self._settle(delivery_id, DeliveryStatus.FAILED, str(err), key)
            self._note(delivery_id, f"deferred: {err}", key)
            return False
        except shopify.PayloadError as err:
            return self._settle(
                delivery_id, DeliveryStatus.FAILED, f"unreadable payload: {err}", key
            )
        except DomainError as err:
            log.warning("delivery %s refused: %s", delivery_id, err.message)
            return self._settle(
                delivery_id, DeliveryStatus.FAILED, f"{err.code}: {err.message}", key
            )
        with self.state.write() as session:
            row = session.get(ShopifyOrder, key)
            if row is None:
                row = ShopifyOrder(order_key=key)
                session.add(row)
            row.sales_order_id = st.sales_order_id
            row.snapshot_at = st.snapshot_at
            row.refund_ids = list(st.refund_ids)
            status = DeliveryStatus.DONE if outcome.applied else DeliveryStatus.IGNORED
            self._mark(session, delivery_id, status, outcome.text, key)
        log.info("delivery %s (%s, order %s): %s", delivery_id, topic, key, outcome.text)
        return True

    def _route(self, delivery_id: str, shop: str | None, location: str | None) -> Route | None:
        """The order's site; None when it has none and its delivery now waits for one."""
        with self.state.read() as session:
            route = shop_routing.resolve(session, shop, location)
        if route.site is not None:
            return route
        parked = self.state.run(
            AwaitShopifyRoute(
                delivery_id=delivery_id, shop_domain=shop, location_id=location, actor=SHOPIFY
            )
        )
        if parked.data.get("waiting"):
            log.warning("delivery %s waits for a route: %s", delivery_id, parked.data["why"])
            return None
        if parked.data.get("site"):  # routed while we looked
            return Route(str(parked.data["site"]), "routed meanwhile")
        raise _Parked(settled=False)  # another server process settled it meanwhile

    def _shop_waits(self, shop: str | None) -> bool:
        with self.state.read() as session:
            waiting = select(WebhookDelivery.id).where(
                WebhookDelivery.status == WAITING, WebhookDelivery.shop_domain == shop
            )
            return session.scalars(waiting.limit(1)).first() is not None

    def _settle(
        self, delivery_id: str, status: DeliveryStatus, result: str, order: str | None = None
    ) -> bool:
        with self.state.write() as session:
            self._mark(session, delivery_id, status, result, order)
        log.info("delivery %s %s: %s", delivery_id, status.value, result)
        return True

    @staticmethod
    def _mark(  # type: ignore[no-untyped-def]
        session, delivery_id: str, status: DeliveryStatus, result: str, order: str | None = None
    ) -> None:
        delivery = session.get(WebhookDelivery, delivery_id)
        delivery.status = status.value
        delivery.result = result
        delivery.attempts += 1
        delivery.processed_at = utcnow()
        delivery.claimed_until = None
        if order is not None:
            delivery.order_ref = order[:64]

    def _note(self, delivery_id: str, result: str, order: str) -> None:
        """Say why a delivery still waits (and which order it is), leaving it pending."""
        with contextlib.suppress(Exception), self.state.write() as session:
            delivery = session.get(WebhookDelivery, delivery_id)
            if delivery is None or delivery.status != DeliveryStatus.PENDING:
                return
            if (delivery.result, delivery.order_ref) != (result, order[:64]):
                delivery.result = result  # written once, not at every pass that finds it
                delivery.order_ref = order[:64]

    def _retry_later(self, delivery_id: str, error: str) -> bool:
        with contextlib.suppress(Exception), self.state.write() as session:
            delivery = session.get(WebhookDelivery, delivery_id)
            if delivery is not None and delivery.status == "pending":
                delivery.attempts += 1
                delivery.result = error
                if delivery.attempts >= MAX_ATTEMPTS:
                    delivery.status = DeliveryStatus.FAILED.value
                    delivery.processed_at = utcnow()
        return False

    @contextlib.contextmanager
    def _order_lock(self, key: str) -> Iterator[None]:
        if is_sqlite(self.state.engine):
            with _SQLITE_ORDER_LOCK:
                yield
            return
        lock_id = int.from_bytes(
            hashlib.sha256(f"shopify:{key}".encode()).digest()[:8], "big", signed=True
        )
        with self.state.engine.connect() as conn, conn.begin():
            conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})
            yield

    # -- the background worker ------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="webhook-inbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        poll = self.state.settings.inbox_poll_seconds
        failing = False
        listener = None
        if not is_sqlite(self.state.engine):
            listener = threading.Thread(target=self._listen, name="inbox-listen", daemon=True)
            listener.start()
        while not self._stop.is_set():
            self._wake.wait(poll)
            self._wake.clear()
            try:
                # Pass after pass while one settles something: a backlog is not left for the poll.
                while not self._stop.is_set() and self.drain():
                    pass
                failing = False
            except Exception as err:
                if failing:  # the same outage again: one line, not another traceback
                    log.warning("draining the webhook inbox failed again: %s", type(err).__name__)
                else:
                    log.exception("draining the webhook inbox failed")
                failing = True
        if listener is not None:
            listener.join(timeout=5)

    def _listen(self) -> None:
        """PostgreSQL: wake this inbox whenever any process stores or releases a delivery."""
        while not self._stop.is_set():
            try:
                raw = self.state.engine.raw_connection()
                conn = raw.driver_connection
                raw.detach()  # held for as long as the inbox runs: not the pool's any more
                try:
                    conn.autocommit = True  # type: ignore[union-attr]
                    conn.execute(f"LISTEN {CHANNEL}")  # type: ignore[union-attr]
                    self._wake.set()  # whatever was stored while nobody listened
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=1.0, stop_after=1):  # type: ignore[union-attr]
                            self._wake.set()
                finally:
                    raw.close()
            except Exception as err:  # the database went away: listen again when it is back
                log.warning("the inbox stopped listening for deliveries (%s); retrying", err)
                self._stop.wait(self.state.settings.inbox_poll_seconds)
