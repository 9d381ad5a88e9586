"""Badge and PIN entry on one keypad: tap a field, key it in; a badge scan fills the badge."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QButtonGroup, QVBoxLayout, QWidget

from ui.theme import Metrics
from ui.widgets.buttons import TouchButton
from ui.widgets.keypad import Keypad


def _tr(text: str) -> str:
    return QCoreApplication.translate("Credentials", text)


class CredentialsPad(QWidget):
    """The badge and PIN fields, one above the other. Their ``keypad`` is placed by the
    owner beside them: fields over keys would not fit the height of a 10-inch tablet."""

    changed = Signal()

    def __init__(self, metrics: Metrics, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values = {"badge": "", "pin": ""}
        #: The badge came from a scan, not from the keys (a scan may be enough alone).
        self.scanned = False
        self.badge_field = TouchButton(checkable=True)
        self.pin_field = TouchButton(checkable=True)
        self.fields = QButtonGroup(self)
        row = QVBoxLayout()
        row.setSpacing(metrics.gap)
        for key, button in (("badge", self.badge_field), ("pin", self.pin_field)):
            button.setProperty("field", key)
            button.setMinimumWidth(metrics.mm(40))
            self.fields.addButton(button)
            row.addWidget(button)
        self.badge_field.setChecked(True)
        self.keypad = Keypad(metrics, decimals=False, max_length=12)
        self.keypad.display.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(metrics.gap)
        layout.addLayout(row)
        self.fields.buttonClicked.connect(lambda _: self.keypad.set_value(self.values[self.field]))
        self.keypad.changed.connect(self._typed)
        self._show()

    @property
    def field(self) -> str:
        checked = self.fields.checkedButton()
        assert checked is not None  # an exclusive group with one field checked from the start
        return str(checked.property("field"))

    @property
    def badge(self) -> str:
        return self.values["badge"].strip()

    @property
    def pin(self) -> str:
        return self.values["pin"]

    def set_badge(self, badge: str, *, scanned: bool = True) -> None:
        """A badge (scanned, or known already): fill it in and move on to the PIN."""
        self.values["badge"] = badge.strip()
        self.scanned = scanned
        self.pin_field.setChecked(True)
        self.keypad.set_value(self.values["pin"])
        self._show()
        self.changed.emit()

    def clear(self) -> None:
        self.scanned = False
        self.values = {"badge": "", "pin": ""}
        self.badge_field.setChecked(True)
        self.keypad.clear()
        self._show()

    def clear_pin(self) -> None:
        self.values["pin"] = ""
        self.pin_field.setChecked(True)
        self.keypad.clear()

    def _typed(self, value: str) -> None:
        if self.field == "badge" and value != self.values["badge"]:
            self.scanned = False  # keyed in: a number anyone could type
        self.values[self.field] = value
        self._show()
        self.changed.emit()

    def _show(self) -> None:
        self.badge_field.setText(_tr("Badge: %s") % (self.values["badge"] or "—"))
        self.pin_field.setText(_tr("PIN: %s") % ("•" * len(self.values["pin"]) or "—"))
