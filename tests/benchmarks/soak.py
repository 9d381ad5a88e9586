"""A plant's worth of kiosks against one kiosk-server on PostgreSQL, for minutes.

``sync-soak``: simulated kiosks (each a real ``SyncClient`` with its own SQLite store,
an operator clocked in and a work order started) each log one unit every 2 s and push
it at once, and pull on the scheduler's 5-s interval. The server is a real
``kiosk-server`` (2 workers) on PostgreSQL; the plant has two sites, most kiosks at
the main one and a few at EAST. The kiosks run in ``CLIENT_PROCESSES`` processes so
that their own Python does not queue them on one GIL.

Reported: push p50/p99 and pull p99 per site, errors (must be 0), the server's CPU
(its processes' user+system time per second and per push), exactly-once (the units
on the server equal the units the kiosks logged); EAST's push latency alone and
under the main site's load (each site's change feed is its own: the main site's
writers never hold EAST's counter); then steps of 10, 20, ... kiosks on one worker,
and the largest count whose push p99 stays within 200 ms.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import func, select

from tests.benchmarks.core import Options, Outcome, benchmark, median, percentile

#: Seconds between two floor actions of one kiosk, and between two of its pulls.
ACTION_EVERY = 2.0
PULL_EVERY = 5.0
CLIENT_PROCESSES = 2
KIOSKS = 50
EAST_KIOSKS = 5
#: A kiosk count "holds" on one worker while its push p99 stays within this.
HOLD_P99_MS = 200.0
STEPS = (10, 20, 30, 40, 50)


@dataclass(frozen=True)
class KioskSpec:
    index: int
    site: str  # "main" or "EAST"
    workstation: str
    badge: str
    work_order: str


def _setup_plant(url: str, kiosks: int) -> list[KioskSpec]:
    """Two sites, a workstation, an operator and a started-ready work order per kiosk."""
    from kiosk.commands import (
        CreateOperator,
        CreateSite,
        CreateWorkstation,
        ReceiveStock,
    )
    from kiosk.store.engine import make_engine
    from tests.builders import OFFICE, Plant, simple_plant

    engine = make_engine(url)
    plant = Plant(engine)
    simple_plant(plant)
    plant.run(CreateSite(code="EAST", name="East plant", actor=OFFICE))
    for sku in ("BOLT", "PLATE"):
        plant.receive(sku, 1_000_000)
        plant.run(ReceiveStock(sku=sku, qty=1_000_000, site="EAST", actor=OFFICE))
    specs = []
    for i in range(kiosks):
        east = i < EAST_KIOSKS
        ws = f"{'E' if east else 'M'}-{i}"
        plant.run(
            CreateWorkstation(
                code=ws, name=f"Station {ws}", site="EAST" if east else None, actor=OFFICE
            )
        )
        badge = f"S{i:03d}"
        plant.run(
            CreateOperator(
                badge=badge,
                name=f"Soak {i}",
                pin="1234",
                site="EAST" if east else None,
                actor=OFFICE,
            )
        )
        wo = _ready_work_order(plant, "EAST" if east else None)
        specs.append(KioskSpec(i, "EAST" if east else "main", ws, badge, wo))
    engine.dispose()
    return specs


def _ready_work_order(plant: Any, site: str | None) -> str:
    from kiosk.commands import ConfirmWorkOrder, CreateWorkOrder, ItemSpec
    from tests.builders import OFFICE

    made = plant.run(CreateWorkOrder(items=[ItemSpec("WIDGET", 1_000)], site=site, actor=OFFICE))
    wo = made.data["work_order_id"]
    plant.run(ConfirmWorkOrder(work_order_id=wo, actor=OFFICE))
    return str(wo)


@dataclass
class GroupResult:
    push_ms: dict[str, list[float]]
    pull_ms: dict[str, list[float]]
    errors: list[str]
    logged: int
    cpu_seconds: float = 0.0


def _run_group(args: tuple[str, list[KioskSpec], Path, Path, float, float]) -> GroupResult:
    """One client process: its kiosks, each in a thread, until ``until`` (monotonic)."""
    import threading

    from kiosk.commands import ClockIn, LogOutput, StartWorkOrder
    from kiosk.station import Station
    from kiosk.store.engine import make_engine
    from sync.client import SyncClient
    from sync.outbox import OutboxHook
    from tests.sync.conftest import enrol

    base, specs, template, workdir, start_at, until = args
    result = GroupResult({"main": [], "EAST": []}, {"main": [], "EAST": []}, [], 0)
    lock = threading.Lock()
    kiosks = []
    for spec in specs:
        device_id, token = enrol(base, spec.workstation)
        path = workdir / f"kiosk-{spec.index}.db"
        shutil.copy(template, path)
        engine = make_engine(f"sqlite:///{path}")
        station = Station(engine, spec.workstation, device_id)
        station.use_outbox(OutboxHook())
        client = SyncClient(engine, base, token, device_id, timeout=(5.0, 30.0))
        client.sync_once()  # its snapshot
        station.execute(ClockIn(badge=spec.badge, actor=station.actor(spec.badge)))
        station.execute(
            StartWorkOrder(work_order_id=spec.work_order, actor=station.actor(spec.badge))
        )
        client.sync_once()
        kiosks.append((spec, engine, station, client))
    while time.time() < start_at:  # every group starts the load at once
        time.sleep(0.01)

    def run(spec: KioskSpec, station: Any, client: Any) -> None:
        rnd = random.Random(spec.index)
        next_action = time.monotonic() + rnd.uniform(0, ACTION_EVERY)
        next_pull = time.monotonic() + rnd.uniform(0, PULL_EVERY)
        logged = 0
        while time.monotonic() < until:
            now = time.monotonic()
            try:
                if now >= next_action:
                    next_action += ACTION_EVERY
                    station.execute(
                        LogOutput(
                            work_order_id=spec.work_order, qty=1, actor=station.actor(spec.badge)
                        )
                    )
                    logged += 1
                    t0 = time.perf_counter()
                    client.push()
                    with lock:
                        result.push_ms[spec.site].append((time.perf_counter() - t0) * 1000)
                elif now >= next_pull:
                    next_pull += PULL_EVERY
                    t0 = time.perf_counter()
                    client.pull()
                    with lock:
                        result.pull_ms[spec.site].append((time.perf_counter() - t0) * 1000)
                else:
                    time.sleep(min(next_action, next_pull) - now)
            except Exception as err:  # counted, and the kiosk goes on as a real one would
                with lock:
                    result.errors.append(f"{spec.workstation}: {type(err).__name__}: {err}")
                time.sleep(0.5)
        try:
            client.sync_once()  # what is left goes up
        except Exception as err:
            with lock:
                result.errors.append(f"{spec.workstation} final sync: {err}")
        with lock:
            result.logged += logged

    threads = [
        threading.Thread(target=run, args=(spec, station, client))
        for spec, _, station, client in kiosks
    ]
    cpu0 = time.process_time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.cpu_seconds = time.process_time() - cpu0
    for _, engine, station, client in kiosks:
        client.close()
        station.close()
        engine.dispose()
    return result


def _machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of every CPU since boot."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return sum(fields) - idle, sum(fields)


def _cpu_seconds(pids: list[int]) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def _server_pids(base: str) -> list[int]:
    """kiosk-server's process and its descendants (web workers, inbox processes)."""
    from tests.server.process import processes, server_pid

    procs = processes()
    found = {server_pid(base)}
    changed = True
    while changed:
        changed = False
        for pid, (parent, _) in procs.items():
            if parent in found and pid not in found:
                found.add(pid)
                changed = True
    return sorted(found)


