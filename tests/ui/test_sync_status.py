"""Sync in the kiosk UI: scheduler states from another thread reach the top bar (queued),
and an action the server refused is told to the operator in plain words."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from kiosk.store.models import OutboxEntry
from sync.scheduler import SyncState
from ui.composition import Kiosk
from ui.sync_link import SyncBridge

from .conftest import settle


def test_the_top_bar_follows_sync_state_sent_from_another_thread(qtbot, kiosk: Kiosk) -> None:
    bridge = SyncBridge(kiosk.controller, kiosk.controller)
    now = datetime.now(UTC)
    state = SyncState(online=False, last_sync=now, last_reached=now, waiting=7, unseen_answers=0)
    thread = threading.Thread(target=bridge.on_state, args=(state,))
    with qtbot.wait_signal(kiosk.controller.sync_status_changed, timeout=5000):
        thread.start()
        thread.join()
    text = kiosk.window.topbar.sync.text()
    assert "OFFLINE" in text
    assert "7 waiting" in text


def test_a_refused_action_is_shown_in_plain_words_and_marked_seen(qtbot, kiosk: Kiosk) -> None:
    message = (
        "WO-000003 was cancelled by the office at 10:42; your start was not applied. "
        "A supervisor was told."
    )
    with Session(kiosk.station.engine) as session, session.begin():
        session.add(
            OutboxEntry(
                seq=1,
                command_id="c-1",
                type="start",
                at=datetime.now(UTC),
                actor={},
                payload={},
                status="refused",
                detail="",
                message=message,
            )
        )
    bridge = SyncBridge(kiosk.controller, kiosk.controller)
    state = SyncState(True, None, None, waiting=0, unseen_answers=1)
    with qtbot.wait_signal(kiosk.controller.notice, timeout=5000) as shown:
        bridge.on_state(state)
    assert shown.args == [message]
    settle(qtbot, kiosk)
    assert kiosk.station.sync_overview().unseen == ()
    assert "1 to check" in kiosk.window.topbar.sync.text()
