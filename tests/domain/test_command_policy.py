"""Every command says itself where it travels; nothing else keeps a list of them."""

from __future__ import annotations

import ast
from pathlib import Path

import kiosk.commands as commands
from kiosk.commands.base import COMMAND_TYPES, HANDLERS, Sync
from sync.protocol import FLOOR_TYPES

ROOT = Path(__file__).resolve().parents[2]


def test_every_command_declares_whether_it_syncs() -> None:
    undeclared = sorted(cls.__name__ for cls in HANDLERS if not isinstance(cls.sync, Sync))
    assert undeclared == []


def test_what_a_kiosk_pushes_is_what_the_commands_declare() -> None:
    assert {n for n, c in COMMAND_TYPES.items() if c.sync == Sync.PUSHED} == FLOOR_TYPES
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
        name: getattr(commands, name).sync
        for name in used
        if issubclass(getattr(commands, name), commands.Command)
        and getattr(commands, name).sync not in (Sync.PUSHED, Sync.LOCAL)
    }
    assert wrong == {}
