"""A client generated from our OpenAPI document drives a plant over real HTTP.

Integrators will not read our routers; they will run ``openapi-python-client`` on
``/openapi.json`` and call what it gives them. So this test does exactly that (with
``--fail-on-warning``: a document the generator has to guess about is a bug), imports
the package it wrote, and runs an office-and-kiosk flow through it against a live
server on SQLite and on PostgreSQL: names like ``create_work_order`` and
``cancel_work_order``, typed models in and out, and errors as ``Problem`` models.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import Engine

from kiosk.store.engine import make_engine
from kiosk.store.migrate import upgrade
from sync.server.app import create_app
from sync.server.settings import Settings
from tests.builders import Plant, simple_plant
from tests.server.conftest import ADMIN_TOKEN
from tests.server.process import serving

PACKAGE = "kiosk_plant_client"
_GENERATOR = Path(sys.executable).with_name("openapi-python-client")


def _document(tmp: Path) -> Path:
    engine = make_engine(f"sqlite:///{tmp / 'doc.db'}")
    upgrade(engine)
    try:
        app = create_app(engine, Settings(admin_token=ADMIN_TOKEN, inbox_worker=False))
        path = tmp / "openapi.json"
        path.write_text(json.dumps(app.openapi()))
        return path
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def client_package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The package ``openapi-python-client`` writes from our document, imported."""
    tmp = tmp_path_factory.mktemp("client")
    config = tmp / "config.json"
    # No post hooks: the generator would run ruff over the output, which is not ours.
    config.write_text(json.dumps({"post_hooks": [], "package_name_override": PACKAGE}))
    out = tmp / "generated"
    done = subprocess.run(
        [
            str(_GENERATOR),
            "generate",
            "--path",
            str(_document(tmp)),
            "--config",
            str(config),
            "--meta",
            "none",
            "--output-path",
            str(out / PACKAGE),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout, done.stdout
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _api(package: ModuleType, tag: str, operation: str) -> Any:
    return importlib.import_module(f"{package.__name__}.api.{tag}.{operation}")


def test_the_operations_read_as_names(client_package: ModuleType) -> None:
    assert client_package.__file__ is not None
    found = {
        path.stem
        for path in Path(client_package.__file__).parent.joinpath("api").rglob("*.py")
        if path.stem != "__init__"
    }
    assert {
        "list_work_orders",
        "create_work_order",
        "cancel_work_order",
        "confirm_work_order",
        "ingest_sales_order",
        "cancel_sales_order",
        "push_commands",
        "pull_changes",
    } <= found
    assert not [name for name in found if "api_v1" in name or name.endswith(("_post", "_get"))]


def test_a_generated_client_runs_the_office_and_a_kiosk(
    client_package: ModuleType, engine: Engine
) -> None:
    simple_plant(Plant(engine))
    models = importlib.import_module(f"{PACKAGE}.models")
    with serving(engine, ADMIN_TOKEN) as base_url:
        office = client_package.AuthenticatedClient(base_url=base_url, token=ADMIN_TOKEN)

        def call(tag: str, operation: str, *args: Any, **kwargs: Any) -> Any:
            return _api(client_package, tag, operation).sync_detailed(
                *args, client=kwargs.pop("client", office), **kwargs
            )

        made = call(
            "master_data",
            "create_workstation",
            body=models.WorkstationIn(code="WS-1", name="Bench 1", site="MAIN"),
        )
        assert made.status_code == 201, made.content
        person = call(
            "master_data",
            "create_operator",
            body=models.OperatorIn(badge="7001", name="Ada Lovelace", pin="4711"),
        )
        assert person.status_code == 201
        assert isinstance(person.parsed, models.OperatorOut)
        assert person.parsed.name == "Ada Lovelace"
        assert "4711" not in person.content.decode()

        stock = call("master_data", "receive_stock", body=models.ReceiptIn(sku="BOLT", qty="20"))
        assert stock.parsed.on_hand == "20"

        created = call(
            "work_orders",
            "create_work_order",
            body=models.WorkOrderIn(
                items=[models.ItemIn(sku="WIDGET", qty=3)], workstation="WS-1", priority=2
            ),
        )
        assert created.status_code == 201, created.content
        wo = created.parsed
        assert isinstance(wo, models.WorkOrderOut)
        assert (wo.status, wo.items[0].qty_planned, wo.priority) == ("draft", "3", 2)

        listed = call("work_orders", "list_work_orders", status=[models.WoStatus.DRAFT])
        assert [row.id for row in listed.parsed] == [wo.id]

        confirmed = call("work_orders", "confirm_work_order", wo.id)
        assert confirmed.status_code == 200, confirmed.content
        assert confirmed.parsed.status in ("ready", "blocked")

        # A refusal comes back as a Problem model with a stable code, not an exception.
        refused = call(
            "work_orders",
            "create_work_order",
            body=models.WorkOrderIn(items=[models.ItemIn(sku="WIDGET", qty="0")]),
        )
        assert refused.status_code == 422
        assert isinstance(refused.parsed, models.Problem)
        assert refused.parsed.code == "validation"
        missing = call("work_orders", "get_work_order", "no-such-work-order")
        assert (missing.status_code, missing.parsed.code) == (404, "not_found")

        order = call(
            "sales_orders",
            "ingest_sales_order",
            body=models.SalesOrderIn(
                external_id="SO-1001",
                lines=[models.SalesLineIn(line_id=1, sku="GADGET", qty=2)],
            ),
        )
        assert order.status_code == 201, order.content
        changed = call(
            "sales_orders",
            "change_sales_order",
            order.parsed.id,
            body=models.SalesOrderPatch(lines=[models.SalesLinePatch(line_id="1", qty=1)]),
        )
        assert changed.status_code == 200, changed.content
        assert changed.parsed.lines[0].qty == "1"

        cancelled = call(
            "work_orders",
            "cancel_work_order",
            wo.id,
            body=models.CancelIn(reason="Planned twice"),
        )
        assert cancelled.parsed.status == "cancelled"

        # A kiosk: enrolled with a one-time code, then pulling its site's snapshot.
        code = call(
            "devices", "create_enrolment_code", body=models.EnrolmentCodeIn(workstation="WS-1")
        )
        anonymous = client_package.Client(base_url=base_url)
        enrolled = call(
            "devices",
            "enrol_device",
            body=models.EnrolIn(code=code.parsed.code, name="Tablet at bench 1"),
            client=anonymous,
        )
        assert enrolled.status_code == 201, enrolled.content
        kiosk = client_package.AuthenticatedClient(base_url=base_url, token=enrolled.parsed.token)
        pulled = call("sync", "pull_changes", client=kiosk)
        assert pulled.status_code == 200, pulled.content
        assert pulled.parsed.snapshot is True
        pulled_ids = {change.id for change in pulled.parsed.changes}
        assert wo.id in pulled_ids
        as_kiosk = call("work_orders", "list_work_orders", client=kiosk)
        assert wo.id in {row.id for row in as_kiosk.parsed}
        devices = call("devices", "list_devices")
        assert [d.id for d in devices.parsed] == [enrolled.parsed.device_id]
