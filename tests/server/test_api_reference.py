"""The API reference in the repository is the server's OpenAPI document, up to date."""

from __future__ import annotations

import re

from sync.server import apidoc


def test_the_committed_reference_is_the_current_document() -> None:
    committed = apidoc.REFERENCE.read_text(encoding="utf-8")
    current = apidoc.render(apidoc.build_document())
    assert committed == current, "sync/server/API.md is out of date: python -m sync.server.apidoc"


def test_every_operation_is_there_and_every_link_lands_on_a_heading() -> None:
    doc = apidoc.build_document()
    text = apidoc.render(doc)
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert f"### `{method.upper()} {path}`" in text
            assert f"`{op['operationId']}`" in text
    headings = {apidoc._anchor(h) for h in re.findall(r"^#+ (.+)$", text, flags=re.M)}
    links = set(re.findall(r"\]\(#([^)]+)\)", text))
    assert links, "no links at all"
    assert links <= headings, sorted(links - headings)


def test_field_rules_are_in_words() -> None:
    text = apidoc.render(apidoc.build_document())
    assert "| `pin` | string | yes | 4 to 8 digits" in text
    assert "not blank, no NUL" in text
    assert r"\x00" not in text  # the raw patterns are named, not dumped
