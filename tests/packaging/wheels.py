"""Build the project's wheel and install it into fresh venvs, as a plant's IT person would."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: uv comes with the dev extra: an install from its cache takes about a second, pip's ~25 s.
UV = Path(sys.executable).with_name("uv")


def build_wheel(out: Path) -> Path:
    """PEP 517 straight to setuptools (in the dev environment): no network, no isolation."""
    build = "import sys, setuptools.build_meta as b; print(b.build_wheel(sys.argv[1]))"
    done = subprocess.run(
        [sys.executable, "-c", build, str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return out / done.stdout.strip().splitlines()[-1]


def install(wheel: Path, extras: str, where: Path) -> Path:
    """A clean venv (``python -m venv``, nothing inherited) with ``wheel[extras]``; its bin dir."""
    venv.EnvBuilder(with_pip=False, clear=True).create(where)
    python = where / "bin" / "python"
    subprocess.run(
        [str(UV), "pip", "install", "-q", "--python", str(python), f"{wheel}[{extras}]"],
        check=True,
        capture_output=True,
        text=True,
    )
    return where / "bin"


def distributions(bin_dir: Path) -> set[str]:
    """The normalised names of every distribution installed in that venv."""
    listing = (
        "import importlib.metadata as m, re; "
        "print('\\n'.join(re.sub(r'[-_.]+', '-', d.metadata['Name']).lower() "
        "for d in m.distributions()))"
    )
    out = subprocess.run(
        [str(bin_dir / "python"), "-c", listing], check=True, capture_output=True, text=True
    )
    return set(out.stdout.split())


def site_packages_mb(bin_dir: Path) -> float:
    """Bytes in the venv's site-packages, in MB (hard links from uv's cache counted in full)."""
    (site,) = bin_dir.parent.glob("lib/python3*/site-packages")
    return sum(f.stat().st_size for f in site.rglob("*") if f.is_file()) / 1e6
