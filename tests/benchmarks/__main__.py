"""Run the benchmarks: ``python -m tests.benchmarks [NAME ...] [options]``.

Without names every registered benchmark runs; those that need PostgreSQL run
only when ``KIOSK_TEST_PG_URL`` is set or ``--pg URL`` is given. The exit status
is 0 unless ``--strict`` is given and a check or target failed (figures on a
shared, busy machine are noisy; read them, don't gate on them by default).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from tests.benchmarks.core import PG_URL_ENV, Options, load, machine_line, render


def main(argv: list[str] | None = None) -> int:
    registry = load()
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help="benchmarks to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument(
        "--pg", metavar="URL", help=f"PostgreSQL server URL (default: ${PG_URL_ENV})"
    )
    parser.add_argument("--iterations", type=int, default=300, help="rounds for latency benchmarks")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of throughput runs")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients (throughput)")
    parser.add_argument(
        "--dir",
        type=Path,
        help="directory for SQLite files (default: a new temporary directory on disk)",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a check fails")
    args = parser.parse_args(argv)

    if args.list:
        for bench in registry.values():
            pg = "  [PostgreSQL]" if bench.needs_pg else ""
            print(f"{bench.name:<16} {bench.title}{pg}")
        return 0
    unknown = [n for n in args.names if n not in registry]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; see --list")
    pg_url = args.pg or os.environ.get(PG_URL_ENV, "").strip() or None
    chosen = [registry[n] for n in args.names] if args.names else list(registry.values())

    print(f"shopfloor-kiosk benchmarks — {machine_line()}, Python {sys.version.split()[0]}")
    ok = True
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp:
        for bench in chosen:
            workdir = args.dir or Path(tmp)
            workdir = workdir / bench.name
            workdir.mkdir(parents=True, exist_ok=True)
            options = Options(
                workdir=workdir,
                pg_url=pg_url,
                iterations=args.iterations,
                seconds=args.seconds,
                clients=args.clients,
            )
            started = time.perf_counter()
            outcome = bench.run(options)
            print()
            print(render(bench, outcome))
            if not outcome.skipped:
                print(f"   ({time.perf_counter() - started:.1f} s)")
            ok = ok and outcome.ok
    return 0 if ok or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())
