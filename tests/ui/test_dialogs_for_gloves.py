"""Dialogs a gloved finger can finish: every choice on the card, a grey button that says
why, and nothing that moves under the finger when a message appears."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QAbstractScrollArea

from ui.detail.actions import Button
from ui.dialogs.qc import QcOverlay
from ui.dialogs.supervisor import SupervisorOverlay

from .conftest import open_wo, settle


def on_screen(widget, window) -> bool:
    """Wholly inside the window and not inside anything that scrolls."""
    top_left = widget.mapTo(window, QPoint(0, 0))
    inside = window.rect().contains(QRect(top_left, widget.size()))
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent, QAbstractScrollArea):
            return False
        parent = parent.parentWidget()
    return inside and widget.isVisible()


def test_every_qc_choice_is_on_a_tablet_screen_and_record_says_what_is_missing(qtbot, tablet_kiosk):
    window = tablet_kiosk.window
    open_wo(qtbot, tablet_kiosk, "WO-000002")  # three chair bases wait for QC
    window.detail.buttons[Button.QC].click()
    settle(qtbot, tablet_kiosk)
    qc = window.flows.current
    assert isinstance(qc, QcOverlay)
    choices = [*qc.reasons.buttons(), *qc.categories.buttons(), *qc.action_choices.buttons()]
    assert len(choices) == 10
    for button in [*choices, qc.ok_button, qc.cancel_button, *qc.keypad.keys.values()]:
        assert on_screen(button, window), f"{button.text()!r} is off the screen or scrolls"
    # Record is grey until the verdict is whole, and the line under it says why.
    assert not qc.ok_button.isEnabled()
    assert "how many" in qc.message
    qc.failed_field.click()
    qc.keypad.press("1")
    assert "why they failed" in qc.message
    qc.reasons.buttons()[1].click()
    assert "rework or scrap" in qc.message
    qc.action_choices.buttons()[1].click()
    assert qc.ok_button.isEnabled()
    assert qc.message == ""


def test_a_refusal_never_moves_the_keypad_or_the_button_under_the_finger(qtbot, tablet_kiosk):
    window = tablet_kiosk.window
    open_wo(qtbot, tablet_kiosk, "WO-000003")  # on hold: Resume needs a supervisor
    window.detail.buttons[Button.RESUME].click()
    settle(qtbot, tablet_kiosk)
    overlay = window.flows.current
    assert isinstance(overlay, SupervisorOverlay)

    def where() -> list[object]:
        """Where the card starts, and every button a finger may be on its way to."""
        widgets = [
            overlay.ok_button,
            overlay.cancel_button,
            overlay.pad.badge_field,
            overlay.pad.pin_field,
            *overlay.pad.keypad.keys.values(),
        ]
        return [overlay.card.pos()] + [
            QRect(w.mapTo(window, QPoint(0, 0)), w.size()) for w in widgets
        ]

    qtbot.wait(20)  # as the operator sees it: laid out
    before = where()
    overlay.show_error(
        "Badge or PIN not recognised. Try again (4 more tries before the badge locks); "
        "ask a supervisor if you have forgotten your PIN."
    )
    qtbot.wait(20)
    assert overlay.message.startswith("Badge or PIN")
    assert where() == before
    overlay.pad.keypad.keys["4"].click()  # typing again clears nothing that moves either
    qtbot.wait(20)
    assert where() == before