@dataclass
class Round:
    kiosks: int
    seconds: float
    push_ms: dict[str, list[float]]
    pull_ms: dict[str, list[float]]
    errors: list[str]
    logged: int
    on_server: int
    cpu: float
    machine: float = 0.0
    clients: float = 0.0

    def pushes(self) -> list[float]:
        return self.push_ms["main"] + self.push_ms["EAST"]


def _round(
    options: Options,
    tag: str,
    kiosks: int,
    workers: int,
    seconds: float,
    east_only: bool = False,
) -> Round:
    """One soak: a fresh database, a kiosk-server, ``kiosks`` kiosks for ``seconds``."""
    from kiosk.store.engine import make_engine
    from kiosk.store.migrate import upgrade
    from kiosk.store.models import BuildRun
    from tests.benchmarks import pg
    from tests.server.process import kiosk_server
    from tests.sync.conftest import ADMIN_TOKEN

    workdir = options.workdir / tag
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    template = workdir / "template.db"
    kiosk_engine = make_engine(f"sqlite:///{template}")
    upgrade(kiosk_engine)
    kiosk_engine.dispose()
    with pg.scratch_databases(options) as make:
        url = make(f"kiosk_bench_soak_{tag}")
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        specs = _setup_plant(url, kiosks)
        if east_only:
            specs = [s for s in specs if s.site == "EAST"]
        env = {"KIOSK_ADMIN_TOKEN": ADMIN_TOKEN}
        log = workdir / "server.log"
        with kiosk_server(url, workers=workers, env=env, log_file=log, start_timeout=60) as base:
            groups = [specs[i::CLIENT_PROCESSES] for i in range(CLIENT_PROCESSES)]
            start_at = time.time() + 5 + len(specs) * 0.25  # after every kiosk's snapshot
            until = time.monotonic() + (start_at - time.time()) + seconds
            ctx = multiprocessing.get_context("spawn")
            with ctx.Pool(CLIENT_PROCESSES) as pool:
                pending = pool.map_async(
                    _run_group,
                    [(base, g, template, workdir, start_at, until) for g in groups if g],
                )
                while time.time() < start_at:
                    time.sleep(0.05)
                pids = _server_pids(base)
                cpu0, t0, busy0 = _cpu_seconds(pids), time.perf_counter(), _machine_busy()
                time.sleep(max(0.0, until - time.monotonic()))
                elapsed = time.perf_counter() - t0
                cpu = (_cpu_seconds(pids) - cpu0) / elapsed
                busy1 = _machine_busy()
                machine = (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1])
                results = pending.get(timeout=seconds + 600)
            requests.get(f"{base}/healthz", timeout=5)
        engine = make_engine(url)
        with engine.connect() as conn:
            on_server = int(conn.execute(select(func.sum(BuildRun.qty))).scalar() or 0)
        engine.dispose()
    merged = Round(
        len(specs),
        seconds,
        {"main": [], "EAST": []},
        {"main": [], "EAST": []},
        [],
        0,
        on_server,
        cpu,
        machine,
    )
    for r in results:
        for site in ("main", "EAST"):
            merged.push_ms[site] += r.push_ms[site]
            merged.pull_ms[site] += r.pull_ms[site]
        merged.errors += r.errors
        merged.logged += r.logged
        merged.clients += r.cpu_seconds / seconds
    return merged


