"""The kiosk window: top bar, the screens, overlays, scanning, idle clock-out, the lock."""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent, QShowEvent
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from kiosk.domain.enums import IdentifyMethod
from kiosk.station import Person, StationInfo
from ui.announcements import Announcements
from ui.board.screen import BoardScreen
from ui.clock_in import ClockInScreen
from ui.controller import Controller
from ui.detail.screen import DetailScreen
from ui.dialogs.sync_status import SyncOverlay
from ui.flows import Flows
from ui.health import HealthScreen
from ui.kiosk_lock import KioskLock
from ui.notifications import NotificationsScreen
from ui.revoked import RevokedBanner
from ui.scanner import WORK_ORDER, ScanListener
from ui.theme import Metrics
from ui.topbar import TopBar
from ui.widgets.toast import Toast
from ui.widgets.touch_keyboard import TextEntryOverlay
from ui.worker import Failure

log = logging.getLogger(__name__)


def _tr(text: str) -> str:
    return QCoreApplication.translate("Kiosk", text)


class KioskWindow(QWidget):
    """Full-screen unless windowed; closing or leaving full-screen needs a supervisor."""

    quit_requested = Signal()

    def __init__(
        self,
        metrics: Metrics,
        controller: Controller,
        *,
        workstation: str | None,
        idle_minutes: float = 15.0,
    ) -> None:
        super().__init__()
        self.metrics = metrics
        self.controller = controller
        self.flows = Flows(self, metrics, controller)
        self.flows.on_closed = self.take_focus
        # Before any event: the window hands its close and state events to the lock.
        self.kiosk_lock = KioskLock(self, metrics, self.flows)
        self.kiosk_lock.quit_requested.connect(self.quit_requested)
        self.setWindowTitle(_tr("Shop-floor kiosk"))
        # The window itself holds the keyboard focus (buttons and fields never take it):
        # a badge scanner's keys always arrive here, whatever was tapped last.
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        self.topbar = TopBar(metrics, controller)
        self.stack = QStackedWidget()
        self.clock_in = ClockInScreen(self.flows)
        self.board = BoardScreen(metrics, workstation)
        self.detail = DetailScreen(self.flows)
        self.notifications = NotificationsScreen(self.flows)
        self.health = HealthScreen(self.flows)
        for screen in (self.clock_in, self.board, self.detail, self.notifications, self.health):
            self.stack.addWidget(screen)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.topbar)
        layout.addWidget(self.stack, 1)
        # A revoked kiosk says so in full on the board, where people stand between
        # actions and the table gives up the room; above the stack it would push the
        # tallest page (a work order's) off a 10-inch tablet. The top bar's red
        # NOT ENROLLED says it on every screen.
        self.revoked = RevokedBanner(metrics)
        controller.sync_status_changed.connect(self.revoked.show_status)
        self.board.show_notice(self.revoked)

        controller.board_changed.connect(self.board.set_rows)
        controller.board_rows_changed.connect(self.board.update_rows)
        controller.shift_changed.connect(self.board.shift.set_summary)
        controller.store_changed.connect(self.detail.reload)
        controller.notice.connect(
            lambda code, text: self.flows.refuse(Failure(text, code, RuntimeError(text)))
        )
        self.toast = Toast(self, metrics, over=[self.topbar.title_area])
        self.announcements = Announcements(self, metrics, controller, self.flows, self.toast)
        self.board.open_work_order.connect(self.open_work_order)
        self.board.search_requested.connect(self.type_search)
        self.detail.back.connect(self.show_board)
        self.notifications.back.connect(self.show_board)
        self.notifications.open_work_order.connect(self.open_work_order)
        self.health.back.connect(self.show_board)
        self.topbar.sync.clicked.connect(self.show_sync)
        self.clock_in.clocked_in.connect(lambda _: self.show_board())
        self.clock_in.to_board.connect(self.show_board)
        self.topbar.person.clicked.connect(self.show_clock_in)
        self.topbar.bell.clicked.connect(self.show_notifications)
        self.topbar.lock.clicked.connect(self.ask_to_leave)

        self.scanner = ScanListener(self)
        self.scanner.scanned.connect(self.on_scan)

        self.idle = QTimer(self)
        self.idle.setSingleShot(True)
        self.idle.setInterval(max(int(idle_minutes * 60_000), 1000))
        self.idle.timeout.connect(self.idle_clock_out)

    # ---------------------------------------------------------------- navigation
    def set_station(self, info: StationInfo) -> None:
        self.topbar.set_station(info.code, info.name)

    def show_clock_in(self) -> None:
        self.clock_in.reset()
        self.stack.setCurrentWidget(self.clock_in)

    def show_board(self) -> None:
        self.stack.setCurrentWidget(self.board)

    def show_notifications(self) -> None:
        self.stack.setCurrentWidget(self.notifications)

    def show_health(self) -> None:
        self.stack.setCurrentWidget(self.health)
        self.health.reload()

    def show_sync(self) -> None:
        """The connection in words, and "Try now", for anyone; health for supervisors."""
        overlay = SyncOverlay(self, self.metrics, self.controller)
        overlay.health_requested.connect(self.ask_health)
        self.flows.track(overlay)

    def ask_health(self) -> None:
        self.flows.with_supervisor(
            _tr("Station health is for supervisors."), lambda _person: self.show_health()
        )

    def open_work_order(self, work_order_id: str) -> None:
        self.stack.setCurrentWidget(self.detail)
        self.detail.show_work_order(work_order_id)

    def type_search(self, text: str) -> None:
        keyboard = TextEntryOverlay(
            self, self.metrics, _tr("Search"), text, ok_text=_tr("Search"), max_length=60
        )
        keyboard.entered.connect(self.board.search.setText)
        self.flows.track(keyboard)

    def open_number(self, number: str) -> None:
        self.controller.load(
            lambda s: s.work_order_by_number(number),
            lambda wo: self.open_work_order(wo.id),
            self.flows.refuse,
        )

    # ---------------------------------------------------------------- scanning
    def on_scan(self, code: str) -> None:
        """A work-order traveler opens the WO anywhere; anything else is a badge, and
        whoever scanned it is the one acting from now on."""
        code = code.strip()
        if WORK_ORDER.match(code):
            self.flows.close_all()
            self.open_number(code.upper())
            return
        current = self.flows.current
        if current is not None and getattr(current, "accepts_badge_scan", False):
            current.scanned(code)  # type: ignore[attr-defined]
            return
        # Someone else may be at the kiosk now: nobody finishes another's dialog.
        self.flows.close_all()
        if self.stack.currentWidget() is self.clock_in:
            self.clock_in.scanned(code)
        elif self.flows.scan_alone():
            self.controller.identify(
                code, None, IdentifyMethod.SCAN, lambda _: None, self.flows.refuse
            )
        else:
            overlay = self.flows.identify(_tr("Key in your PIN to go on."))
            overlay.scanned(code)

    # ---------------------------------------------------------------- keyboard focus
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self.take_focus)

    _taking_focus = False

    def take_focus(self) -> None:
        """Take the keyboard (and the scanner with it). Under a bare X server no window
        manager hands focus to a new window, so it has to ask for it."""
        self._taking_focus = False
        if not self.isVisible():
            return
        self.activateWindow()
        handle = self.windowHandle()
        if handle is not None:
            handle.requestActivate()
        self.setFocus(Qt.FocusReason.ActiveWindowFocusReason)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.flows.current is not None:
            self.flows.current.reject()  # Escape cancels the open dialog, never more
            return
        super().keyPressEvent(event)

    # ---------------------------------------------------------------- idle clock-out
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.KeyPress, QEvent.Type.TouchBegin):
            self.idle.start()
        if (
            kind in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin)
            and isinstance(watched, QWidget)
            and watched.window() is self
            and not self._taking_focus
        ):
            # Someone is at the kiosk: make sure the keyboard (the scanner) is ours. Qt
            # may not have noticed a bare X server giving the focus to nobody, so ask
            # whether or not it thinks it is active; it costs one X request a tap.
            self._taking_focus = True
            QTimer.singleShot(0, self.take_focus)
        if (
            kind == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
            and self.flows.current is not None
            and isinstance(watched, QWidget)
            and watched.window() is self
        ):
            self.flows.current.reject()
            return True
        if kind == QEvent.Type.WindowActivate and watched is self:
            QTimer.singleShot(0, self.take_focus)
        return False

    def idle_clock_out(self) -> None:
        person: Person | None = self.controller.active
        if person is None:
            return
        log.info("idle clock-out of %s", person.badge)
        self.controller.clock_out(person.badge)
        self.show_clock_in()

    # ---------------------------------------------------------------- the lock
    @property
    def _may_close(self) -> bool:
        """Whether closing is for real (teardown sets it to close without a supervisor)."""
        return self.kiosk_lock.may_close

    @_may_close.setter
    def _may_close(self, value: bool) -> None:
        self.kiosk_lock.may_close = value

    def ask_to_leave(self) -> None:
        self.kiosk_lock.ask_to_leave()

    def show_kiosk(self) -> None:
        self.kiosk_lock.show_kiosk()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.kiosk_lock.close_event(event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        self.kiosk_lock.change_event(event)

    def showNormal(self) -> None:
        self.kiosk_lock.to_window_mode()
        super().showNormal()
