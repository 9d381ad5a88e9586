"""Kiosk UI benchmarks: cold start, board refresh and filtering at 5,000 rows, tap feedback.

Qt runs offscreen. Cold starts are separate processes (``python -m
tests.benchmarks.ui_start``) so imports and first paint are counted like a real
start; the rest run in this process on a demo plant grown to 5,000 work orders.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import replace

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.benchmarks.core import Options, Outcome, benchmark, median, percentile

BOARD_ROWS = 5000


def _start(kind: str, options: Options) -> float:
    # "demo" seeds the store that "existing" then opens.
    env = os.environ | {"KIOSK_HOME": str(options.workdir / "home")}
    # A kiosk runs with compiled bytecode; a development shell may forbid writing it.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks.ui_start", kind],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    if "painted" not in out.stdout:
        raise RuntimeError(f"{kind} did not paint: {out.stdout} {out.stderr}")
    return time.perf_counter() - started


@benchmark("ui-start", "cold start to the board painted vs a bare PySide6 window")
def cold_start(options: Options) -> Outcome:
    outcome = Outcome()
    rounds = max(3, min(options.iterations // 60, 7))
    bare, demo, existing = [], [], []
    for kind in ("demo", "bare", "existing"):  # warm-up: bytecode caches, page cache
        _start(kind, options)
    for _ in range(rounds):  # interleaved so machine noise hits all three alike
        demo.append(_start("demo", options))
        bare.append(_start("bare", options))
        existing.append(_start("existing", options))
    outcome.add("bare PySide6 window, median", median(bare) * 1000, "ms")
    outcome.add("kiosk, existing store, median", median(existing) * 1000, "ms")
    outcome.add("kiosk --demo (seeds a plant), median", median(demo) * 1000, "ms")
    ratio = median(existing) / median(bare)
    outcome.add("existing store / bare", ratio, "×", "target ≤ 2×")
    outcome.add("--demo / bare", median(demo) / median(bare), "×")
    outcome.check("kiosk start ≤ 2× a bare window (existing store)", ratio <= 2.0)
    return outcome


def _kiosk(options: Options, rows: int):  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    from kiosk.app import open_store
    from kiosk.demo import seed_demo_plant
    from kiosk.station import Station
    from tests.benchmarks.many_work_orders import add_work_orders
    from ui.composition_root import build
    from ui.screenshot import settle

    app = QApplication.instance() or QApplication([])
    engine = open_store(f"sqlite:///{options.workdir / 'board.db'}")
    seed_demo_plant(engine)
    add_work_orders(engine, rows - 8)
    kiosk = build(app, Station(engine, "ASSY-1", "bench"))  # type: ignore[arg-type]
    kiosk.window.resize(1280, 800)
    kiosk.window.show()
    settle(app, kiosk, timeout=60)  # type: ignore[arg-type]
    kiosk.window.scanner.feed("1002")  # Tom Becker scans his badge: someone is working
    settle(app, kiosk, timeout=60)  # type: ignore[arg-type]
    return app, kiosk


def _long_work_order(station) -> str:  # type: ignore[no-untyped-def]
    """A started work order for 1,000 stools at ASSY-1 (materials received); its number."""
    from kiosk.commands import (
        Actor,
        ConfirmWorkOrder,
        CreateWorkOrder,
        ItemSpec,
        ReceiveStock,
        StartWorkOrder,
    )

    office = Actor(principal="office")
    made = station.bus.execute(
        CreateWorkOrder(items=[ItemSpec("STOOL", 1000)], workstation="ASSY-1", actor=office)
    )
    wo_id = made.data["work_order_id"]
    for material in station.work_order(wo_id).materials:
        station.bus.execute(ReceiveStock(sku=material.sku, qty=material.required, actor=office))
    station.bus.execute(ConfirmWorkOrder(work_order_id=wo_id, actor=office))
    station.execute(StartWorkOrder(work_order_id=wo_id, actor=station.actor("1002")))
    return station.work_order(wo_id).number


def _close(app, kiosk) -> None:  # type: ignore[no-untyped-def]
    """Tear the window down while Qt is alive (PySide crashes if it is left to finalization)."""
    kiosk.close()
    kiosk.window._may_close = True
    kiosk.window.close()
    kiosk.window.deleteLater()
    app.processEvents()


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _follow_up_reads(station, outcome: Outcome) -> None:  # type: ignore[no-untyped-def]
    """A command's follow-up read on the worker thread: only what its result names,
    against the whole read the kiosk made after every command before (board, people,
    notifications, today's units), interleaved, from one run."""
    from kiosk.commands import LogOutput
    from ui.controller import local_midnight_utc

    midnight = local_midnight_utc()
    number = _long_work_order(station)
    wo_id = station.work_order_by_number(number).id
    actor = station.actor("1002")
    whole, partial, rows = [], [], []
    for _ in range(15):
        result = station.execute(LogOutput(work_order_id=wo_id, qty=1, actor=actor))
        started = time.perf_counter()
        station.board()
        station.clocked_in()
        station.notifications()
        station.shift(midnight)
        station.identify_by()
        whole.append(time.perf_counter() - started)
        started = time.perf_counter()
        follow = station.follow_up(result.changes, midnight)
        partial.append(time.perf_counter() - started)
        rows.append(len(follow.rows))
    outcome.note(f"a Log output names {median(rows):.0f} board line(s) to read again")
    outcome.add("after a command: whole read (before), median", median(whole) * 1000, "ms")
    outcome.add(
        "after a command: follow-up read of its changes, median",
        median(partial) * 1000,
        "ms",
        "target ≤ 20",
    )
    outcome.add("  p99", percentile(partial, 99) * 1000, "ms")
    outcome.add("whole / follow-up", median(whole) / median(partial), "×")
    outcome.check("follow-up read after a command ≤ 20 ms", median(partial) * 1000 <= 20)


@benchmark("ui-board", "board model refresh and filter keystrokes with 5,000 work orders")
def board(options: Options) -> Outcome:
    from ui.board.model import BoardModel

    outcome = Outcome()
    rss_before = _rss_mb()
    app, kiosk = _kiosk(options, BOARD_ROWS)
    try:
        rows = kiosk.controller.rows
        outcome.note(f"{len(rows)} work orders on the board")
        outcome.add("resident memory, kiosk with 5,000 WOs", _rss_mb(), "MB")
        outcome.add("  of which the store + board data", _rss_mb() - rss_before, "MB")

        started = time.perf_counter()
        fresh = kiosk.station.board()
        outcome.add(
            "store read of the board (worker thread)", (time.perf_counter() - started) * 1000, "ms"
        )

        _follow_up_reads(kiosk.station, outcome)

        # Refreshes applied to the live board (whole plant, sorted): after one tap a
        # row or two change; after a sync pull many may.
        model: BoardModel = kiosk.window.board.model
        kiosk.window.board.scope_plant.click()
        for changed_rows in (1, 100):
            times = []
            for round_ in range(40):
                stride = len(fresh) // changed_rows
                changed = [
                    replace(
                        r, priority=(r.priority % 5) + 1, fingerprint=r.fingerprint + round_ + 1
                    )
                    if i % stride == round_ % stride
                    else r
                    for i, r in enumerate(fresh)
                ]
                started = time.perf_counter()
                model.set_rows(changed)
                times.append(time.perf_counter() - started)
            label = f"board refresh, {changed_rows} row(s) changed"
            outcome.add(f"{label}, median", median(times) * 1000, "ms", "target ≤ 16")
            outcome.add(f"{label}, p99", percentile(times, 99) * 1000, "ms")
            outcome.check(f"{label}: median ≤ 16 ms", median(times) * 1000 <= 16)

        search = kiosk.window.board.search
        times = []
        for text in [
            "w",
            "wo",
            "wo-",
            "wo-1",
            "wo-10",
            "wo-100",
            "wo-1000",
            "oak",
            "stool",
            "",
        ] * 4:
            started = time.perf_counter()
            search.setText(text)
            times.append(time.perf_counter() - started)
        outcome.add("filter keystroke, median", median(times) * 1000, "ms", "target ≤ 16")
        outcome.add("filter keystroke, p99", percentile(times, 99) * 1000, "ms")
        outcome.check("filter keystroke median ≤ 16 ms", median(times) * 1000 <= 16)
        search.setText("")
    finally:
        _close(app, kiosk)
    return outcome


@benchmark("ui-tap", "tap-to-feedback for Log output (dialog shown, busy state painted)")
def tap_feedback(options: Options) -> Outcome:
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    from ui.detail.actions import Button
    from ui.screenshot import settle

    outcome = Outcome()
    app, kiosk = _kiosk(options, 8)
    try:
        window = kiosk.window
        # Room for every tap within plan: the normal path, not the over-plan prompt.
        window.open_number(_long_work_order(kiosk.station))
        settle(app, kiosk)  # type: ignore[arg-type]
        button = window.detail.buttons[Button.LOG_OUTPUT]
        opened, busy, applied, pressed = [], [], [], []
        painted_busy: list[float] = []
        original = button.set_busy

        def record(on: bool) -> None:
            original(on)  # repaints synchronously
            if on:
                painted_busy.append(time.perf_counter())

        button.set_busy = record  # type: ignore[method-assign]
        for _ in range(max(20, options.iterations // 10)):
            started = time.perf_counter()
            QTest.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
            pressed.append(painted_busy[-1] - started)
            overlay = window.flows.current
            overlay.repaint()  # type: ignore[union-attr]
            opened.append(time.perf_counter() - started)
            overlay.keypad.set_value("1")  # type: ignore[union-attr]
            started = time.perf_counter()
            QTest.mouseClick(overlay.ok_button, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))  # type: ignore[union-attr]
            busy.append(time.perf_counter() - started)  # busy state painted synchronously
            while not overlay.closed:  # type: ignore[union-attr]
                app.processEvents()
            applied.append(time.perf_counter() - started)
            settle(app, kiosk)  # type: ignore[arg-type]
        outcome.add(
            "tap Log output → button busy painted, p99",
            percentile(pressed, 99) * 1000,
            "ms",
            "target ≤ 100",
        )
        outcome.add("tap Log output → dialog painted, median", median(opened) * 1000, "ms")
        outcome.add(
            "tap Log output → dialog painted, p99",
            percentile(opened, 99) * 1000,
            "ms",
            "target ≤ 100",
        )
        outcome.add(
            "tap Log → busy state painted, p99", percentile(busy, 99) * 1000, "ms", "target ≤ 100"
        )
        outcome.add("tap Log → stored and dialog closed, median", median(applied) * 1000, "ms")
        outcome.add("tap Log → stored and dialog closed, p99", percentile(applied, 99) * 1000, "ms")
        outcome.check(
            "tap feedback (busy state painted) p99 ≤ 100 ms",
            max(percentile(pressed, 99), percentile(busy, 99)) <= 0.1,
        )
        outcome.check("Log output dialog painted p99 ≤ 100 ms", percentile(opened, 99) <= 0.1)
    finally:
        _close(app, kiosk)
    return outcome
