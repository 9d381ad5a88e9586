"""The benchmark registry, options, figures and the table they are printed as.

To add a benchmark: write a module in this package with a function taking
:class:`Options` and returning an :class:`Outcome`, decorate it with
``@benchmark("name", "what it measures")``, and import the module in
:data:`MODULES`.
"""

from __future__ import annotations

import importlib
import math
import os
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

#: Modules whose import registers their benchmarks, in the order they run.
MODULES = (
    "tests.benchmarks.floor",
    "tests.benchmarks.orchestrator",
    "tests.benchmarks.server",
    "tests.benchmarks.sync",
    "tests.benchmarks.soak",
    "tests.benchmarks.ui",
    "tests.benchmarks.office",
)

PG_URL_ENV = "KIOSK_TEST_PG_URL"


@dataclass(frozen=True)
class Options:
    """What the command line chose; each benchmark takes what it needs."""

    workdir: Path
    pg_url: str | None = None
    iterations: int = 300
    seconds: float = 10.0
    clients: int = 4


@dataclass(frozen=True)
class Figure:
    label: str
    value: float
    unit: str
    note: str = ""


@dataclass
class Outcome:
    """Figures to print and checks that passed or failed (a target missed is a failed check)."""

    figures: list[Figure] = field(default_factory=list)
    checks: list[tuple[str, bool]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: str | None = None

    def add(self, label: str, value: float, unit: str, note: str = "") -> None:
        self.figures.append(Figure(label, value, unit, note))

    def note(self, text: str) -> None:
        self.notes.append(text)

    def check(self, label: str, ok: bool) -> None:
        self.checks.append((label, ok))

    @property
    def ok(self) -> bool:
        return all(ok for _, ok in self.checks)


@dataclass(frozen=True)
class Benchmark:
    name: str
    title: str
    run: Callable[[Options], Outcome]
    needs_pg: bool = False


REGISTRY: dict[str, Benchmark] = {}


def benchmark(
    name: str, title: str, *, needs_pg: bool = False
) -> Callable[[Callable[[Options], Outcome]], Callable[[Options], Outcome]]:
    def register(fn: Callable[[Options], Outcome]) -> Callable[[Options], Outcome]:
        if name in REGISTRY:
            raise RuntimeError(f"benchmark {name} is registered twice")
        REGISTRY[name] = Benchmark(name, title, fn, needs_pg)
        return fn

    return register


def load() -> dict[str, Benchmark]:
    for module in MODULES:
        importlib.import_module(module)
    return REGISTRY


# -- statistics ---------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100): a value that was actually measured."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


# -- printing -------------------------------------------------------------------------


def machine_line() -> str:
    try:
        load1, load5, _ = os.getloadavg()
        load = f"load {load1:.2f}/{load5:.2f} (1/5 min)"
    except OSError:
        load = "load unknown"
    return f"{os.cpu_count()} CPUs, {load}"


def _fmt(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def render(bench: Benchmark, outcome: Outcome) -> str:
    lines = [f"== {bench.name}: {bench.title}"]
    if outcome.skipped:
        lines.append(f"   skipped: {outcome.skipped}")
        return "\n".join(lines)
    lines.extend(f"   {text}" for text in outcome.notes)
    width = max([len(f.label) for f in outcome.figures] + [10])
    for f in outcome.figures:
        note = f"  ({f.note})" if f.note else ""
        lines.append(f"   {f.label:<{width}}  {_fmt(f.value):>10} {f.unit:<8}{note}")
    for label, ok in outcome.checks:
        lines.append(f"   [{'PASS' if ok else 'FAIL'}] {label}")
    return "\n".join(lines)
