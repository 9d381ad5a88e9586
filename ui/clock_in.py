"""Clock-in: scan a badge (keyboard wedge) or key badge + PIN; who is here; clock-out."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QSize, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QVBoxLayout, QWidget

from kiosk.station import Person
from ui.controller import Controller
from ui.detail.tables import when
from ui.theme import Metrics
from ui.widgets.buttons import TouchButton
from ui.widgets.credentials import CredentialsPad
from ui.worker import Failure


def _tr(text: str) -> str:
    return QCoreApplication.translate("ClockIn", text)


class ClockInScreen(QWidget):
    """Left: the keypad. Right: who is clocked in here, each with a clock-out button."""

    clocked_in = Signal(object)  # Person
    to_board = Signal()

    def __init__(self, metrics: Metrics, controller: Controller, parent: QWidget | None = None):
        super().__init__(parent)
        self.metrics = metrics
        self.controller = controller
        gap = metrics.gap
        outer = QVBoxLayout(self)
        outer.setContentsMargins(metrics.mm(6), metrics.mm(2), metrics.mm(6), metrics.mm(2))
        outer.setSpacing(metrics.mm(2))
        prompt = QLabel(_tr("Scan your badge, or key in badge and PIN"))
        prompt.setProperty("role", "title")
        outer.addWidget(prompt)
        # Fields | keys | who is here, side by side: stacked, they would not fit the
        # height of a 10-inch tablet at 20 mm a key.
        layout = QHBoxLayout()
        layout.setSpacing(metrics.mm(6))
        outer.addLayout(layout, 1)

        left = QVBoxLayout()
        left.setSpacing(gap)
        self.pad = CredentialsPad(metrics)
        left.addWidget(self.pad)
        self.clock_in_button = TouchButton(_tr("Clock in"), primary=True)
        self.clock_in_button.clicked.connect(self.submit)
        left.addWidget(self.clock_in_button)
        self.error = QLabel()
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        left.addWidget(self.error, 1)
        layout.addLayout(left, 2)
        layout.addWidget(self.pad.keypad, 0)

        right = QVBoxLayout()
        right.setSpacing(gap)
        here = QLabel(_tr("Clocked in here"))
        here.setProperty("role", "title")
        right.addWidget(here)
        self.people = QListWidget()
        self.people.setAccessibleName(_tr("People clocked in"))
        self.people.setSpacing(metrics.mm(1))
        right.addWidget(self.people, 1)
        self.use_button = TouchButton(_tr("Work as selected"))
        self.use_button.clicked.connect(self._use_selected)
        self.clock_out_button = TouchButton(_tr("Clock out selected"))
        self.clock_out_button.clicked.connect(self._clock_out_selected)
        right.addWidget(self.use_button)
        right.addWidget(self.clock_out_button)
        self.board_button = TouchButton(_tr("Go to the board"), primary=True)
        self.board_button.clicked.connect(self.to_board.emit)
        right.addWidget(self.board_button)
        layout.addLayout(right, 3)

        self.pad.changed.connect(self._check)
        controller.people_changed.connect(self.set_people)
        self._people: list[Person] = []
        self.set_people([])
        self._check()

    def set_people(self, people: list[Person]) -> None:
        self._people = people
        self.people.clear()
        for person in people:
            role = _tr(" (supervisor)") if person.is_supervisor else ""
            self.people.addItem(
                _tr("%s%s — since %s") % (person.name, role, when(person.clocked_in_at))
            )
        for item_index in range(self.people.count()):
            item = self.people.item(item_index)
            item.setSizeHint(item.sizeHint().expandedTo(self._row_size()))
        if people:
            self.people.setCurrentRow(len(people) - 1)
        for button in (self.use_button, self.clock_out_button, self.board_button):
            button.setEnabled(bool(people))

    def _row_size(self) -> QSize:
        return QSize(0, self.metrics.target)

    def _selected(self) -> Person | None:
        row = self.people.currentRow()
        return self._people[row] if 0 <= row < len(self._people) else None

    def _use_selected(self) -> None:
        person = self._selected()
        if person is not None:
            self.controller.set_active(person)
            self.to_board.emit()

    def _clock_out_selected(self) -> None:
        person = self._selected()
        if person is not None:
            self.controller.clock_out(person.badge, self._failed)

    def _check(self) -> None:
        self.clock_in_button.setEnabled(bool(self.pad.badge))

    def scanned(self, badge: str) -> None:
        """A badge scan is the credential on its own: clock in at once."""
        self.pad.set_badge(badge)
        self._clock_in(badge, None)

    def submit(self) -> None:
        self._clock_in(self.pad.badge, self.pad.pin or None)

    def _clock_in(self, badge: str, pin: str | None) -> None:
        self.error.clear()
        self.clock_in_button.set_busy(True)
        self.controller.clock_in(badge, pin, self._ok, self._failed)

    def _ok(self, person: Person) -> None:
        self.clock_in_button.set_busy(False)
        self.pad.clear()
        self.clocked_in.emit(person)

    def _failed(self, failure: Failure) -> None:
        self.clock_in_button.set_busy(False)
        self.pad.clear_pin()
        self.error.setText(failure.message)

    def reset(self) -> None:
        self.pad.clear()
        self.error.clear()