def _p(values: list[float], q: float) -> float:
    return percentile(values, q) if values else float("nan")


@benchmark(
    "sync-soak",
    "PostgreSQL: 50 kiosks, one action every 2 s each, against one kiosk-server (2 workers)",
    needs_pg=True,
)
def soak(options: Options) -> Outcome:
    from tests.benchmarks import pg

    outcome = Outcome()
    if not pg.server_url(options):
        outcome.skipped = "no PostgreSQL: set KIOSK_TEST_PG_URL or pass --pg URL"
        return outcome
    seconds = max(30.0, options.seconds * 30)  # --seconds 10 (the default): 5 minutes
    step_seconds = max(20.0, options.seconds * 3)

    east_alone = _round(options, "east", KIOSKS, 2, step_seconds, east_only=True)
    full = _round(options, "full", KIOSKS, 2, seconds)
    outcome.note(
        f"{KIOSKS} kiosks ({KIOSKS - EAST_KIOSKS} main site, {EAST_KIOSKS} EAST) in "
        f"{CLIENT_PROCESSES} client processes, one LogOutput + push every {ACTION_EVERY:.0f} s "
        f"each, a pull every {PULL_EVERY:.0f} s; kiosk-server --workers 2 on PostgreSQL, "
        f"{seconds:.0f} s"
    )
    pushes = full.pushes()
    outcome.add("pushes", len(pushes), "", f"{len(pushes) / seconds:.1f}/s")
    outcome.add("push p50", median(pushes), "ms")
    outcome.add("push p99", _p(pushes, 99), "ms")
    pulls = full.pull_ms["main"] + full.pull_ms["EAST"]
    outcome.add("pull p99", _p(pulls, 99), "ms", f"p50 {median(pulls):.1f} ms")
    outcome.add(
        "server CPU",
        full.cpu,
        "cores",
        f"{full.cpu / (len(pushes) / seconds) * 1000:.1f} ms per push; the simulated kiosks "
        f"{full.clients:.2f} cores; the machine {full.machine * 100:.0f}% busy",
    )
    outcome.add(
        "EAST push p99: alone / beside the main site's load",
        _p(east_alone.push_ms["EAST"], 99),
        "ms",
        f"beside: {_p(full.push_ms['EAST'], 99):.1f} ms (main site's: "
        f"{_p(full.push_ms['main'], 99):.1f} ms)",
    )
    outcome.check(f"no errors ({len(full.errors)})", not full.errors)
    outcome.check(
        f"exactly once: {full.logged} units logged, {full.on_server} on the server",
        full.logged == full.on_server,
    )
    held = 0
    for count in STEPS:
        step = _round(options, f"step{count}", count, 1, step_seconds)
        p99 = _p(step.pushes(), 99)
        outcome.add(
            f"one worker, {count} kiosks: push p99",
            p99,
            "ms",
            f"p50 {median(step.pushes()):.1f} ms, server CPU {step.cpu:.2f} cores, "
            f"machine {step.machine * 100:.0f}% busy, "
            f"{len(step.errors)} errors",
        )
        if p99 <= HOLD_P99_MS and not step.errors:
            held = count
        else:
            break
    outcome.add("largest kiosk count one worker holds (p99 ≤ 200 ms)", held, "kiosks")
    if full.errors:
        outcome.note("first error: " + full.errors[0][:300])
    return outcome
