"""In every status, each action button is enabled only where the core's status table allows it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kiosk.commands import CommandBus
from kiosk.domain.enums import WoStatus
from kiosk.domain.status import Action, is_allowed
from kiosk.store.models import WorkOrder
from ui.detail.actions import Button

from .conftest import open_wo

ACTION_OF = {
    Button.START: Action.START,
    Button.LOG_OUTPUT: Action.LOG_OUTPUT,
    Button.STEP_DONE: Action.COMPLETE_STEP,
    Button.HOLD: Action.HOLD,
    Button.RESUME: Action.RESUME,
    Button.QC: Action.QC,
    Button.COMPLETE: Action.COMPLETE,
}


@pytest.mark.parametrize("status", list(WoStatus))
def test_buttons_disabled_where_the_status_table_refuses(qtbot, kiosk, status):
    with CommandBus(kiosk.station.engine).read() as session:
        number = session.scalar(
            select(WorkOrder.number).where(WorkOrder.status == status).order_by(WorkOrder.number)
        )
    assert number is not None, f"the demo plant has no {status} work order"
    open_wo(qtbot, kiosk, number)
    buttons = kiosk.window.detail.buttons
    for button, action in ACTION_OF.items():
        if not is_allowed(status, action):
            assert not buttons[button].isEnabled(), f"{button} enabled on a {status} WO"
    # The always-allowed floor actions of each status are offered.
    expected_on = {
        WoStatus.READY: {Button.START, Button.HOLD},
        WoStatus.IN_PROGRESS: {Button.LOG_OUTPUT, Button.HOLD, Button.COMPLETE},
        WoStatus.ON_HOLD: {Button.RESUME},
    }.get(status, set())
    for button in expected_on:
        assert buttons[button].isEnabled(), f"{button} disabled on a {status} WO"
    if status.is_terminal:
        assert not any(b.isEnabled() for b in buttons.values())
