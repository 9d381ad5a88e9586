"""Every screen, measured: tap targets, gaps, contrast, text size, names on icon buttons."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from kiosk.domain.enums import WoStatus
from ui.screenshot import SCREENS
from ui.theme import (
    CAP_HEIGHT_MM,
    GAP_MM,
    PRIMARY_MM,
    TARGET_MM,
    colour,
    contrast_pairs,
    contrast_ratio,
)
from ui.widgets.buttons import TouchButton
from ui.widgets.status import status_colours

from .conftest import settle

# Rounding to whole pixels may lose up to one pixel on each side.
TOLERANCE_PX = 1


def visible_buttons(window: QWidget) -> list[QAbstractButton]:
    """Shown, and not scrolled wholly out of a scroll area's view."""
    return [b for b in window.findChildren(QAbstractButton) if b.isVisible() and b.visibleRegion()]


def global_rect(widget: QWidget) -> QRect:
    """The part a finger can reach: a scroll area clips what it has scrolled away."""
    shown = widget.visibleRegion().boundingRect()
    return QRect(widget.mapTo(widget.window(), shown.topLeft()), shown.size())


def top_layer(window: QWidget, buttons: list[QAbstractButton]) -> list[QAbstractButton]:
    """With an overlay open, only its buttons can be tapped."""
    current = window.flows.current
    if current is None:
        return buttons
    return [b for b in buttons if current.isAncestorOf(b)]


def gap(a: QRect, b: QRect) -> int:
    dx = max(b.left() - a.right() - 1, a.left() - b.right() - 1, 0)
    dy = max(b.top() - a.bottom() - 1, a.top() - b.bottom() - 1, 0)
    return max(dx, dy)


@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_every_screen_meets_the_touch_rules(qtbot, qapp, kiosk, screen):
    SCREENS[screen](qapp, kiosk)
    settle(qtbot, kiosk)
    qtbot.wait(5)
    metrics = kiosk.metrics
    window = kiosk.window
    buttons = top_layer(window, visible_buttons(window))
    assert buttons, f"{screen}: no buttons"
    problems = []
    for b in buttons:
        floor = PRIMARY_MM if isinstance(b, TouchButton) and b.is_primary else TARGET_MM
        need = metrics.mm(floor) - TOLERANCE_PX
        if b.width() < need or b.height() < need:
            problems.append(
                f"{b.accessibleName() or b.text()!r} is {metrics.to_mm(b.width()):.1f}×"
                f"{metrics.to_mm(b.height()):.1f} mm, needs {floor} mm"
            )
        if not b.text().strip() and not b.accessibleName().strip():
            problems.append(f"an icon-only button on {screen} has no accessible name")
    for a, b in itertools.combinations(buttons, 2):
        ra, rb = global_rect(a), global_rect(b)
        if ra.intersects(rb) or gap(ra, rb) < metrics.mm(GAP_MM) - TOLERANCE_PX:
            if ra.intersects(rb) and (a.isAncestorOf(b) or b.isAncestorOf(a)):
                continue
            # Only neighbours matter: buttons far apart on both axes are fine.
            problems.append(
                f"{a.text() or a.accessibleName()!r} and {b.text() or b.accessibleName()!r} "
                f"are {metrics.to_mm(gap(ra, rb)):.1f} mm apart"
            )
    labels = [w for w in window.findChildren(QLabel) if w.isVisible() and w.text()]
    for widget in labels + buttons:
        cap = QFontMetrics(widget.font()).capHeight()
        if cap < metrics.mm(CAP_HEIGHT_MM) - TOLERANCE_PX:
            problems.append(
                f"text {widget.text()[:30]!r} has a cap height of {metrics.to_mm(cap):.1f} mm"
            )
    assert not problems, f"{screen}:\n" + "\n".join(problems)


def test_theme_colour_pairs_reach_seven_to_one():
    weak = {
        name: round(contrast_ratio(colour(fg), colour(bg)), 2)
        for name, (fg, bg) in contrast_pairs().items()
        if contrast_ratio(colour(fg), colour(bg)) < 7.0
    }
    assert weak == {}


@pytest.mark.parametrize("status", list(WoStatus))
def test_status_badges_reach_seven_to_one(qapp, status):
    bg, fg = status_colours(status)
    assert contrast_ratio(fg, bg) >= 7.0


def test_contrast_ratio_is_computed_not_assumed():
    from PySide6.QtGui import QColor

    assert contrast_ratio(QColor("#000000"), QColor("#FFFFFF")) == pytest.approx(21.0)
    assert contrast_ratio(QColor("#777777"), QColor("#FFFFFF")) == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_every_screen_fits_a_ten_inch_tablet_with_no_words_cut(qtbot, qapp, tablet_kiosk, screen):
    """1280×800 at ~149 dpi: the whole screen, its overlay and every button's words fit."""
    SCREENS[screen](qapp, tablet_kiosk)
    settle(qtbot, tablet_kiosk)
    window = tablet_kiosk.window
    window.resize(1280, 800)
    qtbot.wait(5)
    hint = window.minimumSizeHint()
    assert hint.width() <= 1280, f"{screen} needs {hint.toTuple()}"
    assert hint.height() <= 800, f"{screen} needs {hint.toTuple()}"
    assert window.size().toTuple() == (1280, 800)
    overlay = window.flows.current
    if overlay is not None:
        card = overlay.card.minimumSizeHint()
        assert card.width() <= 1280
        assert card.height() <= 800, f"{screen}: the dialog needs {card.toTuple()}"
    # Squeezed below the width its words, padding and border need (the stylesheet's
    # bold font and padding are in the size hint, not in fontMetrics()).
    cut = [
        b.text()
        for b in top_layer(window, visible_buttons(window))
        if b.text() and b.width() + TOLERANCE_PX < b.sizeHint().width()
    ]
    assert cut == [], f"{screen}: words cut on {cut}"
