"""The detail screen's read-only sections: overview, materials, steps, history."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QHeaderView, QLabel, QTableView, QWidget

from kiosk.domain.quantities import fmt_qty, units
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
from ui.detail.tables import (
    Column,
    RecordModel,
    TransposedModel,
    page,
    record_view,
    stretch,
    when,
)
from ui.theme import Metrics, colour


def _tr(text: str) -> str:
    return QCoreApplication.translate("Detail", text)


def material_state(m: MaterialView) -> str:
    if m.short > 0:
        return _tr("Short %s") % units(m.short, m.unit)
    if m.consumed >= m.required:
        return _tr("Consumed")
    if m.reserved > 0:
        return _tr("Reserved")
    return _tr("In stock")


def step_state(step: StepView) -> str:
    """Done by whom, or skipped (and by which supervisor), or still to do."""
    if not step.done:
        return _tr("To do")
    if step.skipped:
        return _tr("Skipped by %s") % (step.done_by_name or _tr("a supervisor"))
    return _tr("✔ %s") % (step.done_by_name or "")


def quantities_shown(wo: WorkOrderView) -> list[str]:
    """The quantities that mean something here: QC ones only where there is QC, scrap
    only once something was scrapped."""
    shown = [_tr("Requested"), _tr("Finished")]
    if any(i.qc_required for i in wo.items):
        shown += [_tr("Awaiting QC"), _tr("Waiting for rework")]
    if any(i.qty_scrapped > 0 for i in wo.items):
        shown.append(_tr("Scrapped"))
    return shown


def quantities_view(model: TransposedModel[ItemView], metrics: Metrics) -> QTableView:
    """The quantities, as tall as their five rows; labels as wide as they need."""
    view = record_view(model, metrics, _tr("Quantities"), max_rows=len(model.all_fields))
    header = view.horizontalHeader()
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    model.modelReset.connect(
        lambda: header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
    )
    return view


def steps_summary(wo: WorkOrderView) -> str:
    """The next step, or how the steps ended: skipped ones are named, never "all done"."""
    pending = next((s for s in wo.steps if not s.done), None)
    if pending is not None and pending.workstation not in (None, wo.workstation):
        # A sub-assembly's step at another station: say where it is done.
        return _tr("Next step: <b>%s</b> at %s — %s") % (
            pending.name,
            pending.workstation,
            pending.instructions,
        )
    if pending is not None:
        return _tr("Next step: <b>%s</b> — %s") % (pending.name, pending.instructions)
    if not wo.steps:
        return _tr("No steps.")
    skipped = [s.name for s in wo.steps if s.skipped]
    if not skipped:
        return _tr("All steps done.")
    done = len(wo.steps) - len(skipped)
    return _tr("Steps: %d done, %d skipped (%s).") % (done, len(skipped), ", ".join(skipped))


class Sections:
    """Builds the section pages and fills them from one WorkOrderView."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        # One column per item, a row per quantity: six columns of numbers would not fit
        # beside the actions on a 10-inch tablet.
        self.items = TransposedModel[ItemView](
            [
                Column(_tr("Requested"), lambda i: units(i.qty_planned, i.unit)),
                Column(_tr("Finished"), lambda i: units(i.qty_done, i.unit)),
                Column(_tr("Awaiting QC"), lambda i: fmt_qty(i.qty_awaiting_qc)),
                Column(_tr("Waiting for rework"), lambda i: fmt_qty(i.qty_rework_pending)),
                Column(_tr("Scrapped"), lambda i: fmt_qty(i.qty_scrapped)),
            ],
            header=lambda i: i.sku,
        )
        self.links = RecordModel[LinkView](
            [
                Column(_tr("Sales order"), lambda link: link.external_id),
                Column(_tr("Product"), lambda link: link.sku),
                Column(_tr("For it"), lambda link: units(link.qty)),
            ]
        )
        self.materials = RecordModel[MaterialView](
            [
                Column(_tr("Material"), lambda m: f"{m.sku} {m.name}"),
                Column(_tr("Required"), lambda m: units(m.required, m.unit)),
                Column(_tr("Reserved"), lambda m: units(m.reserved, m.unit)),
                Column(_tr("Consumed"), lambda m: units(m.consumed, m.unit)),
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
                Column(_tr("Station"), lambda s: s.workstation or ""),
                Column(_tr("Instructions"), lambda s: s.instructions),
                Column(_tr("Done"), step_state),
            ]
        )
        self.holds = RecordModel[HoldView](
            [
                Column(_tr("Reason"), lambda h: h.reason.replace("_", " ").capitalize()),
                Column(_tr("Note"), lambda h: h.note),
                Column(_tr("Raised"), lambda h: f"{when(h.raised_at)} {h.raised_by_name or ''}"),
                Column(
                    _tr("Released"),
                    lambda h: (
                        f"{when(h.released_at)} {h.released_by_name or ''}"
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
                Column(_tr("Operator"), lambda r: r.operator_name or ""),
                Column(_tr("State"), lambda r: _tr("Reversed") if r.reversed else _tr("Recorded")),
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
                    quantities_view(self.items, m),
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
        self.items.set_records(wo.items, shown=quantities_shown(wo))
        self.links.set_records(wo.links)
        self.materials.set_records(wo.materials)
        self.steps.set_records(wo.steps)
        self.holds.set_records(list(reversed(wo.holds)))
        self.runs.set_records(list(reversed(wo.runs)))
        self.labour.set_records(labour)
        self.next_step.setText(steps_summary(wo))
        notes = [m.text for m in wo.messages]
        if wo.unlink_pending:
            notes.insert(0, _tr("Unlinked from its sales order: a supervisor decides what next."))
        self.messages.setText("\n".join(notes))
        self.messages.setVisible(bool(notes))
