"""The API reference in Markdown, written from the server's own OpenAPI document.

The document is the contract (README, "The OpenAPI document is the contract"); this
renders it for people who read the repository rather than ``/openapi.json``, so the
reference can never say something the server does not do. ``tests/server/
test_api_reference.py`` fails when the committed file is older than the code.

    python -m sync.server.apidoc            # rewrite sync/server/API.md
    python -m sync.server.apidoc --check    # exit 1 if it is out of date
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine

from sync.server import wire

REFERENCE = Path(__file__).with_name("API.md")

_METHODS = ("get", "post", "put", "patch", "delete")

#: Patterns of sync/server/wire.py, named as the rule they state.
_PATTERN_NAMES = {
    wire.NOT_BLANK: "not blank, no NUL",
    wire.NO_NUL: "no NUL",
    wire.PIN: "4 to 8 digits",
    wire.WHOLE: "a whole number 1 to 1,000,000",
    wire.WHOLE_OR_ZERO: "a whole number 0 to 1,000,000",
    wire.POSITIVE: "more than 0, at most 1,000,000, 4 decimals",
    wire.SIGNED: "not 0, at most ±1,000,000, 4 decimals",
}

_HEADER = """\
# Plant server API reference

Written by `python -m sync.server.apidoc` from the server's OpenAPI document
(`/openapi.json` on a running server); do not edit by hand. The README says how
the contract is kept ("The OpenAPI document is the contract").

