"""The supervisor's station-health screen: server, clock, queue, refusals, local store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QHeaderView, QLabel, QVBoxLayout, QWidget

from kiosk.queries.sync_overview import AnsweredAction, StoreHealth, SyncOverview
from kiosk.station import Station
from ui.controller import SyncStatus
from ui.detail.tables import Column, RecordModel, record_view, when
from ui.flows import Flows
from ui.widgets.buttons import TouchButton, back_button

#: Clock drift past this many seconds is shown as a warning (ARCHITECTURE.md, clocks).
DRIFT_WARNING_S = 300


def _tr(text: str) -> str:
    return QCoreApplication.translate("Health", text)


@dataclass(frozen=True)
class HealthReport:
    overview: SyncOverview
    store: StoreHealth


def load_health(station: Station) -> HealthReport:
    """Runs on the worker thread (integrity_check reads the whole store)."""
    return HealthReport(station.sync_overview(), station.store_health())


def drift_text(offset: float) -> str:
    seconds = round(offset)
    if abs(seconds) < 2:
        return _tr("in step with the server")
    ahead = _tr("behind") if seconds > 0 else _tr("ahead of")
    text = _tr("%d s %s the server") % (abs(seconds), ahead)
    if abs(seconds) > DRIFT_WARNING_S:
        text += " — " + _tr("WARNING: set this tablet's clock")
    return text


def server_text(status: SyncStatus) -> str:
    if not status.server:
        return _tr("no server (local store only)")
    if not status.enrolled:
        return _tr("not enrolled: ask the office for an enrolment code")
    if status.online is None:
        return _tr("not tried yet")
    return _tr("reachable") if status.online else _tr("NOT reachable")


def size_text(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB" if size >= 1_048_576 else f"{size / 1024:.0f} kB"


def _at(value: datetime | None) -> str:
    return value.astimezone().strftime("%d %b %H:%M:%S") if value else "—"


class HealthScreen(QWidget):
    back = Signal()

    def __init__(self, flows: Flows, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.flows = flows
        metrics = flows.metrics
        gap = metrics.gap
        layout = QVBoxLayout(self)
        layout.setContentsMargins(gap, gap, gap, gap)
        layout.setSpacing(gap)
        header = QHBoxLayout()
        back = back_button(metrics, _tr("Back to the board"))
        back.clicked.connect(self.back.emit)
        header.addWidget(back)
        title = QLabel(_tr("Station health"))
        title.setProperty("role", "title")
        header.addWidget(title, 1)
        layout.addLayout(header)

        grid = QGridLayout()
        grid.setHorizontalSpacing(gap)
        self.values: dict[str, QLabel] = {}
        rows = (
            ("server", _tr("Server")),
            ("reached", _tr("Last reached")),
            ("synced", _tr("Last full sync")),
            ("clock", _tr("Clock")),
            ("waiting", _tr("Actions waiting")),
            ("store", _tr("Local store")),
        )
        for i, (key, label) in enumerate(rows):
            name = QLabel(label)
            name.setProperty("role", "muted")
            value = QLabel("…")
            value.setWordWrap(True)
            # Two facts a row: six rows of them would not leave the table any height
            # on a 10-inch tablet.
            grid.addWidget(name, i // 2, (i % 2) * 2)
            grid.addWidget(value, i // 2, (i % 2) * 2 + 1)
            self.values[key] = value
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        layout.addLayout(grid)

        caption = QLabel(_tr("Actions the server refused or recorded with a warning"))
        layout.addWidget(caption)
        self.model = RecordModel[AnsweredAction](
            [
                Column(_tr("When"), lambda a: when(a.at)),
                Column(
                    _tr("Result"),
                    lambda a: _tr("Refused") if a.status == "refused" else _tr("Recorded, check"),
                ),
                Column(_tr("What happened"), lambda a: a.message),
            ]
        )
        self.view = record_view(self.model, metrics, _tr("Refused actions"))
        head = self.view.horizontalHeader()
        head.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        head.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.view, 1)

        buttons = QHBoxLayout()
        buttons.setSpacing(gap)
        self.enrol_button = TouchButton(_tr("Enrol with a server"))
        self.enrol_button.clicked.connect(self.enrol)
        buttons.addWidget(self.enrol_button)
        buttons.addStretch(1)
        self.seen_button = TouchButton(_tr("Mark all as seen"))
        self.seen_button.clicked.connect(self.mark_seen)
        self.check_button = TouchButton(_tr("Check again"), primary=True)
        self.check_button.clicked.connect(self.reload)
        buttons.addWidget(self.seen_button)
        buttons.addWidget(self.check_button)
        layout.addLayout(buttons)
        self.report: HealthReport | None = None
        flows.controller.sync_status_changed.connect(self.set_status)
        self.set_status(flows.controller.sync_status)

    def set_status(self, status: SyncStatus) -> None:
        self.values["server"].setText(
            server_text(status) + (f" ({status.error})" if status.error else "")
        )
        self.values["reached"].setText(_at(status.last_reached))
        self.values["synced"].setText(_at(status.last_sync))

    def reload(self) -> None:
        self.check_button.set_busy(True)
        self.flows.controller.retry_sync.emit()  # and try the server again, now
        self.flows.controller.load(load_health, self.show_report, self._failed)

    def _failed(self, failure: object) -> None:
        self.check_button.set_busy(False)
        self.flows.refuse(failure)  # type: ignore[arg-type]

    def show_report(self, report: HealthReport) -> None:
        self.check_button.set_busy(False)
        self.report = report
        overview, store = report.overview, report.store
        self.values["clock"].setText(drift_text(overview.clock_offset))
        self.values["waiting"].setText(str(overview.waiting))
        integrity = (
            _tr("intact") if store.integrity == "ok" else _tr("DAMAGED: %s") % store.integrity
        )
        self.values["store"].setText(f"{size_text(store.size_bytes)} · {integrity}")
        self.model.set_records(list(overview.answered))
        self.seen_button.setEnabled(bool(overview.unseen))

    def enrol(self) -> None:
        from ui.enrol import EnrolOverlay

        overlay = EnrolOverlay(self.flows.host, self.flows.metrics, self.flows.controller)
        overlay.keyboard_requested.connect(self.flows.track)
        self.flows.track(overlay)

    def mark_seen(self) -> None:
        if self.report is None:
            return
        seqs = [a.seq for a in self.report.overview.unseen]
        self.flows.controller.load(lambda s: s.mark_answers_seen(seqs), lambda _: self.reload())
