"""Every command declares its policy itself; nothing else keeps a list of them."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

import kiosk.commands as commands
from kiosk.commands.base import COMMAND_TYPES, HANDLERS, Command, Policy, Sync, handles
from kiosk.commands.policy import Kind, Supervisor
from kiosk.domain.status import Action
from sync.protocol import FLOOR_TYPES

ROOT = Path(__file__).resolve().parents[2]


def test_every_command_declares_its_policy_in_its_own_class() -> None:
    undeclared = sorted(
        cls.__name__ for cls in HANDLERS if not isinstance(cls.__dict__.get("policy"), Policy)
    )
    assert undeclared == []
    assert len(HANDLERS) >= 30


def test_a_command_class_that_declares_nothing_cannot_get_a_handler() -> None:
    @dataclass(frozen=True, kw_only=True)
    class Undeclared(Command):
        type_name = "undeclared_for_test"

    with pytest.raises(TypeError, match="declares no policy"):
        handles(Undeclared)(lambda ctx, cmd: None)
    assert Undeclared not in HANDLERS
    assert "undeclared_for_test" not in COMMAND_TYPES


def test_a_status_action_needs_a_work_order_to_check() -> None:
    @dataclass(frozen=True, kw_only=True)
    class NoWorkOrder(Command):
        type_name = "no_work_order_for_test"
        policy = Policy(sync=Sync.OFFICE, action=Action.EDIT)

    with pytest.raises(TypeError, match="no work order"):
        handles(NoWorkOrder)(lambda ctx, cmd: None)


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"sync": Sync.OFFICE, "supervisor": Supervisor.ALWAYS}, "what for"),
        (
            {"sync": Sync.OFFICE, "supervisor": Supervisor.BY_STATUS, "supervisor_for": "x"},
            "status",
        ),
        ({"sync": Sync.OFFICE, "kind": Kind.FACT}, "kiosk pushes"),
        ({"sync": Sync.PUSHED, "kind": Kind.SAFETY, "action": Action.HOLD}, "noted"),
    ],
)
def test_a_policy_that_contradicts_itself_is_refused(kwargs: dict, problem: str) -> None:
    with pytest.raises(TypeError, match=problem):
        Policy(**kwargs)


def test_the_conflict_policy_table_is_what_the_commands_declare() -> None:
    """ARCHITECTURE.md's table, read back from the classes."""
    kinds = {name: cls.policy.kind for name, cls in COMMAND_TYPES.items()}
    facts = {"log_output", "qc_disposition", "complete_step", "clock_in", "clock_out"}
    assert {n for n in facts if kinds[n] == Kind.FACT} == facts
    assert kinds["hold"] == Kind.SAFETY
    for intention in ("start", "resume", "complete", "cancel", "reverse_run"):
        assert kinds[intention] == Kind.INTENTION


def test_no_handler_checks_the_status_or_asks_for_a_declared_supervisor_itself() -> None:
    """The bus does both once from the declaration; a handler doing it again would be a
    second copy of the rule (and the place it goes stale)."""
    offenders = []
    for path in (ROOT / "kiosk" / "commands").glob("*.py"):
        if path.name in ("gate.py", "policy.py"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in ("check_allowed", "is_allowed", "needs_supervisor", "allow_fact"):
                    offenders.append(f"{path.name}:{node.lineno} {name}")
    assert offenders == []
    always = [c for c in HANDLERS if c.policy.supervisor == Supervisor.ALWAYS]
    assert len(always) >= 5


def test_what_a_kiosk_pushes_is_what_the_commands_declare() -> None:
    assert {n for n, c in COMMAND_TYPES.items() if c.policy.sync == Sync.PUSHED} == FLOOR_TYPES
    # The ones that stopped syncing once, because a side list forgot them.
    assert {"acknowledge_notification", "cancel"} <= FLOOR_TYPES


def _commands_used_by(paths: list[Path]) -> set[str]:
    names = {name for name in dir(commands) if isinstance(getattr(commands, name), type)}
    used: set[str] = set()
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in names
            ):
                used.add(node.func.id)
    return used


def test_every_command_the_kiosk_runs_is_pushed_or_declared_local() -> None:
    """A kiosk's command that is neither is changed on the tablet and lost to the plant."""
    sources = [*(ROOT / "ui").rglob("*.py"), ROOT / "kiosk" / "station.py"]
    used = _commands_used_by(sources)
    assert {"LogOutput", "AcknowledgeNotification", "CancelWorkOrder", "VerifyPin"} <= used
    wrong = {
        name: getattr(commands, name).policy.sync
        for name in used
        if issubclass(getattr(commands, name), commands.Command)
        and getattr(commands, name).policy.sync not in (Sync.PUSHED, Sync.LOCAL)
    }
    assert wrong == {}
