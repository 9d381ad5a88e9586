"""Supervisor elevation for one action: badge (scanned or keyed) and PIN on the keypad."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from ui.dialogs.credentials import CredentialsOverlay
from ui.theme import Metrics


class SupervisorOverlay(CredentialsOverlay):
    """Emits ``submitted(badge, pin, scanned)``; the owner verifies it and runs the action.
    A supervisor's PIN is always asked for, whatever the site allows for a scan."""

    def __init__(self, host: QWidget, metrics: Metrics, why: str) -> None:
        super().__init__(
            host,
            metrics,
            QCoreApplication.translate("Supervisor", "Supervisor needed"),
            why,
            ok_text=QCoreApplication.translate("Supervisor", "Confirm"),
        )
