"""QC dispositions: approved units are done, failed ones go to rework or scrap."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kiosk.commands.base import Command, Kind, Policy, Sync, handles
from kiosk.commands.floor import pick_item
from kiosk.domain.enums import FailedAction
from kiosk.domain.errors import ValidationError
from kiosk.domain.quantities import fmt_qty, parse_qty, units
from kiosk.domain.status import Action
from kiosk.services.context import Context
from kiosk.services.production import receive_done
from kiosk.store.base import new_id
from kiosk.store.models import QcDisposition


@dataclass(frozen=True, kw_only=True)
class RecordQc(Command):
    type_name = "qc_disposition"
    policy = Policy(
        sync=Sync.PUSHED,
        kind=Kind.FACT,
        action=Action.QC,
        subject="your QC verdict",
        noted_as="a QC verdict",
    )
    work_order_id: str
    approved: Decimal | str | int
    failed: Decimal | str | int = 0
    reason: str = ""
    category: str = ""
    failed_action: str | None = None
    sku: str | None = None


@handles(RecordQc)
def record_qc(ctx: Context, cmd: RecordQc) -> dict[str, Any]:
    wo = ctx.lock_work_order(cmd.work_order_id)
    who = ctx.who
    if who is None:
        raise ValidationError(
            "Clock in first: a QC verdict names who gave it.", reason="not_clocked_in"
        )
    item = pick_item(wo, cmd.sku, prefer="awaiting_qc")
    if not item.product.qc_required:
        raise ValidationError(f"{item.product.sku} does not go through QC.")
    approved = parse_qty(cmd.approved, what="Approved", whole=True, allow_zero=True)
    failed = parse_qty(cmd.failed, what="Failed", whole=True, allow_zero=True)
    if approved + failed == 0:
        raise ValidationError("Enter how many units passed or failed.")
    if approved + failed > item.qty_awaiting_qc:
        raise ValidationError(
            f"Only {units(item.qty_awaiting_qc)} of {wo.number} await QC; "
            f"{fmt_qty(approved + failed)} were entered."
        )
    action: FailedAction | None = None
    if failed > 0:
        try:
            action = FailedAction(cmd.failed_action or "")
        except ValueError:
            raise ValidationError("Choose rework or scrap for the failed units.") from None
        if not (cmd.reason or "").strip() or not (cmd.category or "").strip():
            raise ValidationError("Give a reason and a category for the failed units.")
    ctx.session.add(
        QcDisposition(
            id=new_id(),
            work_order_id=wo.id,
            item_id=item.id,
            approved=approved,
            failed=failed,
            reason=(cmd.reason or "").strip(),
            category=(cmd.category or "").strip(),
            failed_action=action.value if action else None,
            by_badge=who,
            at=cmd.at,
        )
    )
    item.qty_awaiting_qc -= approved + failed
    if approved > 0:
        item.qty_done += approved
        receive_done(ctx, wo, item, approved, None)
    if action is FailedAction.REWORK:
        item.qty_rework_pending += failed
    elif action is FailedAction.SCRAP:
        # A terminal loss: the material stays consumed and nothing enters stock.
        item.qty_scrapped += failed
    return {}
