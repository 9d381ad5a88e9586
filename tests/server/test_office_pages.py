"""The office console's pages and forms, on the same commands as the API.

Each form: what it does when right, and when wrong the domain's message on the page,
nothing half-saved, never a stack trace.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.commands import LogOutput, RecordQc
from kiosk.store.models import AuditEntry, Notification, SalesOrder, StockMovement, WorkOrder
from tests.server.conftest import ADMIN, API, Server
from tests.server.office_client import OFFICE, post, signed_in


def _count(server: Server, model: type) -> int:
    with Session(server.engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _id_in(location: str) -> str:
    return location.rstrip("/").rsplit("/", 1)[-1]


@pytest.fixture
def csrf(server: Server) -> str:
    return signed_in(server.client, server.engine)


def test_every_page_renders_for_an_admin(server: Server, csrf: str) -> None:
    client = server.client
    wo = server.plant.work_order("WIDGET", 3)
    server.plant.receive("BOLT", 10)
    paths = [
        "/",
        "/?status=draft&status=ready&q=WO&unlinked=1&from=2026-01-01&to=2027-01-01",
        "/?status=bogus&from=not-a-date&page=-4",
        "/work-orders/rows",
        "/work-orders/new",
        f"/work-orders/{wo}",
        "/materials",
        "/stock",
        "/stock/BOLT",
        "/sales-orders",
        "/products",
        "/products/GADGET",
        "/notifications",
        "/notifications?seen=1",
        "/floor",
        "/shopify",
        "/shopify?status=failed&status=bogus&topic=orders/create&order=1&page=-3",
    ]
    for path in paths:
        page = client.get(f"{OFFICE}{path}")
        assert page.status_code == 200, (path, page.text[:500])
        assert "Traceback" not in page.text
        assert page.headers["content-type"].startswith("text/html")
        # Every form carries the session's token (a macro without context once left it out).
        assert 'name="csrf_token" value=""' not in page.text, path
        assert 'name="csrf_token" value="' in page.text or path.endswith("rows"), path
    for path in (
        "/work-orders/nope",
        "/stock/NOPE",
        "/products/NOPE",
        "/sales-orders/nope",
        "/shopify/deliveries/nope",
        "/x",
    ):
        page = client.get(f"{OFFICE}{path}")
        assert page.status_code == 404, path
        assert "Traceback" not in page.text
        assert "<h1>" in page.text


def test_new_work_order_applies_the_bom_and_is_saved_as_a_draft(server: Server, csrf: str) -> None:
    client = server.client
    form = client.get(f"{OFFICE}/work-orders/new").text
    suggested = re.search(r'id="number" value="([^"]+)"', form)
    assert suggested
    made = post(
        client,
        "/work-orders/new",
        csrf,
        name="Spring batch",
        site="MAIN",
        scheduled_at="2026-12-10",
        priority="2",
        item_sku=["WIDGET", ""],
        item_qty=["3", ""],
    )
    assert made.status_code == 303, made.text
    wo = server.plant.wo(_id_in(made.headers["location"]))
    assert wo.number == suggested.group(1)
    assert wo.status.value == "draft"
    assert wo.priority == 2
    assert {(m.sku, m.required) for m in wo.materials} == {("BOLT", 6), ("PLATE", 3)}
    assert [s.name for s in wo.steps] == ["Cut", "Weld"]
    with Session(server.engine) as session:
        who = session.scalar(
            select(AuditEntry.principal).where(AuditEntry.command_type == "create_work_order")
        )
    assert who == "office:olga"


@pytest.mark.parametrize(
    ("qty", "words"),
    [
        ("0", "more than zero"),
        ("-2", "quantity of widget"),
        ("NaN", "number"),
        ("1e999", "number"),
        ("99999999999999999999", "too large"),
        ("two", "number"),
    ],
)
def test_a_bad_quantity_is_named_and_nothing_is_made(
    server: Server, csrf: str, qty: str, words: str
) -> None:
    before = _count(server, WorkOrder)
    page = post(
        server.client, "/work-orders/new", csrf, name="Bad", item_sku="WIDGET", item_qty=qty
    )
    assert page.status_code == 422, page.text[:300]
    assert 'role="alert"' in page.text
    assert words in page.text.lower()
    assert 'value="Bad"' in page.text  # what was typed is still there
    assert _count(server, WorkOrder) == before


def test_other_bad_new_work_orders(server: Server, csrf: str) -> None:
    cases = [
        ({"item_sku": "", "item_qty": ""}, "at least one item"),
        ({"item_sku": "NOPE", "item_qty": "1"}, "nope"),
        ({"item_sku": "BOLT", "item_qty": "1"}, "no bom"),
        ({"item_sku": "WIDGET", "item_qty": "1", "scheduled_at": "31/12/2026"}, "date"),
        ({"item_sku": "WIDGET", "item_qty": "1", "priority": "urgent"}, "priority"),
        ({"item_sku": "WIDGET", "item_qty": "1", "workstation": "NOWHERE"}, "nowhere"),
    ]
    for fields, words in cases:
        page = post(server.client, "/work-orders/new", csrf, **fields)
        assert page.status_code in (409, 422), (fields, page.status_code)
        assert words in page.text.lower(), fields
        assert "Traceback" not in page.text
    assert _count(server, WorkOrder) == 0


def test_materials_planned_by_hand_replace_the_bom_spread(server: Server, csrf: str) -> None:
    server.plant.product("BRACKET")  # a one-off without a BOM
    server.plant.receive("BOLT", 100)
    made = post(
        server.client,
        "/work-orders/new",
        csrf,
        name="Repair brackets",
        item_sku=["BRACKET", ""],
        item_qty=["4", ""],
        material_sku=["BOLT", "plate", "", ""],
        material_qty=["12", "2.5", "", ""],
        material_for=["", "BRACKET", "", ""],
    )
    assert made.status_code == 303, made.text[:500]
    wo_id = _id_in(made.headers["location"])
    wo = server.plant.wo(wo_id)
    assert wo.materials_by_hand
    assert {(m.sku, m.required) for m in wo.materials} == {("BOLT", 12), ("PLATE", Decimal("2.5"))}
    detail = server.client.get(f"{OFFICE}/work-orders/{wo_id}").text
    assert 'id="by-hand-note"' in detail


def test_bad_materials_planned_by_hand_are_refused_next_to_what_was_typed(
    server: Server, csrf: str
) -> None:
    server.plant.product("BRACKET")
    cases = [
        ({"material_sku": "BOLT", "material_qty": "0"}, "more than zero"),
        ({"material_sku": "BOLT", "material_qty": ""}, "number"),
        ({"material_sku": "NOPE", "material_qty": "1"}, "nope"),
        ({"material_sku": "BRACKET", "material_qty": "1"}, "itself"),
        ({"material_sku": ["BOLT", "BOLT"], "material_qty": ["1", "2"]}, "twice"),
        ({"material_sku": "BOLT", "material_qty": "1", "material_for": "GADGET"}, "does not build"),
    ]
    for fields, words in cases:
        page = post(
            server.client,
            "/work-orders/new",
            csrf,
            name="Bad by hand",
            item_sku="BRACKET",
            item_qty="1",
            **fields,
        )
        assert page.status_code in (409, 422), (fields, page.status_code)
        assert 'role="alert"' in page.text
        assert words in page.text.lower(), (fields, page.text[:300])
        assert "Traceback" not in page.text
        typed = fields["material_sku"]
        first = typed[0] if isinstance(typed, list) else typed
        # The rows come back as typed, with the by-hand section open.
        assert f'name="material_sku" list="product-list" value="{first}"' in page.text
        assert re.search(r'<details class="items wide" id="by-hand" open>', page.text)
    assert _count(server, WorkOrder) == 0


def test_confirm_then_cancel_releases_and_a_refusal_is_in_words(server: Server, csrf: str) -> None:
    client = server.client
    server.plant.receive("BOLT", 100)
    server.plant.receive("PLATE", 100)
    wo = server.plant.work_order("WIDGET", 5)
    assert post(client, f"/work-orders/{wo}/confirm", csrf).status_code == 303
    assert server.plant.wo(wo).status.value == "ready"
    assert server.plant.stock("BOLT").reserved == 10
    materials = client.get(f"{OFFICE}/materials").text
    number = server.plant.wo(wo).number
    assert f">{number}</a>: 10" in materials
    again = post(client, f"/work-orders/{wo}/confirm", csrf)
    assert again.status_code == 409
    assert 'role="alert"' in again.text
    assert (
        post(client, f"/work-orders/{wo}/cancel", csrf, reason="no longer wanted").status_code
        == 303
    )
    assert server.plant.wo(wo).status.value == "cancelled"
    assert server.plant.stock("BOLT").reserved == 0
    unknown = post(client, f"/work-orders/{wo}/explode", csrf)
    assert unknown.status_code == 404


def test_the_detail_shows_qc_verdicts_under_the_inspectors_name(server: Server, csrf: str) -> None:
    plant = server.plant
    plant.receive("WIDGET", 10)
    plant.receive("BOLT", 10)
    inspector = plant.operator()
    wo = plant.started_work_order("GADGET", 4, inspector)
    empty = server.client.get(f"{OFFICE}/work-orders/{wo}").text
    assert "No QC verdicts yet." in empty
    plant.run(LogOutput(work_order_id=wo, qty=3, actor=inspector))
    plant.run(
        RecordQc(
            work_order_id=wo,
            approved=2,
            failed=1,
            reason="scratched lid",
            category="cosmetic",
            failed_action="scrap",
            actor=inspector,
        )
    )
    page = server.client.get(f"{OFFICE}/work-orders/{wo}").text
    section = page[page.index('id="qc-h"') : page.index('id="holds-h"')]
    row = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section))
    assert f"Person {inspector.badge} GADGET 2 1 Scrapped Cosmetic scratched lid" in row
    assert "No QC verdicts yet." not in section
    # The audit trail names the person beside the badge.
    assert f"Person {inspector.badge} ({inspector.badge})" in page


def test_retry_allocation_after_a_receipt_shows_what_it_unblocked(
    server: Server, csrf: str
) -> None:
    client = server.client
    wo = server.plant.work_order("WIDGET", 2)
    assert post(client, f"/work-orders/{wo}/confirm", csrf).status_code == 303
    assert server.plant.wo(wo).status.value == "blocked"
    assert post(client, "/stock/receive", csrf, sku="PLATE", qty="5").status_code == 303
    received = post(client, "/stock/receive", csrf, sku="BOLT", qty="10", reason="PO 4411")
    assert received.status_code == 303
    notice = client.get(received.headers["location"]).text
    assert "Unblocked" in notice
    assert server.plant.wo(wo).status.value == "ready"
    ledger = client.get(f"{OFFICE}/stock/BOLT").text
    assert "PO 4411" in ledger
    assert "olga" in ledger


def test_stock_forms_refuse_bad_input_and_keep_it(server: Server, csrf: str) -> None:
    before = _count(server, StockMovement)
    for kind, fields, status in [
        ("receive", {"sku": "BOLT", "qty": "0"}, 422),
        ("receive", {"sku": "BOLT", "qty": "NaN"}, 422),
        ("receive", {"sku": "NOPE", "qty": "1"}, 422),
        ("adjust", {"sku": "BOLT", "qty": "-5", "reason": ""}, 422),
        ("adjust", {"sku": "BOLT", "qty": "-5", "reason": "dropped"}, 409),
    ]:
        page = post(server.client, f"/stock/{kind}", csrf, **fields)
        assert page.status_code == status, (kind, fields, page.text[:300])
        assert 'role="alert"' in page.text
        assert f'value="{fields["qty"]}"' in page.text
    assert _count(server, StockMovement) == before


def test_a_sales_order_by_hand_makes_its_work_order_and_is_cancelled(
    server: Server, csrf: str
) -> None:
    client = server.client
    made = post(
        client,
        "/sales-orders",
        csrf,
        external_id="SO-77",
        site="MAIN",
        sku=["WIDGET", ""],
        qty=["4", ""],
    )
    assert made.status_code == 303, made.text
    so_id = _id_in(made.headers["location"])
    page = client.get(made.headers["location"]).text
    assert "SO-77" in page
    assert "Being built" in page
    view = server.plant.sales_order(so_id)
    assert view.source == "manual"
    wo_ids = view.lines[0].work_order_ids
    assert len(wo_ids) == 1
    assert post(client, f"/sales-orders/{so_id}/cancel", csrf).status_code == 303
    assert server.plant.sales_order(so_id).status == "cancelled"
    # Entering the same order number again is the same order (ingestion is idempotent).
    again = post(client, "/sales-orders", csrf, external_id="SO-77", sku="WIDGET", qty="4")
    assert again.status_code == 303
    assert _id_in(again.headers["location"]) == so_id
    bad = post(client, "/sales-orders", csrf, external_id="SO-78", sku="WIDGET", qty="-1")
    assert bad.status_code == 422
    assert 'value="SO-78"' in bad.text
    with Session(server.engine) as session:
        assert (
            session.scalar(select(SalesOrder.id).where(SalesOrder.external_id == "SO-78")) is None
        )


def test_a_changed_sales_order_is_accepted_on_the_unlinked_work_order(
    server: Server, csrf: str
) -> None:
    client = server.client
    made = post(client, "/sales-orders", csrf, external_id="SO-9", sku="WIDGET", qty="4")
    so_id = _id_in(made.headers["location"])
    wo = server.plant.sales_order(so_id).lines[0].work_order_ids[0]
    assert server.plant.wo(wo).status.value == "blocked"  # the orchestrator confirmed it
    line = server.plant.sales_order(so_id).lines[0].line_id
    changed = post(client, f"/sales-orders/{so_id}/change", csrf, **{f"qty:{line}": "6"})
    assert changed.status_code == 303, changed.text
    grid = client.get(f"{OFFICE}/?unlinked=1").text
    number = server.plant.wo(wo).number
    if server.plant.wo(wo).unlink_pending:
        assert number in grid
        assert 'class="unlinked"' in grid
        detail = client.get(f"{OFFICE}/work-orders/{wo}").text
        assert "Accept the new quantity" in detail
        assert post(client, f"/work-orders/{wo}/accept-change", csrf).status_code == 303
        assert not server.plant.wo(wo).unlink_pending
    assert (
        sum(i.qty_planned for i in server.plant.wo(wo).items)
        + sum(
            sum(i.qty_planned for i in server.plant.wo(other).items)
            for other in server.plant.sales_order(so_id).lines[0].work_order_ids
            if other != wo
        )
        == 6
    )


def test_products_and_a_bom_with_a_sub_assembly_and_a_cycle_refused(
    server: Server, csrf: str
) -> None:
    client = server.client
    assert post(client, "/products", csrf, sku="FRAME", name="Frame").status_code == 303
    assert (
        post(client, "/products", csrf, sku="BIKE", name="Bike", qc_required="on").status_code
        == 303
    )
    dup = post(client, "/products", csrf, sku="BIKE", name="Again")
    assert dup.status_code == 409
    assert "BIKE" in dup.text
    frame = post(
        client,
        "/products/FRAME/bom",
        csrf,
        output_qty="1",
        line_sku=["BOLT", "PLATE", ""],
        line_qty=["4", "2", ""],
        step_name=["Weld", ""],
        step_instructions=["Tack then seam", ""],
        step_type=["", ""],
        step_minutes=["12", ""],
    )
    assert frame.status_code == 303, frame.text
    bike = post(
        client,
        "/products/BIKE/bom",
        csrf,
        output_qty="1",
        line_sku=["FRAME", "BOLT"],
        line_qty=["1", "2"],
        step_name=["Assemble"],
        step_instructions=[""],
        step_type=[""],
        step_minutes=[""],
    )
    assert bike.status_code == 303, bike.text
    tree = client.get(f"{OFFICE}/products/BIKE").text
    assert "<details open><summary><strong>1 pcs × FRAME</strong>" in tree
    assert "4 pcs × BOLT" in tree
    cycle = post(
        client,
        "/products/FRAME/bom",
        csrf,
        output_qty="1",
        line_sku=["BIKE"],
        line_qty=["1"],
        step_name=[""],
        step_instructions=[""],
        step_type=[""],
        step_minutes=[""],
    )
    assert cycle.status_code == 422
    assert "BIKE" in cycle.text
    assert "cycle" in cycle.text.lower() or "contain" in cycle.text.lower()
    assert 'value="BIKE"' in cycle.text  # the line typed is still on the form
    assert (
        client.get(f"{API}/products/FRAME", headers=ADMIN).json()["bom"]["lines"][0]["sku"]
        == "BOLT"
    )
    zero = post(
        client,
        "/products/FRAME/bom",
        csrf,
        output_qty="0",
        line_sku=["BOLT"],
        line_qty=["1"],
        step_name=[""],
        step_instructions=[""],
        step_type=[""],
        step_minutes=[""],
    )
    assert zero.status_code == 422


def test_floor_enrolment_code_as_text_and_qr_and_a_leaver(server: Server, csrf: str) -> None:
    client = server.client
    server.plant.workstation("W-9")
    page = post(client, "/floor/kiosks/code", csrf, workstation="W-9")
    assert page.status_code == 200
    code = re.search(r'id="enrol-code">([A-Z0-9-]+)<', page.text)
    assert code
    assert "<svg" in page.text
    enrolled = client.post(f"{API}/devices/enrol", json={"code": code.group(1), "name": "Tab 9"})
    assert enrolled.status_code == 201
    floor = client.get(f"{OFFICE}/floor").text
    assert "Tab 9" in floor
    assert (
        post(
            client,
            "/floor/operators/new",
            csrf,
            badge="5005",
            name="Lena",
            pin="2580",
            role="operator",
        ).status_code
        == 303
    )
    weak = post(client, "/floor/operators/new", csrf, badge="5006", name="Max", pin="1")
    assert weak.status_code == 422
    assert "2580" not in weak.text
    assert post(client, "/floor/operators/5005/deactivate", csrf).status_code == 303
    assert client.get(f"{API}/operators/5005", headers=ADMIN).json()["active"] is False
    device = enrolled.json()["device_id"]
    assert post(client, f"/floor/kiosks/{device}/revoke", csrf).status_code == 303
    assert "Revoked" in client.get(f"{OFFICE}/floor").text


def test_notifications_are_acknowledged_by_the_office_person(server: Server, csrf: str) -> None:
    client = server.client
    made = post(client, "/sales-orders", csrf, external_id="SO-N", sku="NOPE-SKU", qty="1")
    assert made.status_code == 303
    inbox = client.get(f"{OFFICE}/notifications").text
    ids = re.findall(r"/office/notifications/([0-9a-f-]+)/ack", inbox)
    assert ids, inbox[:2000]
    assert post(client, f"/notifications/{ids[0]}/ack", csrf).status_code == 303
    with Session(server.engine) as session:
        row = session.get(Notification, ids[0])
        assert row is not None
        assert row.acknowledged_by == "office:olga"


def test_the_traveler_is_a_pdf_with_the_work_order(server: Server, csrf: str) -> None:
    wo = server.plant.work_order("WIDGET", 2)
    pdf = server.client.get(f"{OFFICE}/work-orders/{wo}/traveler.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    number = server.plant.wo(wo).number
    assert number in text
    for word in ("WIDGET", "BOLT", "PLATE", "Cut", "Weld"):
        assert word in text


def test_a_failed_shopify_delivery_is_replayed_from_the_console(server: Server, csrf: str) -> None:
    from tests.server.conftest import order_payload

    server.webhook("orders/create", b"{not an order", delivery_id="bad-1")
    server.webhook("orders/create", order_payload(77, [(1, "WIDGET", 1)]), delivery_id="ok-1")
    server.webhook("orders/paid", order_payload(77, [(1, "WIDGET", 1)]), delivery_id="other-1")
    server.drain()
    page = server.client.get(f"{OFFICE}/shopify").text
    assert "3 deliveries" in page
    for status in ("Failed", "Applied", "Ignored"):
        assert f">{status}</span>" in page
    failed = server.client.get(f"{OFFICE}/shopify?status=failed").text
    assert "1 delivery" in failed
    assert "unreadable payload" in failed
    delivery_id = re.search(r'/office/shopify/deliveries/([0-9a-f-]{36})"', failed)
    assert delivery_id
    detail = server.client.get(f"{OFFICE}/shopify/deliveries/{delivery_id.group(1)}").text
    assert "{not an order" in detail
    assert "bad-1" in detail

    before = _count(server, SalesOrder)
    replayed = post(
        server.client,
        f"/shopify/deliveries/{delivery_id.group(1)}/replay",
        csrf,
        back="status=failed&evil=https://x.example",
    )
    assert replayed.status_code == 303
    location = replayed.headers["location"]
    assert location.startswith("/office/shopify?status=failed&done=Replayed")
    assert "evil" not in location
    assert "unreadable payload" in server.client.get(location).text
    assert _count(server, SalesOrder) == before  # still unreadable: nothing made of it
    with Session(server.engine) as session:
        who = session.scalar(
            select(AuditEntry.principal).where(AuditEntry.command_type == "replay_webhook_delivery")
        )
    assert who == "office:olga"
    unknown = post(server.client, "/shopify/deliveries/nope/replay", csrf)
    assert unknown.status_code == 404
    assert "Traceback" not in unknown.text


def test_a_ready_line_is_marked_fulfilled_from_the_order_page(server: Server, csrf: str) -> None:
    from kiosk.commands import IngestSalesOrder, LineSpec
    from tests.builders import OFFICE as OFFICE_ACTOR

    server.plant.receive("WIDGET", 5)
    made = server.plant.run(
        IngestSalesOrder(
            external_id="PAGE-SHIP",
            lines=[LineSpec("1", "WIDGET", 2), LineSpec("2", "GADGET", 1)],
            actor=OFFICE_ACTOR,
        )
    )
    so_id = str(made.data["sales_order_id"])
    page = server.client.get(f"{OFFICE}/sales-orders/{so_id}").text
    assert page.count(">Mark fulfilled</button>") == 1  # line 1 only: the gadget is being built
    assert "Ready to ship" in page
    early = post(server.client, f"/sales-orders/{so_id}/fulfil", csrf, line_id="2")
    assert early.status_code == 409
    assert "cannot be fulfilled yet" in early.text
    assert "Traceback" not in early.text
    shipped = post(server.client, f"/sales-orders/{so_id}/fulfil", csrf, line_id="1")
    assert shipped.status_code == 303
    page = server.client.get(f"{OFFICE}/sales-orders/{so_id}").text
    assert ">Shipped</span>" in page
    assert server.plant.stock("WIDGET").on_hand == 3
    ledger = server.client.get(f"{OFFICE}/stock/WIDGET").text
    assert "shipment" in ledger.lower()
