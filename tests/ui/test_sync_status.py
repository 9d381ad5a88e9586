"""Sync in the kiosk UI: scheduler states from another thread reach the top bar (queued),
and an action the server refused is told to the operator in plain words."""

from __future__ import annotations

import gc
import threading
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from kiosk.station import Station
from kiosk.store.engine import make_engine
from kiosk.store.models import OutboxEntry
from sync.enrolment import Credentials
from sync.scheduler import SyncState
from ui.app import DEMO_WORKSTATION, choose_workstation
from ui.composition_root import Kiosk, build
from ui.sync_link import RunningSync, SyncBridge

from .conftest import OFFSCREEN, settle


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
    assert shown.args == ["sync_answer", message]
    settle(qtbot, kiosk)
    assert kiosk.station.sync_overview().unseen == ()
    assert "1 to check" in kiosk.window.topbar.sync.text()


def test_a_kiosk_without_a_workstation_stands_where_it_was_enrolled(
    qtbot, qapp, store_url: str
) -> None:
    station = Station(make_engine(store_url), None, "test-kiosk")
    k = build(qapp, station, metrics=OFFSCREEN)
    qtbot.addWidget(k.window)
    k.window.show()
    running = RunningSync(None)
    try:
        settle(qtbot, k)
        board = k.window.board
        assert not board.scope_station.isEnabled()  # no workstation: the whole plant only
        assert k.window.topbar.station.text().startswith("—")

        # Enrolled from the health screen at ASSY-2 (the server is not there: offline).
        creds = Credentials("http://127.0.0.1:9", "dev-1", "kst_x", workstation="ASSY-2")
        running.begin(station, k.controller, creds)
        settle(qtbot, k)

        assert station.workstation == "ASSY-2"
        assert station.actor("1001").workstation == "ASSY-2"
        assert board.scope_station.isEnabled()
        assert board.scope_station.isChecked()
        shown = {board.model.row(i).workstation for i in range(board.model.rowCount())}
        assert shown == {"ASSY-2"}
        assert k.window.topbar.station.text() == "ASSY-2 · Assembly bench 2"
    finally:
        running.stop()
        k.window._may_close = True
        k.close()
        station.engine.dispose()
        gc.collect()
        gc.enable()


def test_the_settings_workstation_wins_over_the_enrolment() -> None:
    assert choose_workstation("PAINT-1", "ASSY-2", demo=False) == "PAINT-1"
    assert choose_workstation(None, "ASSY-2", demo=False) == "ASSY-2"
    assert choose_workstation(None, None, demo=True) == DEMO_WORKSTATION
    assert choose_workstation(None, None, demo=False) is None


def test_offline_is_amber_and_says_so_and_never_looks_like_online(qtbot, kiosk: Kiosk) -> None:
    from ui.controller import SyncStatus
    from ui.theme import colour

    pill = kiosk.window.topbar.sync
    now = datetime.now(UTC)
    kiosk.controller.set_sync_status(SyncStatus(online=True, last_sync=now, server=True))
    online_bg = pill.palette().button().color().name()
    assert pill.text().startswith("Online")
    kiosk.controller.set_sync_status(
        SyncStatus(online=False, last_sync=now, last_reached=now, waiting=2, server=True)
    )
    assert pill.property("sync") == "offline"
    assert "OFFLINE" in pill.text()
    assert "2 waiting" in pill.text()
    pill.grab()  # painted with the offline style
    assert pill.palette().button().color().name() != online_bg
    assert pill.palette().button().color() == colour("amber")


def test_anyone_can_ask_the_kiosk_to_try_the_server_now(qtbot, kiosk: Kiosk) -> None:
    from ui.controller import SyncStatus
    from ui.dialogs.sync_status import SyncOverlay

    kiosk.controller.set_sync_status(SyncStatus(online=False, waiting=1, server=True))
    kiosk.window.topbar.sync.click()
    overlay = kiosk.window.flows.current
    assert isinstance(overlay, SyncOverlay)  # no supervisor asked for
    assert "Keep working" in overlay.text.text()
    with qtbot.wait_signal(kiosk.controller.retry_sync, timeout=2000):
        overlay.ok_button.click()
    kiosk.controller.set_sync_status(SyncStatus(online=True, server=True))
    assert overlay.text.text().startswith("Online")


def test_a_restored_store_shows_a_supervisor_what_it_will_send_first(qtbot, kiosk: Kiosk) -> None:
    from sync.recovery import RecoveryPlan, Waiting
    from ui.dialogs.message import MessageOverlay
    from ui.dialogs.supervisor import SupervisorOverlay

    from .conftest import key_pin

    plan = RecoveryPlan(
        old_device="old",
        new_device="new",
        known=(),
        resend=tuple(
            Waiting(n, f"c{n}", "log_output", "1001", "log output (qty 1)") for n in range(8)
        ),
    )
    kiosk.controller.recovery_needed.emit(plan)
    ask = kiosk.window.flows.current
    assert isinstance(ask, MessageOverlay)
    assert "8 actions" in ask.text.text()
    assert "log output (qty 1) — badge 1001" in ask.text.text()
    assert "and 2 more" in ask.text.text()
    ask.ok_button.click()
    supervisor = kiosk.window.flows.current
    assert isinstance(supervisor, SupervisorOverlay)
    supervisor.scanned("9001")
    key_pin(supervisor, "9999")
    with qtbot.wait_signal(kiosk.controller.recovery_confirmed, timeout=5000) as confirmed:
        supervisor.ok_button.click()
    assert confirmed.args == [plan]
