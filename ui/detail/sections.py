"""The detail screen's read-only sections: overview, materials, steps, history."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel, QWidget

from kiosk.domain.quantities import fmt_qty
from kiosk.queries import (
    HoldView,
    ItemView,
    LinkView,
    MaterialView,
    RunView,
    StepView,
    WorkOrderView,
)
from kiosk.station import LabourRow
from ui.detail.tables import Column, RecordModel, page, record_view, stretch, when
from ui.theme import Metrics, colour


def _tr(text: str) -> str:
    return QCoreApplication.translate("Detail", text)


def material_state(m: MaterialView) -> str:
    if m.short > 0:
        return _tr("Short %s") % fmt_qty(m.short)
    if m.consumed >= m.required:
        return _tr("Consumed")
    if m.reserved > 0:
        return _tr("Reserved")
    return _tr("In stock")


class Sections:
    """Builds the section pages and fills them from one WorkOrderView."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self.items = RecordModel[ItemView](
            [
                Column(_tr("Product"), lambda i: f"{i.sku} {i.name}"),
                Column(_tr("Requested"), lambda i: fmt_qty(i.qty_planned)),
                Column(_tr("Finished"), lambda i: fmt_qty(i.qty_done)),
                Column(_tr("Awaiting QC"), lambda i: fmt_qty(i.qty_awaiting_qc)),
                Column(_tr("Rework"), lambda i: fmt_qty(i.qty_rework_pending)),
                Column(_tr("Scrapped"), lambda i: fmt_qty(i.qty_scrapped)),
            ]
        )
        self.links = RecordModel[LinkView](
            [
                Column(_tr("Sales order"), lambda link: link.external_id),
                Column(_tr("Line"), lambda link: link.line_id),
                Column(_tr("Quantity"), lambda link: fmt_qty(link.qty)),
            ]
        )
        self.materials = RecordModel[MaterialView](
            [
                Column(_tr("Material"), lambda m: f"{m.sku} {m.name}"),
                Column(_tr("Required"), lambda m: fmt_qty(m.required)),
                Column(_tr("Reserved"), lambda m: fmt_qty(m.reserved)),
                Column(_tr("Consumed"), lambda m: fmt_qty(m.consumed)),
                Column(
                    _tr("Stock"),
                    material_state,
                    lambda m: colour("bad") if m.short > 0 else colour("ok"),
                ),
            ]
        )
        self.steps = RecordModel[StepView](
            [
                Column(_tr("Step"), lambda s: s.name),
                Column(_tr("Instructions"), lambda s: s.instructions),
                Column(
                    _tr("Done"),
                    lambda s: (
                        (_tr("Skipped") if s.skipped else _tr("✔ %s") % (s.done_by or ""))
                        if s.done
                        else _tr("To do")
                    ),
                ),
            ]
        )
        self.holds = RecordModel[HoldView](
            [
                Column(_tr("Hold reason"), lambda h: h.reason.replace("_", " ").capitalize()),
                Column(_tr("Note"), lambda h: h.note),
                Column(_tr("Raised"), lambda h: f"{when(h.raised_at)} {h.raised_by or ''}"),
                Column(
                    _tr("Released"),
                    lambda h: (
                        f"{when(h.released_at)} {h.released_by or ''}"
                        if h.released_at
                        else _tr("Open")
                    ),
                ),
            ]
        )
        self.runs = RecordModel[RunView](
            [
                Column(_tr("Build run"), lambda r: when(r.at)),
                Column(_tr("Product"), lambda r: r.sku),
                Column(
                    _tr("Units"),
                    lambda r: fmt_qty(r.qty) + (_tr(" (rework)") if r.rework else ""),
                ),
                Column(_tr("Operator"), lambda r: r.operator_badge or ""),
                Column(_tr("State"), lambda r: _tr("Reversed") if r.reversed else _tr("Counted")),
            ]
        )
        self.labour = RecordModel[LabourRow](
            [
                Column(_tr("Labour"), lambda seg: seg.operator),
                Column(_tr("From"), lambda seg: when(seg.started_at)),
                Column(_tr("To"), lambda seg: when(seg.ended_at) if seg.ended_at else _tr("now")),
                Column(_tr("Minutes"), lambda seg: str(seg.minutes)),
            ]
        )
        self.next_step = QLabel()
        self.next_step.setWordWrap(True)
        self.messages = QLabel()
        self.messages.setProperty("role", "banner")
        self.messages.setWordWrap(True)

    def pages(self) -> dict[str, QWidget]:
        m = self.metrics
        return {
            _tr("Overview"): page(
                [
                    self.messages,
                    record_view(self.items, m, _tr("Quantities"), max_rows=4),
                    self.next_step,
                    record_view(self.links, m, _tr("Linked sales orders"), max_rows=4),
                    stretch(),
                ],
                m,
            ),
            _tr("Materials"): page([record_view(self.materials, m, _tr("Materials"))], m),
            _tr("Steps"): page([record_view(self.steps, m, _tr("Steps"))], m),
            _tr("History"): page(
                [
                    record_view(self.holds, m, _tr("Hold history"), max_rows=3),
                    record_view(self.runs, m, _tr("Build runs")),
                    record_view(self.labour, m, _tr("Labour"), max_rows=3),
                ],
                m,
            ),
        }

    def fill(self, wo: WorkOrderView, labour: list[LabourRow]) -> None:
        self.items.set_records(wo.items)
        self.links.set_records(wo.links)
        self.materials.set_records(wo.materials)
        self.steps.set_records(wo.steps)
        self.holds.set_records(list(reversed(wo.holds)))
        self.runs.set_records(list(reversed(wo.runs)))
        self.labour.set_records(labour)
        pending = next((s for s in wo.steps if not s.done), None)
        if pending is None:
            self.next_step.setText(_tr("All steps done.") if wo.steps else _tr("No steps."))
        else:
            self.next_step.setText(
                _tr("Next step: <b>%s</b> — %s") % (pending.name, pending.instructions)
            )
        notes = [m.text for m in wo.messages]
        if wo.unlink_pending:
            notes.insert(0, _tr("Unlinked from its sales order: a supervisor decides what next."))
        self.messages.setText("\n".join(notes))
        self.messages.setVisible(bool(notes))
