"""QR codes as inline SVG (segno): the office shows a kiosk's enrolment code this way."""

from __future__ import annotations

import io

import segno


def qr_svg(text: str) -> str:
    """An ``<svg>`` element of ``text`` as a QR code (error level M, the standard quiet
    zone), with a viewBox and no fixed size, so the page's CSS sizes it."""
    code = segno.make(text, error="m")
    out = io.BytesIO()
    code.save(out, kind="svg", xmldecl=False, svgns=True, nl=False, omitsize=True, light="#fff")
    return out.getvalue().decode()
