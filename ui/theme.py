"""Touch sizes from the screen's DPI and the colour theme (resources/theme.*)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from string import Template

from PySide6.QtGui import QColor, QFont, QGuiApplication, QScreen
from PySide6.QtWidgets import QApplication

from ui.resources import resources_dir

#: Tap target floor for any control, and for primary actions and keypad keys (mm).
TARGET_MM = 15.0
PRIMARY_MM = 20.0
GAP_MM = 3.0
#: Body text cap height floor (mm), readable at arm's length.
CAP_HEIGHT_MM = 3.5
#: Cap height is ~0.73 em in DejaVu Sans; size the em so the cap height clears the floor.
BODY_EM_MM = 5.2
TITLE_EM_MM = 7.0


@dataclass(frozen=True)
class Metrics:
    """Pixels per millimetre of the kiosk's screen; everything touch is sized from it."""

    px_per_mm: float

    def mm(self, value: float) -> int:
        return round(value * self.px_per_mm)

    def to_mm(self, px: float) -> float:
        return px / self.px_per_mm

    @property
    def target(self) -> int:
        return self.mm(TARGET_MM)

    @property
    def primary(self) -> int:
        return self.mm(PRIMARY_MM)

    @property
    def gap(self) -> int:
        return self.mm(GAP_MM)

    @classmethod
    def for_screen(cls, screen: QScreen | None, scale: float = 1.0) -> Metrics:
        """From the physical DPI the screen reports (96 dpi when it reports nonsense)."""
        dpi = screen.physicalDotsPerInch() if screen is not None else 96.0
        if not 60.0 <= dpi <= 600.0:
            dpi = 96.0
        return cls(dpi / 25.4 * scale)


@cache
def colours() -> dict[str, str]:
    with open(resources_dir() / "theme.toml", "rb") as f:
        return dict(tomllib.load(f)["colours"])


@cache
def contrast_pairs() -> dict[str, tuple[str, str]]:
    with open(resources_dir() / "theme.toml", "rb") as f:
        return {k: (v[0], v[1]) for k, v in tomllib.load(f)["pairs"].items()}


def colour(name: str) -> QColor:
    return QColor(colours()[name])


def contrast_ratio(fg: QColor, bg: QColor) -> float:
    """WCAG 2 contrast ratio of two opaque colours."""

    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return (
            0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())
        )

    hi, lo = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def stylesheet(metrics: Metrics) -> str:
    sizes = {f"mm{n}": str(metrics.mm(n)) for n in (1, 2, 3, 6, 10, 15, 20)}
    sizes["body_px"] = str(metrics.mm(BODY_EM_MM))
    sizes["title_px"] = str(metrics.mm(TITLE_EM_MM))
    template = Template((resources_dir() / "theme.qss").read_text(encoding="utf-8"))
    return template.substitute(colours(), **sizes)


def body_font(metrics: Metrics, *, bold: bool = False, em_mm: float = BODY_EM_MM) -> QFont:
    font = QFont(QGuiApplication.font())
    font.setPixelSize(metrics.mm(em_mm))
    font.setBold(bold)
    return font


def apply(app: QApplication, metrics: Metrics) -> None:
    """Theme the whole application: fonts sized in mm, the stylesheet, no hover effects."""
    font = QFont("DejaVu Sans")
    font.setPixelSize(metrics.mm(BODY_EM_MM))
    app.setFont(font)
    app.setStyleSheet(stylesheet(metrics))
