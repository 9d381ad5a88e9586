"""Shared interaction flows: supervisor elevation, and running a command from an overlay."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from kiosk.commands import Actor, Command, CommandResult
from kiosk.station import Person
from ui.controller import Controller
from ui.dialogs.message import refusal
from ui.dialogs.supervisor import SupervisorOverlay
from ui.theme import Metrics
from ui.widgets.overlay import Overlay
from ui.worker import Failure


class Flows:
    """What every screen needs to act: the window to draw over, sizes, the controller."""

    def __init__(self, host: QWidget, metrics: Metrics, controller: Controller) -> None:
        self.host = host
        self.metrics = metrics
        self.controller = controller
        #: The overlay now open, if any (scans are routed to it).
        self.current: Overlay | None = None

    def track(self, overlay: Overlay) -> Overlay:
        self.current = overlay
        overlay.finished.connect(lambda _: self._closed(overlay))
        overlay.open()
        return overlay

    def _closed(self, overlay: Overlay) -> None:
        if self.current is overlay:
            self.current = None

    def refuse(self, failure: Failure) -> None:
        self.track(refusal(self.host, self.metrics, failure.message))

    def with_supervisor(self, why: str, then: Callable[[Person], None]) -> SupervisorOverlay:
        overlay = SupervisorOverlay(self.host, self.metrics, why)

        def verified(person: Person) -> None:
            overlay.accept()
            then(person)

        overlay.submitted.connect(
            lambda badge, pin: self.controller.verify_supervisor(
                badge, pin, verified, lambda f: overlay.show_error(f.message)
            )
        )
        self.track(overlay)
        return overlay

    def run(
        self,
        make: Callable[[Actor], Command],
        *,
        overlay: Overlay | None = None,
        supervisor: Person | None = None,
        on_ok: Callable[[CommandResult], None] | None = None,
        on_failure: Callable[[Failure], None] | None = None,
    ) -> None:
        """Run a command; a refusal shows in the overlay that asked, or in its own message."""

        def ok(result: CommandResult) -> None:
            if overlay is not None:
                overlay.accept()
            if on_ok is not None:
                on_ok(result)

        def failed(failure: Failure) -> None:
            if on_failure is not None:
                on_failure(failure)
            elif overlay is not None:
                overlay.show_error(failure.message)
            else:
                self.refuse(failure)

        self.controller.run(make, ok, failed, supervisor=supervisor)
