"""Prometheus metrics: request counts in each worker's files, the plant's state from the database.

Two sources, because ``--workers N`` runs N processes behind one port and a
scrape reaches just one of them:

* Request counts and durations happen in a process. They use prometheus_client's
  multiprocess mode: each worker writes its samples to files in
  ``PROMETHEUS_MULTIPROC_DIR`` (``kiosk-server`` empties that directory at start,
  see :mod:`sync.server.metrics_dir`) and a scrape adds up every worker's files.
* Everything else (push results, kiosks' outbox depth, last seen, clock drift,
  the webhook inbox) is state in the database, read at scrape time
  (:class:`PlantCollector`): the same on every worker, right after a restart.

Without the variable (tests, an app in a thread) the counters are this process's.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import Scope

from kiosk.domain.enums import DeliveryStatus
from kiosk.store.base import utcnow
from kiosk.store.models import (
    AppliedCommand,
    Device,
    PushFailure,
    Site,
    WebhookDelivery,
    Workstation,
)
from sync.server.metrics_dir import MULTIPROC_ENV
from sync.server.state import ServerState

#: Every route template is a label value; anything else is counted under this one.
UNMATCHED = "(unmatched)"

REQUESTS = Counter(
    "kiosk_http_requests",
    "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
)
DURATION = Histogram(
    "kiosk_http_request_duration_seconds",
    "Time to answer a request, by route template and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


_templates: dict[int, dict[str, str]] = {}


def route_template(scope: Scope) -> str:
    """The matched route's path as the API document names it (``/api/v1/devices/{device_id}``).

    FastAPI puts the inner route on the scope, whose path lacks the router's prefix; its
    name is the operation id (:func:`sync.server.openapi.operation_id`), unique in the
    document, so the document gives the full template. Ids in paths never become labels.
    """
    route = scope.get("route")
    if route is None:
        return UNMATCHED
    app = scope["app"]
    table = _templates.get(id(app))
    if table is None:
        table = {
            op["operationId"]: path
            for path, operations in app.openapi().get("paths", {}).items()
            for op in operations.values()
            if isinstance(op, dict) and "operationId" in op
        }
        _templates[id(app)] = table
    return table.get(getattr(route, "name", ""), getattr(route, "path", UNMATCHED))


def observe(scope: Scope, status: int, seconds: float) -> None:
    route, method = route_template(scope), scope["method"]
    REQUESTS.labels(route, method, str(status)).inc()
    DURATION.labels(route, method).observe(seconds)


class PlantCollector(Collector):
    """Read at scrape time from the database (a few grouped counts)."""

    def __init__(self, state: ServerState) -> None:
        self.state = state

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "kiosk_database_up", "1 when the scrape could read the database, else 0."
        )
        try:
            metrics = list(self._from_database())
        except SQLAlchemyError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from metrics

    def _from_database(self) -> Iterable[Metric]:
        now = utcnow()
        with self.state.read() as session:
            results = session.execute(
                select(AppliedCommand.status, func.count()).group_by(AppliedCommand.status)
            ).all()
            failures = session.execute(
                select(PushFailure.given_up_at.is_(None), func.count())
                .where(PushFailure.replayed_at.is_(None))
                .group_by(PushFailure.given_up_at.is_(None))
            ).all()
            inbox = session.execute(
                select(WebhookDelivery.status, func.count()).group_by(WebhookDelivery.status)
            ).all()
            oldest = session.scalar(
                select(func.min(WebhookDelivery.received_at)).where(
                    WebhookDelivery.status.in_(("pending", "waiting"))
                )
            )
            devices = (
                session.execute(
                    select(Device, Workstation.code, Site.code)
                    .join(Workstation, Workstation.id == Device.workstation_id)
                    .join(Site, Site.id == Device.site_id)
                    .order_by(Device.enrolled_at)
                )
                .tuples()
                .all()
            )

        pushed = CounterMetricFamily(
            "kiosk_push_results",
            "Pushed kiosk commands by their first result (applied, flagged, refused).",
            labels=["outcome"],
        )
        seen = dict.fromkeys(("applied", "flagged", "refused"), 0)
        seen.update({status: int(n) for status, n in results})
        for outcome, n in sorted(seen.items()):
            pushed.add_metric([outcome], n)
        yield pushed

        failing = GaugeMetricFamily(
            "kiosk_push_failures",
            "Pushed commands the server failed on for a reason of its own, not replayed yet: "
            "retrying (the kiosk's queue waits) or given_up (refused as internal).",
            labels=["state"],
        )
        counts = {"retrying": 0, "given_up": 0}
        for retrying, n in failures:
            counts["retrying" if retrying else "given_up"] += int(n)
        for state, n in counts.items():
            failing.add_metric([state], n)
        yield failing

        backlog = GaugeMetricFamily(
            "kiosk_webhook_inbox",
            "Stored webhook deliveries by status (pending and waiting are the backlog).",
            labels=["status"],
        )
        by_status = dict.fromkeys((s.value for s in DeliveryStatus), 0)
        by_status.update({status: int(n) for status, n in inbox})
        for status, n in sorted(by_status.items()):
            backlog.add_metric([status], n)
        yield backlog
        age = GaugeMetricFamily(
            "kiosk_webhook_inbox_oldest_age_seconds",
            "Age of the oldest pending or waiting delivery (0 when there is none).",
        )
        age.add_metric([], (now - oldest).total_seconds() if oldest else 0.0)
        yield age

        yield from _device_metrics(devices)


def _device_metrics(rows: Iterable[tuple[Device, str, str]]) -> Iterable[Metric]:
    labels = ["device", "name", "workstation", "site"]
    enrolled = GaugeMetricFamily(
        "kiosk_devices", "Enrolled kiosks: active or revoked.", labels=["state"]
    )
    depth = GaugeMetricFamily(
        "kiosk_device_outbox_depth",
        "Commands waiting in the kiosk's outbox, as it last said (X-Kiosk-Outbox).",
        labels=labels,
    )
    last_seen = GaugeMetricFamily(
        "kiosk_device_last_seen_timestamp_seconds",
        "When the kiosk's token was last used (Unix time).",
        labels=labels,
    )
    drift = GaugeMetricFamily(
        "kiosk_device_clock_drift_seconds",
        "The kiosk's clock minus the server's, as of its last push or pull.",
        labels=labels,
    )
    states = {"active": 0, "revoked": 0}
    for device, workstation, site in rows:
        if device.revoked_at is not None:
            states["revoked"] += 1
            continue
        states["active"] += 1
        values = [device.id, device.name, workstation, site]
        if device.outbox_depth is not None:
            depth.add_metric(values, device.outbox_depth)
        if device.last_seen_at is not None:
            last_seen.add_metric(values, device.last_seen_at.timestamp())
        if device.clock_drift_seconds is not None:
            drift.add_metric(values, device.clock_drift_seconds)
    for state, n in states.items():
        enrolled.add_metric([state], n)
    yield from (enrolled, depth, last_seen, drift)


def exposition(state: ServerState) -> bytes:
    """The text a scrape gets: every worker's counters, then the database's figures."""
    if os.environ.get(MULTIPROC_ENV):
        workers = CollectorRegistry()
        multiprocess.MultiProcessCollector(workers)  # type: ignore[no-untyped-call]
        text = generate_latest(workers)
    else:
        text = generate_latest(REGISTRY)
    plant = CollectorRegistry(auto_describe=False)
    plant.register(PlantCollector(state))
    return text + generate_latest(plant)
