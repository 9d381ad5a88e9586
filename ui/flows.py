"""Shared interaction flows: who is acting, supervisor elevation, running a command.

Also the stack of open overlays (a keyboard may open over a dialog): scans go to the
top one, Escape cancels it, and when the person at the kiosk changes every open one
is cancelled, so nobody finishes a dialog someone else began.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from kiosk.commands import Actor, Command, CommandResult
from kiosk.domain.enums import IdentifyBy, IdentifyMethod
from kiosk.station import Identified, Person
from ui.controller import Controller
from ui.dialogs.credentials import CredentialsOverlay
from ui.dialogs.message import refusal
from ui.dialogs.supervisor import SupervisorOverlay
from ui.theme import Metrics
from ui.widgets.overlay import Overlay
from ui.worker import Failure


def _tr(text: str) -> str:
    return QCoreApplication.translate("Flows", text)


class Flows:
    """What every screen needs to act: the window to draw over, sizes, the controller."""

    def __init__(self, host: QWidget, metrics: Metrics, controller: Controller) -> None:
        self.host = host
        self.metrics = metrics
        self.controller = controller
        self._open: list[Overlay] = []
        #: Called whenever an overlay closes (the window takes keyboard focus back).
        self.on_closed: Callable[[], None] = lambda: None

    # ---------------------------------------------------------------- the overlay stack
    @property
    def current(self) -> Overlay | None:
        """The overlay on top, if any (scans are routed to it)."""
        return self._open[-1] if self._open else None

    def track(self, overlay: Overlay) -> Overlay:
        self._open.append(overlay)
        overlay.finished.connect(lambda _: self._closed(overlay))
        overlay.open()
        return overlay

    def _closed(self, overlay: Overlay) -> None:
        if overlay in self._open:
            self._open.remove(overlay)
        self.on_closed()

    def close_all(self) -> None:
        for overlay in reversed(list(self._open)):
            overlay.reject()

    def refuse(self, failure: Failure) -> None:
        self.track(refusal(self.host, self.metrics, failure.message, failure.code))

    # ---------------------------------------------------------------- people
    def scan_alone(self) -> bool:
        return self.controller.identify_by == IdentifyBy.BADGE_SCAN

    def credentials(
        self,
        title: str,
        why: str,
        on_submit: Callable[[CredentialsOverlay, str, str, bool], None],
        *,
        badge: str | None = None,
        ok_text: str | None = None,
    ) -> CredentialsOverlay:
        """Ask for a badge (scanned or keyed) and PIN; ``on_submit(overlay, badge, pin,
        scanned)`` checks them and closes the overlay, or shows why not."""
        overlay = CredentialsOverlay(
            self.host,
            self.metrics,
            title,
            why,
            ok_text=ok_text,
            badge=badge,
            scan_alone=self.scan_alone(),
        )
        overlay.submitted.connect(
            lambda badge, pin, scanned: on_submit(overlay, badge, pin, scanned)
        )
        self.track(overlay)
        return overlay

    def identify(
        self,
        why: str,
        then: Callable[[Identified], None] | None = None,
        *,
        badge: str | None = None,
        title: str | None = None,
    ) -> CredentialsOverlay:
        """Ask who is at the kiosk (a scan, or badge and PIN), make them the one acting,
        then go on with ``then``."""

        def submitted(overlay: CredentialsOverlay, badge: str, pin: str, scanned: bool) -> None:
            def ok(identified: Identified) -> None:
                overlay.accept()
                if then is not None:
                    then(identified)

            method = IdentifyMethod.SCAN if scanned else IdentifyMethod.KEYPAD
            self.controller.identify(
                badge, pin or None, method, ok, lambda f: overlay.show_error(f.message)
            )

        return self.credentials(
            title or _tr("Who is working?"), why, submitted, badge=badge, ok_text=_tr("That's me")
        )

    def with_supervisor(self, why: str, then: Callable[[Person], None]) -> SupervisorOverlay:
        overlay = SupervisorOverlay(self.host, self.metrics, why)

        def verified(person: Person) -> None:
            overlay.accept()
            then(person)

        overlay.submitted.connect(
            lambda badge, pin, _scanned: self.controller.verify_supervisor(
                badge, pin, verified, lambda f: overlay.show_error(f.message)
            )
        )
        self.track(overlay)
        return overlay

    def as_operator(self, why: str, then: Callable[[], None]) -> None:
        """Run ``then`` as the person acting now; when nobody has identified since the
        kiosk started (or since the last clock-out), ask first."""
        if self.controller.active is not None:
            then()
        else:
            self.identify(why, lambda _: then())

    # ---------------------------------------------------------------- commands
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
            elif overlay is not None and not overlay.closed:
                overlay.show_error(failure.message)
            else:
                self.refuse(failure)

        self.controller.run(make, ok, failed, supervisor=supervisor)
