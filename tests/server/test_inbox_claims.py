"""Several inboxes split the deliveries: claims, leases, NOTIFY, kiosk-server's inbox processes."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import requests
from sqlalchemy import Engine, func, select, update

from kiosk.store.base import utcnow
from kiosk.store.engine import make_engine
from kiosk.store.models import SalesOrder, WebhookDelivery
from sync.server.inbox import Inbox
from sync.server.state import ServerState
from tests.builders import Plant, simple_plant
from tests.server.conftest import (
    ADMIN_TOKEN,
    API,
    SHOPIFY_SECRET,
    Server,
    make_server,
    order_payload,
    refund_payload,
    sign,
)
from tests.server.process import kiosk_server, processes, server_pid

DELIVERIES = 24


class CountingInbox(Inbox):
    """An inbox that remembers which deliveries it looked at."""

    def __init__(self, state: ServerState, looked: Counter[str]) -> None:
        super().__init__(state)
        self.looked = looked
        self.mine = 0

    def process(self, delivery_id: str) -> bool:
        self.looked[delivery_id] += 1
        self.mine += 1
        return super().process(delivery_id)


def _store_orders(server: Server, count: int, first: int = 5000) -> None:
    for k in range(count):
        payload = order_payload(first + k, [(1, "WIDGET", 1)])
        assert server.webhook("orders/create", payload).status_code == 200


def _statuses(engine: Engine) -> Counter[str]:
    with Plant(engine).bus.read() as session:
        return Counter(session.scalars(select(WebhookDelivery.status)))


def test_two_inboxes_draining_at_once_never_look_at_one_delivery_twice(server: Server) -> None:
    _store_orders(server, DELIVERIES)
    looked: Counter[str] = Counter()
    state = server.app.state.server
    inboxes = [CountingInbox(state, looked) for _ in range(2)]
    start = threading.Barrier(2)

    def drain(inbox: Inbox) -> None:
        start.wait()
        inbox.drain()

    threads = [threading.Thread(target=drain, args=(inbox,)) for inbox in inboxes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _statuses(server.engine) == {"done": DELIVERIES}
    assert server.plant.count(SalesOrder) == DELIVERIES
    # Without claims both inboxes walk the whole list: every delivery looked at twice.
    assert len(looked) == DELIVERIES
    assert set(looked.values()) == {1}, looked
    with server.plant.bus.read() as session:
        held = session.scalar(
            select(func.count())
            .select_from(WebhookDelivery)
            .where(WebhookDelivery.claimed_until.is_not(None))
        )
    assert held == 0  # an applied delivery is nobody's


def test_a_claim_keeps_other_inboxes_away_until_its_lease_lapses(server: Server) -> None:
    _store_orders(server, 1)
    later = utcnow() + timedelta(minutes=1)
    with server.plant.bus.read() as session, session.begin():
        session.execute(update(WebhookDelivery).values(claimed_until=later))
    assert server.drain() == 0  # another inbox is on it
    assert _statuses(server.engine) == {"pending": 1}
    with server.plant.bus.read() as session, session.begin():  # that inbox died: its lease ends
        session.execute(update(WebhookDelivery).values(claimed_until=utcnow() - timedelta(1)))
    assert server.drain() == 1
    assert _statuses(server.engine) == {"done": 1}


def test_a_refund_that_must_wait_is_released_for_the_next_pass(server: Server) -> None:
    refund = refund_payload(77, 6001, {1: 1}, created_at="2026-11-20T11:00:00Z")
    assert server.webhook("refunds/create", refund).status_code == 200
    assert server.drain() == 0  # its order has not arrived
    with server.plant.bus.read() as session:
        (delivery,) = session.scalars(select(WebhookDelivery))
    assert delivery.status == "pending"
    assert delivery.claimed_until is None


def test_a_delivery_stored_by_another_process_wakes_a_listening_inbox(pg_url: str) -> None:
    """The listening inbox polls once a minute: only the NOTIFY can wake it in time."""
    sender_engine, inbox_engine = make_engine(pg_url), make_engine(pg_url)
    try:
        with make_server(sender_engine) as sender:  # answers webhooks, applies nothing
            simple_plant(sender.plant)
            with make_server(inbox_engine, inbox_worker=True, inbox_poll_seconds=60.0):
                time.sleep(0.5)  # its first pass (the backlog at start) is over
                started = time.monotonic()
                _store_orders(sender, 1)
                while sender.plant.count(SalesOrder) == 0:
                    assert time.monotonic() - started < 10, "no inbox woke for the delivery"
                    time.sleep(0.05)
                woke_in = time.monotonic() - started
        assert woke_in < 10
    finally:
        sender_engine.dispose()
        inbox_engine.dispose()


# -- kiosk-server's inbox processes -------------------------------------------------------------


def _children(pid: int) -> list[int]:
    """kiosk-server's inbox processes."""
    return sorted(
        child
        for child, (parent, cmd) in processes().items()
        if parent == pid and b"sync.server.inbox_process" in cmd
    )


def _wait(what: str, condition, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def _send(base: str, order_id: int) -> None:
    raw = json.dumps(order_payload(order_id, [(1, "WIDGET", 1)])).encode()
    answer = requests.post(
        f"{base}{API}/webhooks/shopify",
        data=raw,
        headers={
            "Content-Type": "application/json",
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Hmac-Sha256": sign(raw),
            "X-Shopify-Webhook-Id": f"proc-{order_id}",
        },
        timeout=30,
    )
    assert answer.status_code == 200, answer.text


def test_kiosk_server_applies_deliveries_in_inbox_processes_it_keeps_running(
    pg_url: str, tmp_path: Path
) -> None:
    engine = make_engine(pg_url)
    try:
        plant = Plant(engine)
        simple_plant(plant)
        env = {"KIOSK_ADMIN_TOKEN": ADMIN_TOKEN, "KIOSK_SHOPIFY_SECRET": SHOPIFY_SECRET}
        log = tmp_path / "server.log"
        args = ("--inbox-processes", "2")
        with kiosk_server(pg_url, env=env, log_file=log, log_level="INFO", extra_args=args) as base:
            server = server_pid(base)
            _wait("two inbox processes", lambda: len(_children(server)) == 2)
            first = _children(server)
            _send(base, 9101)
            _wait("the delivery applied", lambda: plant.count(SalesOrder) == 1)
            os.kill(first[0], signal.SIGKILL)  # one dies: it is replaced
            _wait(
                "a new inbox process",
                lambda: len(_children(server)) == 2 and first[0] not in _children(server),
            )
            _send(base, 9102)
            _wait("the second delivery applied", lambda: plant.count(SalesOrder) == 2)
            last = _children(server)
        # kiosk-server stopped: its inbox processes with it.
        _wait("inbox processes gone", lambda: not any(Path(f"/proc/{p}").exists() for p in last))
        text = log.read_text()
        assert "2 inbox processes" in text
        assert "exited (status -9); starting another" in text
        assert "Traceback" not in text, text[-3000:]
    finally:
        engine.dispose()
