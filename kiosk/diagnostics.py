"""``kiosk --diagnostics``: one zip file a plant's IT person can send to support.

What is in it (and what is not):

* ``settings.json``  the settings, where each came from, the paths; secrets masked
* ``environment.txt`` the ``KIOSK_*``/``QT_*`` variables; secret-looking ones masked
* ``versions.json``  Python, Qt (handed in by the UI), the packages, frozen or not
* ``store.json``     the local store: size, Alembic revision vs. the newest one,
  outbox size by status (when the store has an outbox), rows per table. The
  store is opened read-only and never migrated.
* ``logs/kiosk.log`` the last log lines; ``logs/crash.log`` the crash traces
  (both with bearer tokens, passwords and URL credentials masked)

Never in it: tokens, passwords, PINs, enrolment codes, the store itself. Building the bundle
never fails because one part is broken; the part records its error instead.
"""

from __future__ import annotations

import json
import os
import platform
import re
import sys
import zipfile
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy import column, create_engine, func, inspect, make_url, select, table, text
from sqlalchemy.engine import URL

from kiosk.config import paths
from kiosk.logs import CRASH_FILE, mask_text, tail
from kiosk.settings import Settings, redact_url

#: Distributions whose versions go in the bundle (missing ones are skipped).
PACKAGES = (
    "shopfloor-kiosk",
    "PySide6",
    "PySide6-Essentials",
    "shiboken6",
    "SQLAlchemy",
    "alembic",
    "platformdirs",
    "requests",
    "APScheduler",
)
LOG_LINES = 1000
_SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|PIN\b|_PIN|KEY|CREDENTIAL|CODE", re.I)


def default_out() -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path.cwd() / f"kiosk-diagnostics-{platform.node() or 'kiosk'}-{stamp}.zip"


def write_bundle(
    out: Path,
    settings: Settings,
    store_url: str | None,
    *,
    extra_versions: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Path:
    environ = os.environ if environ is None else environ
    p = paths()
    parts: dict[str, str] = {
        "README.txt": (
            f"Shop-floor kiosk diagnostics, made {datetime.now(UTC).isoformat()} "
            f"on {platform.node()}.\nSecrets (tokens, passwords, PINs) are masked; "
            "the local store itself is not included.\n"
        ),
        "settings.json": _json(
            {
                "file": str(settings.file),
                "file_found": settings.file_found,
                "values": settings.public(),
                "sources": dict(settings.sources),
                "paths": {k: str(v) for k, v in vars(p).items()},
            }
        ),
        "environment.txt": "".join(
            f"{k}={'***' if _SECRET_NAME.search(k) else mask_text(v)}\n"
            for k, v in sorted(environ.items())
            if k.startswith(("KIOSK_", "QT_", "XDG_SESSION", "WAYLAND_DISPLAY", "DISPLAY"))
        ),
        "versions.json": _json(versions(extra_versions)),
        "store.json": _json(_guard(store_report, store_url)),
        "logs/kiosk.log": "\n".join(mask_text(line) for line in tail(p.log_dir, LOG_LINES)) + "\n",
    }
    crash = p.log_dir / CRASH_FILE
    if crash.is_file():
        lines = crash.read_text(encoding="utf-8", errors="replace").splitlines()[-LOG_LINES:]
        parts["logs/crash.log"] = "\n".join(mask_text(line) for line in lines) + "\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, body in parts.items():
            z.writestr(name, body)
    tmp.replace(out)
    return out


def versions(extra: Mapping[str, str] | None = None) -> dict[str, Any]:
    packages = {}
    for name in PACKAGES:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return {
        "python": sys.version,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "frozen": bool(getattr(sys, "frozen", False)),
        "executable": sys.executable,
        "packages": packages,
        **(extra or {}),
    }


def store_report(url: str | None) -> dict[str, Any]:
    """Size, revision and outbox of the store at ``url``, opened read-only, never migrated."""
    from kiosk.store.migrate import head_revisions

    url = url or f"sqlite:///{paths().local_store}"
    parsed = make_url(url)
    report: dict[str, Any] = {
        "url": redact_url(parsed.render_as_string(hide_password=False)),
        "head_revisions": sorted(head_revisions()),
    }
    engine_url: str | URL = parsed
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database)  # type: ignore[arg-type]
        report["path"] = str(path)
        if not path.is_file():
            report["exists"] = False
            return report
        report["size_bytes"] = {
            suffix or "db": (path.with_name(path.name + suffix).stat().st_size)
            for suffix in ("", "-wal", "-shm")
            if path.with_name(path.name + suffix).is_file()
        }
        engine_url = f"sqlite:///file:{path}?mode=ro&uri=true"
    engine = create_engine(engine_url)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            report["revision"] = (
                sorted(r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version")))
                if "alembic_version" in tables
                else []
            )
            report["up_to_date"] = set(report["revision"]) == set(report["head_revisions"])
            if "outbox" in tables:
                status = table("outbox", column("status"))
                rows = conn.execute(
                    select(status.c.status, func.count()).group_by(status.c.status)
                ).all()
                by_status = {str(s): int(n) for s, n in rows}
                report["outbox"] = {"total": sum(by_status.values()), "by_status": by_status}
            else:
                report["outbox"] = None
            report["rows"] = {
                name: conn.execute(select(func.count()).select_from(table(name))).scalar_one()
                for name in sorted(tables)
            }
    finally:
        engine.dispose()
    return report


def _guard(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except Exception as e:  # a broken part is reported, never fatal to the bundle
        return {"error": f"{type(e).__name__}: {mask_text(str(e))}"}


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str) + "\n"
