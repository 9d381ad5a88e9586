"""After a tap the kiosk reads back only what the command changed: the open work order
once, the board lines it names (updated in place), nothing else; and the poll picks up
another writer's change the same way."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from kiosk.commands import CommandBus, RaiseHold
from kiosk.commands.base import Actor
from kiosk.domain.enums import WoStatus
from ui.composition_root import Kiosk
from ui.detail.actions import Button
from ui.dialogs.quantity import LogOutputOverlay

from .conftest import open_wo, settle


@pytest.fixture
def reads(kiosk: Kiosk, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts the facade's reads by name (whole board vs some lines)."""
    counts: Counter[str] = Counter()
    station = kiosk.station
    for name in ("board", "work_order", "clocked_in", "notifications", "shift", "follow_up"):
        original: Callable[..., Any] = getattr(station, name)

        def counted(*args: Any, _name: str = name, _fn: Callable[..., Any] = original) -> Any:
            counts[_name if args or _name != "board" else "whole board"] += 1
            return _fn(*args)

        monkeypatch.setattr(station, name, counted)
    return counts


def _resets(kiosk: Kiosk) -> list[int]:
    seen: list[int] = []
    kiosk.window.board.model.modelReset.connect(lambda: seen.append(1))
    return seen


def test_a_log_output_reloads_its_work_order_once_and_nothing_else(
    qtbot: QtBot, kiosk: Kiosk, reads: Counter[str]
) -> None:
    open_wo(qtbot, kiosk, "WO-000002")
    resets = _resets(kiosk)
    reads.clear()
    kiosk.window.detail.buttons[Button.LOG_OUTPUT].click()
    settle(qtbot, kiosk)
    overlay = kiosk.window.flows.current
    assert isinstance(overlay, LogOutputOverlay)
    overlay.keypad.keys["3"].click()
    overlay.ok_button.click()
    settle(qtbot, kiosk)
    assert reads["work_order"] == 1  # the detail, once (it was twice)
    assert reads["whole board"] == 0
    assert reads["follow_up"] == 1
    assert reads["clocked_in"] == 0
    assert reads["notifications"] == 0
    assert resets == []


def test_a_start_updates_its_board_line_in_place(
    qtbot: QtBot, kiosk: Kiosk, reads: Counter[str]
) -> None:
    settle(qtbot, kiosk)
    kiosk.window.board.scope_plant.click()  # the whole plant's lines are shown
    open_wo(qtbot, kiosk, "WO-000006")
    model = kiosk.window.board.model
    wo_id = kiosk.window.detail.wo.id
    changed: list[tuple[int, int]] = []
    model.dataChanged.connect(
        lambda a, b, *_: changed.append((a.row(), b.row()))  # type: ignore[misc]
    )
    resets = _resets(kiosk)
    reads.clear()
    kiosk.window.detail.buttons[Button.START].click()
    settle(qtbot, kiosk)
    row = model.row_by_id(wo_id)
    assert row is not None
    assert row.status == kiosk.window.detail.wo.status == WoStatus.IN_PROGRESS
    at = model.position_of(wo_id)
    assert changed == [(at, at)]  # that one line, where it now stands
    assert resets == []
    assert reads["whole board"] == 0


def test_the_poll_reads_back_what_another_writer_changed(
    qtbot: QtBot, kiosk: Kiosk, reads: Counter[str]
) -> None:
    settle(qtbot, kiosk)
    kiosk.window.board.scope_plant.click()
    model = kiosk.window.board.model
    target = next(row for row in kiosk.controller.rows if row.number == "WO-000002")
    resets = _resets(kiosk)
    reads.clear()
    # The office (another bus on this store, as sync would) holds the work order.
    office = CommandBus(kiosk.station.engine)
    office.execute(
        RaiseHold(work_order_id=target.id, reason="quality_issue", actor=Actor(principal="office"))
    )
    kiosk.controller.poll()
    settle(qtbot, kiosk)
    updated = model.row_by_id(target.id)
    assert updated is not None
    assert updated.hold_reason == "quality_issue"
    assert reads["whole board"] == 0
    assert reads["follow_up"] == 1
    assert resets == []
    assert model.position_of(target.id) is not None