- Base path `/api/v1`; JSON in and out. `Authorization: Bearer <token>` (an admin
  token, or a kiosk's device token where an operation says so) on everything but
  `/healthz` and the Shopify webhook (signed with the shop's secret instead).
- Quantities go in as JSON strings or numbers and come back as strings (`"2.5"`).
- Every error is `application/problem+json` ([Problem](#problem-schema)) with a stable
  `code`: 400 unreadable body, 401 no or bad token, 403 wrong kind of token, 404 the
  URL's resource does not exist, 409 not allowed as the plant is now, 413 body too
  large, 422 a field breaks its rule, 503 try again.
"""


def build_document() -> dict[str, Any]:
    """The OpenAPI document of a server on a throwaway engine (nothing is read from it)."""
    from sync.server.app import create_app

    return create_app(create_engine("sqlite://")).openapi()


def render(doc: dict[str, Any]) -> str:
    """The whole reference: conventions, one section per tag, then the schemas."""
    schemas: dict[str, Any] = doc.get("components", {}).get("schemas", {})
    out = [_HEADER]
    by_tag: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for path, ops in doc["paths"].items():
        for method in _METHODS:
            if method in ops:
                op = ops[method]
                by_tag.setdefault((op.get("tags") or ["other"])[0], []).append((method, path, op))
    out.append("## Contents\n")
    for tag in by_tag:
        out.append(f"- [{tag.capitalize()}](#{_anchor(tag)})")
    out.append("- [Schemas](#schemas)\n")
    for tag, ops in by_tag.items():
        out.append(f"## {tag.capitalize()}\n")
        for method, path, op in ops:
            out.extend(_operation(method, path, op))
    out.append("## Schemas\n")
    for name in sorted(schemas):
        out.extend(_schema_section(name, schemas[name]))
    return "\n".join(out).rstrip() + "\n"


def _operation(method: str, path: str, op: dict[str, Any]) -> Iterable[str]:
    yield f"### `{method.upper()} {path}`\n"
    yield (
        f"`{op['operationId']}`"
        + (" · needs a token" if op.get("security") else " · no token")
        + "\n"
    )
    if op.get("description") or op.get("summary"):
        yield _para(op.get("description") or op["summary"]) + "\n"
    params = op.get("parameters", [])
    if params:
        yield "| parameter | in | type | required | notes |"
        yield "|---|---|---|---|---|"
        for p in params:
            yield (
                f"| `{p['name']}` | {p['in']} | {_type(p.get('schema', {}))} | "
                f"{'yes' if p.get('required') else 'no'} | "
                f"{_cell(p.get('description', '') or _rules(p.get('schema', {})))} |"
            )
        yield ""
    body = op.get("requestBody")
    if body:
        first: dict[str, Any] = next(iter(body.get("content", {}).values()), {})
        schema = first.get("schema", {})
        yield (
            f"Body: {_type(schema)}"
            + (f" — {_cell(body['description'])}" if body.get("description") else "")
            + "\n"
        )
    answers = op.get("responses", {})
    problems = sorted(
        s for s, a in answers.items() if "application/problem+json" in a.get("content", {})
    )
    yield "| answer | meaning | body |"
    yield "|---|---|---|"
    for status, answer in sorted(answers.items()):
        if status in problems:
            continue
        content: dict[str, dict[str, Any]] = answer.get("content", {})
        kind, media = next(iter(content.items()), ("", {}))
        shape = _type(media.get("schema", {})) if media.get("schema") else ""
        if kind and kind != "application/json":
            shape = f"{shape} ({kind})" if shape else kind
        yield f"| {status} | {_cell(answer.get('description', ''))} | {shape} |"
    if problems:
        yield f"| {', '.join(problems)} | an error | [Problem](#{_schema_anchor('Problem')}) |"
    yield ""


def _schema_section(name: str, schema: dict[str, Any]) -> Iterable[str]:
    yield f"### {name} (schema)\n"
    if schema.get("description"):
        yield _para(schema["description"]) + "\n"
    if "enum" in schema:
        yield "One of " + ", ".join(f"`{v}`" for v in schema["enum"]) + ".\n"
        return
    props: dict[str, Any] = schema.get("properties", {})
    if not props:
        yield f"{_type(schema)}\n"
        return
    required = set(schema.get("required", []))
    yield "| field | type | required | rules |"
    yield "|---|---|---|---|"
    for field, spec in props.items():
        rules = _rules(spec)
        if spec.get("description"):
            rules = f"{_cell(spec['description'])}" + (f"; {rules}" if rules else "")
        yield f"| `{field}` | {_type(spec)} | {'yes' if field in required else 'no'} | {rules} |"
    yield ""


def _type(spec: dict[str, Any]) -> str:
    """A short type: a schema link, ``string``, ``list of X``, ``X or null``."""
    if "$ref" in spec:
        name = spec["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{_schema_anchor(name)})"
    for key in ("anyOf", "oneOf"):
        if key in spec:
            return " or ".join(dict.fromkeys(_type(s) for s in spec[key]))
    kind = spec.get("type")
    if kind == "array":
        return f"list of {_type(spec.get('items', {}))}"
    if isinstance(kind, list):
        return " or ".join(kind)
    if "enum" in spec:
        return " \\| ".join(f"`{v}`" for v in spec["enum"])
    if kind == "string" and spec.get("format"):
        return f"string ({spec['format']})"
    return str(kind or "any")


def _rules(spec: dict[str, Any]) -> str:
    """The rules on one field, in words, from every branch of a union."""
    parts: list[str] = []
    branches = spec.get("anyOf") or spec.get("oneOf") or [spec]
    for branch in branches:
        parts.extend(_branch_rules(branch))
    if "default" in spec and spec["default"] is not None:
        parts.append(f"default `{spec['default']}`")
    return "; ".join(dict.fromkeys(parts))


def _branch_rules(spec: dict[str, Any]) -> list[str]:
    rules: list[str] = []
    pattern = spec.get("pattern")
    if pattern:
        rules.append(_PATTERN_NAMES.get(pattern, f"matches `{pattern}`"))
    lo, hi = spec.get("minLength"), spec.get("maxLength")
    if hi is not None:
        rules.append(f"at most {hi} characters")
    elif lo:
        rules.append(f"at least {lo} characters")
    for key, word in (
        ("minimum", "≥"),
        ("exclusiveMinimum", ">"),
        ("maximum", "≤"),
        ("exclusiveMaximum", "<"),
    ):
        if key in spec:
            rules.append(f"{word} {_number(spec[key])}")
    if "minItems" in spec or "maxItems" in spec:
        rules.append(f"{spec.get('minItems', 0)} to {spec.get('maxItems', 'any')} items")
    return rules


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _schema_anchor(name: str) -> str:
    """GitHub's anchor for a schema's heading, ``### Name (schema)``."""
    return _anchor(f"{name} (schema)")


def _anchor(text: str) -> str:
    return re.sub(r"[^a-z0-9 _-]", "", text.lower()).replace(" ", "-")


def _para(text: str) -> str:
    return " ".join(text.split())


def _cell(text: str) -> str:
    return _para(text).replace("|", "\\|")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sync.server.apidoc", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if API.md is out of date")
    parser.add_argument("--out", type=Path, default=REFERENCE, help="where to write it")
    args = parser.parse_args(argv)
    text = render(build_document())
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is out of date: run python -m sync.server.apidoc", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text.splitlines())} lines)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
