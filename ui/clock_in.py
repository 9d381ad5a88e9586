"""Clock-in: scan a badge or key badge and PIN; who is here; switch between them; clock out.

Whoever identifies last is the one acting. Switching to someone in the list takes
their badge or PIN like clocking in does; clocking someone else out takes theirs, or a
supervisor's.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QSize, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QVBoxLayout, QWidget

from kiosk.domain.enums import IdentifyBy, IdentifyMethod
from kiosk.services.identity import BadgeLocked, PinRequired, TooManyAttempts
from kiosk.station import Identified, Person
from ui.controller import Controller
from ui.detail.tables import when
from ui.dialogs.credentials import CredentialsOverlay
from ui.flows import Flows
from ui.theme import BODY_EM_MM, TITLE_EM_MM
from ui.widgets.buttons import TouchButton
from ui.widgets.credentials import CredentialsPad
from ui.worker import Failure

#: Refusals a supervisor can undo from here.
LOCKED = frozenset({BadgeLocked.code, TooManyAttempts.code})


def _tr(text: str) -> str:
    return QCoreApplication.translate("ClockIn", text)


class ClockInScreen(QWidget):
    """Left: badge and PIN, the keypad. Right: who is clocked in here."""

    clocked_in = Signal(object)  # Identified
    to_board = Signal()

    def __init__(self, flows: Flows, parent: QWidget | None = None):
        super().__init__(parent)
        self.flows = flows
        metrics = flows.metrics
        self.metrics = metrics
        self.controller: Controller = flows.controller
        gap = metrics.gap
        outer = QVBoxLayout(self)
        outer.setContentsMargins(metrics.mm(6), metrics.mm(2), metrics.mm(6), metrics.mm(2))
        outer.setSpacing(metrics.mm(2))
        # The first line asks, says what is missing, or why it was refused: one line of
        # title or two of body text, its height kept whichever it shows.
        self.prompt = QLabel()
        self.prompt.setProperty("role", "title")
        self.prompt.setWordWrap(True)
        self.prompt.setFixedHeight(
            max(metrics.mm(TITLE_EM_MM) * 3 // 2, metrics.mm(BODY_EM_MM) * 5 // 2)
        )
        outer.addWidget(self.prompt)
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
        self.unlock_button = TouchButton(_tr("Unlock (supervisor)"))
        self.unlock_button.clicked.connect(self._unlock)
        self.unlock_button.hide()
        left.addWidget(self.unlock_button)
        left.addStretch(1)
        layout.addLayout(left, 1)
        layout.addWidget(self.pad.keypad, 0)

        right = QVBoxLayout()
        right.setSpacing(gap)
        here = QLabel(_tr("Clocked in here"))
        here.setProperty("role", "title")
        right.addWidget(here)
        self.people = QListWidget()
        self.people.setAccessibleName(_tr("People clocked in"))
        self.people.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.people.setSpacing(metrics.mm(1))
        # At least one row; it takes whatever height the column has left.
        self.people.setMinimumHeight(metrics.target + metrics.mm(3))
        right.addWidget(self.people, 1)
        self.switch_button = TouchButton(_tr("Switch to selected"))
        self.switch_button.clicked.connect(self._switch_to_selected)
        self.clock_out_button = TouchButton(_tr("Clock out selected"))
        self.clock_out_button.clicked.connect(self._clock_out_selected)
        right.addWidget(self.switch_button)
        right.addWidget(self.clock_out_button)
        self.board_button = TouchButton(_tr("Go to the board"), primary=True)
        self.board_button.clicked.connect(self.to_board.emit)
        right.addWidget(self.board_button)
        layout.addLayout(right, 1)

        self.pad.changed.connect(self._edited)
        self.controller.people_changed.connect(self.set_people)
        self.controller.active_changed.connect(lambda _: self.set_people(self._people))
        self._people: list[Person] = []
        self._locked_badge: str | None = None
        self.set_people([])
        self._check()

    # ---------------------------------------------------------------- who is here
    def set_people(self, people: list[Person]) -> None:
        self._people = people
        selected = self._selected()
        active = self.controller.active
        self.people.clear()
        for person in people:
            role = _tr(" (supervisor)") if person.is_supervisor else ""
            working = _tr(" · working now") if active and active.badge == person.badge else ""
            self.people.addItem(
                _tr("%s%s — since %s%s") % (person.name, role, when(person.clocked_in_at), working)
            )
        for item_index in range(self.people.count()):
            item = self.people.item(item_index)
            item.setSizeHint(item.sizeHint().expandedTo(self._row_size()))
        badges = [p.badge for p in people]
        keep = selected.badge if selected else (active.badge if active else None)
        if keep in badges:
            self.people.setCurrentRow(badges.index(keep))
        for button in (self.switch_button, self.clock_out_button):
            button.setEnabled(bool(people))
        self._prompt()

    def _prompt(self) -> None:
        """The plain prompt, unless a hint or a refusal has the line."""
        if self.prompt.property("state"):
            return
        if self.controller.identify_by == IdentifyBy.BADGE_AND_PIN:
            self.prompt.setText(_tr("Scan your badge and key in your PIN"))
        else:
            self.prompt.setText(_tr("Scan your badge, or key in badge and PIN"))

    def _row_size(self) -> QSize:
        return QSize(0, self.metrics.target)

    def _selected(self) -> Person | None:
        row = self.people.currentRow()
        return self._people[row] if 0 <= row < len(self._people) else None

    def _switch_to_selected(self) -> None:
        person = self._selected()
        if person is None:
            return
        active = self.controller.active
        if active is not None and active.badge == person.badge:
            self.to_board.emit()
            return
        self.flows.identify(
            _tr("%s: scan your badge or key in your PIN.") % person.name,
            self.clocked_in.emit,
            badge=person.badge,
            title=_tr("Switch to %s?") % person.name,
        )

    def _clock_out_selected(self) -> None:
        person = self._selected()
        if person is None:
            return
        active = self.controller.active
        if active is not None and active.badge == person.badge:
            self.controller.clock_out(person.badge, self._failed)
            return
        self.flows.credentials(
            _tr("Clock out %s?") % person.name,
            _tr("Clocking out %s takes their badge or PIN, or a supervisor's.") % person.name,
            lambda overlay, badge, pin, scanned: self._clock_out_checked(
                person, overlay, badge, pin, scanned
            ),
            badge=person.badge,
            ok_text=_tr("Clock out"),
        )

    def _clock_out_checked(
        self, person: Person, overlay: CredentialsOverlay, badge: str, pin: str, scanned: bool
    ) -> None:
        def done(_: object = None) -> None:
            overlay.accept()

        def refused(failure: Failure) -> None:
            overlay.show_error(failure.message)

        if badge == person.badge:
            if scanned and not pin and self.flows.scan_alone():
                self.controller.clock_out(person.badge, refused)
                done()
            else:

                def verified(_p: Person) -> None:
                    self.controller.clock_out(person.badge, refused)
                    done()

                self.controller.verify(badge, pin, verified, refused)
        elif not pin:
            # Someone else's badge (a supervisor's) was scanned: their PIN is needed too.
            overlay.show_error(_tr("Now key in the PIN for badge %s.") % badge)
        else:

            def by_supervisor(sup: Person) -> None:
                self.controller.clock_out(person.badge, refused, supervisor=sup)
                done()

            self.controller.verify_supervisor(badge, pin, by_supervisor, refused)

    # ---------------------------------------------------------------- clocking in
    def _missing(self) -> str:
        if not self.pad.badge:
            return _tr("Scan your badge, or key in your badge number.")
        if self.pad.scanned and self.flows.scan_alone():
            return ""
        if len(self.pad.pin) < 4:
            if self.pad.scanned:
                return _tr("Badge %s read: key in your PIN.") % self.pad.badge
            return _tr("Now key in your PIN (4 to 8 digits).")
        return ""

    def _edited(self) -> None:
        self.prompt.setProperty("state", "")  # a refusal stands until the entry changes
        self._check()

    def _check(self) -> None:
        missing = self._missing()
        self.clock_in_button.setEnabled(not missing)
        if self.prompt.property("state") != "error":
            # Nothing keyed yet: the prompt says it all.
            self._say(missing if self.pad.badge or self.pad.pin else "", error=False)

    def _say(self, text: str, *, error: bool) -> None:
        """The first line: the prompt, what is missing (``text``), or a refusal."""
        self.prompt.setProperty("state", ("error" if error else "hint") if text else "")
        self.prompt.style().unpolish(self.prompt)
        self.prompt.style().polish(self.prompt)
        if text:
            self.prompt.setText(text)
        else:
            self._prompt()

    def scanned(self, badge: str) -> None:
        """A badge scan: enough on its own where the site allows it, else the PIN next."""
        self.pad.clear()
        self.pad.set_badge(badge)
        if self.flows.scan_alone():
            self._clock_in(badge, None, IdentifyMethod.SCAN)
        else:
            self._check()

    def submit(self) -> None:
        method = IdentifyMethod.SCAN if self.pad.scanned else IdentifyMethod.KEYPAD
        self._clock_in(self.pad.badge, self.pad.pin or None, method)

    def _clock_in(self, badge: str, pin: str | None, method: IdentifyMethod) -> None:
        self._say("", error=False)
        self.unlock_button.hide()
        self.clock_in_button.set_busy(True)
        self.controller.identify(badge, pin, method, self._ok, self._failed)

    def _ok(self, identified: Identified) -> None:
        self.clock_in_button.set_busy(False)
        self.pad.clear()
        self.clocked_in.emit(identified)

    def _failed(self, failure: Failure) -> None:
        self.clock_in_button.set_busy(False)
        self.pad.clear_pin()
        if failure.code == PinRequired.code:
            self._say(failure.message, error=False)
        else:
            self._say(failure.message, error=True)
        # A badge's lock is that badge's; a paused kiosk is every badge's.
        self._locked_badge = self.pad.badge or None if failure.code == BadgeLocked.code else None
        self.unlock_button.setVisible(failure.code in LOCKED)
        self._check()

    def _unlock(self) -> None:
        badge = self._locked_badge

        def unlocked(_: object) -> None:
            self.unlock_button.hide()
            self._say(_tr("Unlocked. Try again."), error=False)

        self.flows.with_supervisor(
            _tr("Unlock badge %s after too many wrong PINs.") % badge if badge else _tr("Unlock"),
            lambda sup: self.controller.unlock(
                badge, sup, unlocked, lambda f: self._say(f.message, error=True)
            ),
        )

    def reset(self) -> None:
        self.pad.clear()
        self._say("", error=False)
        self.unlock_button.hide()
        self._check()
