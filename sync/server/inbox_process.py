"""The inbox outside the web workers: processes that only apply Shopify deliveries.

On PostgreSQL ``kiosk-server`` starts ``inbox_processes`` of these beside its uvicorn
workers, restarts one that dies and ends them when it stops (:class:`InboxProcesses`),
so that the worker answering a webhook never shares its CPU with applying one. Each
runs ``python -m sync.server.inbox_process`` with the settings its parent resolved,
claims deliveries beside the others (see :mod:`sync.server.inbox`) and exits on
SIGTERM (status 0: not restarted), or by itself within a second of its parent's
death (kill -9 included). One that crashes or is killed is started again.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time

from sync.server import logs, settings

log = logging.getLogger("sync.server.inbox")

#: A process that died is started again after this long, so a crash loop cannot spin.
RESTART_DELAY = 1.0
#: Applying a delivery yields the CPU to answering requests (the web workers stay at 0).
NICENESS = 10
#: How long an inbox process may take to finish the delivery in hand when told to stop.
STOP_TIMEOUT = 10.0


def main() -> int:
    from kiosk.store.engine import make_engine
    from sync.server.inbox import Inbox
    from sync.server.state import ServerState

    config = settings.resolved()
    logs.configure(config["log_level"])
    with contextlib.suppress(OSError):
        os.nice(NICENESS)
    parent = os.getppid()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    # Ctrl-C reaches the whole process group: the parent decides when this one ends.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    engine = make_engine(config.database_url)
    inbox = Inbox(ServerState.build(engine, config.app_settings()))
    inbox.start()
    inbox.wake()  # deliveries left from before a restart
    log.info("inbox process %s applying deliveries", os.getpid())
    try:
        while not stop.wait(1.0):
            if os.getppid() != parent:
                log.warning("inbox process %s: kiosk-server is gone; stopping", os.getpid())
                break
    finally:
        inbox.stop()
        engine.dispose()
    return 0


class InboxProcesses:
    """``kiosk-server``'s inbox processes: started before serving, kept running, ended after."""

    def __init__(self, count: int, env: dict[str, str]) -> None:
        self.count = count
        self.env = env
        self._procs: list[subprocess.Popen[bytes]] = []
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None

    def __enter__(self) -> InboxProcesses:
        self._procs = [self._spawn() for _ in range(self.count)]
        if self._procs:
            self._watcher = threading.Thread(target=self._watch, name="inbox-watch", daemon=True)
            self._watcher.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stopping.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)
        for proc in self._procs:
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT
        for proc in self._procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("inbox process %s did not stop; killed", proc.pid)
                proc.kill()
                proc.wait()

    def _spawn(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "sync.server.inbox_process"], env=self.env, close_fds=True
        )

    def _watch(self) -> None:
        while not self._stopping.wait(0.5):
            for i, proc in enumerate(self._procs):
                code = proc.poll()
                if code is None or self._stopping.is_set():
                    continue
                if code == 0:  # told to stop (SIGTERM to the group, as a service manager does)
                    continue
                log.error("inbox process %s exited (status %s); starting another", proc.pid, code)
                if self._stopping.wait(RESTART_DELAY):
                    return
                self._procs[i] = self._spawn()


if __name__ == "__main__":
    sys.exit(main())
