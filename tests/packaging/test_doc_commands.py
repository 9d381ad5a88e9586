"""The docs' shell commands leave nothing owned by the wrong user (issue 13, item 9).

`install -d -o kiosk -g kiosk ~kiosk/.config/shopfloor-kiosk` gives only the last
directory to kiosk: ~kiosk/.config, created on the way, stays root's, and the kiosk
cannot write its own config dir. Create each level, or create them as the user.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "packaging").glob("*.md"))]


def nested_owned_installs(text: str) -> list[str]:
    """`install -d -o USER ...` lines with a target two or more levels below a ~user home."""
    found = []
    for line in text.splitlines():
        if not re.match(r"\s*(sudo\s+)?install\s", line):
            continue
        words = line.split("#")[0].split()
        if "-d" not in words or not any(w == "-o" or w.startswith("--owner") for w in words):
            continue
        targets = [w for w in words if w.startswith("~")]
        if any(len(Path(t).parts) > 2 for t in targets):
            found.append(line.strip())
    return found


def test_the_checker_sees_the_bug_it_is_for() -> None:
    assert nested_owned_installs("install -d -o kiosk -g kiosk ~kiosk/.config/shopfloor-kiosk")
    assert not nested_owned_installs("install -d -o kiosk -g kiosk ~kiosk/.config")
    assert not nested_owned_installs("runuser -u kiosk -- mkdir -p ~kiosk/.config/shopfloor-kiosk")


def test_no_doc_creates_root_owned_parents() -> None:
    bad = {doc.name: nested_owned_installs(doc.read_text(encoding="utf-8")) for doc in DOCS}
    assert not any(bad.values()), bad
