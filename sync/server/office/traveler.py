"""The printable traveler: one work order on A4, with a Code128 barcode of its number.

It travels with the parts; scanning the barcode on a kiosk opens the work order. Built
with reportlab (``invariant``, so the same work order prints the same bytes).
"""

from __future__ import annotations

import io
from datetime import datetime
from xml.sax.saxutils import escape

from reportlab.graphics.barcode import createBarcodeDrawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from kiosk.domain.quantities import fmt_qty
from kiosk.queries import WorkOrderView

_TABLE = TableStyle(
    [
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6e8eb")),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#8a8f97")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (-1, 1), (-1, -1), "RIGHT"),
    ]
)


def _p(text: object, style: object) -> Paragraph:
    return Paragraph(escape(str(text)), style)  # type: ignore[arg-type]


def traveler_pdf(view: WorkOrderView, *, site_name: str, printed_at: datetime) -> bytes:
    styles = getSampleStyleSheet()
    body, head = styles["BodyText"], styles["Heading2"]
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"Traveler {view.number}",
        author=site_name,
        invariant=True,
    )
    barcode = createBarcodeDrawing(
        "Code128", value=view.number, barHeight=18 * mm, barWidth=0.45 * mm, humanReadable=True
    )
    facts = [
        ("Work order", view.number),
        ("Name", view.name),
        ("Site", site_name),
        ("Status", view.status.value.replace("_", " ")),
        ("Workstation", view.workstation or "any"),
        ("Scheduled", view.scheduled_at.strftime("%Y-%m-%d") if view.scheduled_at else "-"),
        ("Priority", view.priority),
    ]
    story: list[object] = [
        Paragraph(f"Traveler <b>{escape(view.number)}</b>", styles["Title"]),
        barcode,
        Spacer(1, 4 * mm),
        Table([[_p(k, body), _p(v, body)] for k, v in facts], colWidths=[35 * mm, 130 * mm]),
        Paragraph("Items", head),
        _table(
            ["SKU", "Product", "Quantity"],
            [[i.sku, i.name, f"{fmt_qty(i.qty_planned)} {i.unit}"] for i in view.items],
            [40 * mm, 90 * mm, 35 * mm],
        ),
        Paragraph("Materials", head),
        _table(
            ["SKU", "Material", "Required"],
            [[m.sku, m.name, f"{fmt_qty(m.required)} {m.unit}"] for m in view.materials],
            [40 * mm, 90 * mm, 35 * mm],
        ),
        Paragraph("Steps", head),
    ]
    if view.steps:
        for n, step in enumerate(view.steps, start=1):
            story.append(Paragraph(f"<b>{n}. {escape(step.name)}</b>", body))
            if step.instructions:
                story.append(_p(step.instructions, body))
    else:
        story.append(_p("No steps.", body))
    story += [
        Spacer(1, 8 * mm),
        _p(f"Printed {printed_at.strftime('%Y-%m-%d %H:%M')} UTC", styles["Italic"]),
    ]
    doc.build(story)  # type: ignore[arg-type]
    return out.getvalue()


def _table(header: list[str], rows: list[list[str]], widths: list[float]) -> Table:
    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    cells = [[_p(h, body) for h in header]] + [[_p(c, body) for c in row] for row in rows]
    if not rows:
        cells.append([_p("None.", body), "", ""])
    table = Table(cells, colWidths=widths, repeatRows=1)
    table.setStyle(_TABLE)
    return table
